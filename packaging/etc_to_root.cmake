# CPack pre-build script: the package installs under the prefix /usr, where the settings land in
# usr/etc/till; a Debian system reads them from /etc/till.
file(GLOB staged LIST_DIRECTORIES true "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/usr/etc")
if(NOT staged)
  message(FATAL_ERROR "no usr/etc in ${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
endif()
file(RENAME "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/usr/etc" "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/etc")
