# Writes OUTPUT, a header defining TILL_COMMIT (the source tree's commit, or "unknown" outside a
# git checkout), rewritten only when the commit changes, so that a build at the same commit
# recompiles nothing. Run at every build: cmake -DSOURCE_DIR=… -DOUTPUT=… -P commit.cmake
execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE failed)
if(failed OR commit STREQUAL "")
  set(commit "unknown")
endif()
file(WRITE "${OUTPUT}.new" "#define TILL_COMMIT \"${commit}\"\n")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
