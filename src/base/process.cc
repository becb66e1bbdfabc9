#include "base/process.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace till {
namespace {

std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string BootId() { return ReadLine("/proc/sys/kernel/random/boot_id"); }

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot; "" when
// there is no such process.
std::string StartTicks(long pid) {
  std::string stat = ReadLine(fmt::format("/proc/{}/stat", pid));
  size_t close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 22) return field;
  }
  return "";
}

}  // namespace

std::string ThisProcess() {
  long pid = static_cast<long>(::getpid());
  return fmt::format("{}/{}/{}/{}", HostName(), BootId(), pid, StartTicks(pid));
}

ProcessState StateOfProcess(std::string_view id) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t slash = id.find('/', start);
    parts.push_back(id.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 4 || parts[0] != HostName()) return ProcessState::kRunning;
  if (parts[1] != BootId()) return ProcessState::kGone;
  long pid = 0;
  auto [end, error] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), pid);
  if (error != std::errc() || pid <= 0) return ProcessState::kRunning;
  return StartTicks(pid) == parts[3] ? ProcessState::kRunning : ProcessState::kGone;
}

}  // namespace till
