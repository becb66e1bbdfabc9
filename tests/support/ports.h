// Loopback ports for tests that start servers (or need a port nobody listens on).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace till::testing {

// Binds socket `fd` to a port of 127.0.0.1 the system picks; returns the port, 0 on failure.
inline int BindLoopback(int fd) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return 0;
  }
  return ntohs(address.sin_port);
}

// A port of 127.0.0.1 nothing listens on at the moment of the call; 0 on failure.
inline int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  int port = BindLoopback(fd);
  ::close(fd);
  return port;
}

}  // namespace till::testing
