// Child processes for integration tests: tools found on PATH (moto_server, aws), run in a
// process group of their own that is ended with the test, and environment variables set for a
// test's length.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace till::testing {

// Generous bounds for a slow CI machine; a healthy run takes a fraction of each.
inline constexpr std::chrono::seconds kCommandTimeout{120};
inline constexpr std::chrono::seconds kStopWait{10};

using ChildClock = std::chrono::steady_clock;

// The path of `name` found on PATH the way `command -v` finds it, or "".
inline std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "";
  for (;;) {
    size_t colon = rest.find(':');
    std::string folder(rest.substr(0, colon));
    std::string candidate = (folder.empty() ? std::string(".") : folder) + "/" + name;
    std::error_code ec;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate, ec)) {
      return candidate;
    }
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

inline bool Answers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// Sets environment variables for the life of a test and puts back what was there before.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

  void Set(const std::string& name, const std::string& value) {
    Save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void Unset(const std::string& name) {
    Save(name);
    ::unsetenv(name.c_str());
  }

 private:
  void Save(const std::string& name) {
    if (saved_.count(name)) return;
    const char* value = std::getenv(name.c_str());
    saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
  }

  std::map<std::string, std::optional<std::string>> saved_;
};

// A child process in a process group of its own, started in `folder` with stdin from /dev/null
// and stdout and stderr in files. Whatever is left of the group is ended on destruction.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Stop(SIGTERM, kStopWait); }

  // argv[0] is an absolute path. On failure returns false and stores the reason in *error.
  bool Start(std::vector<std::string> argv, const std::string& folder, const std::string& out_path,
             const std::string& err_path, std::string* error) {
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::vector<char*> pointers;
    for (std::string& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = in < 0 || out < 0 || err < 0 ? -1 : ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls from here to exec.
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(125);
      ::dup2(in, STDIN_FILENO);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::close_range(3, ~0U, 0);
      if (::chdir(folder.c_str()) != 0) ::_exit(126);
      ::execv(pointers[0], pointers.data());
      ::_exit(127);
    }
    int saved_errno = errno;
    for (int fd : {in, out, err}) {
      if (fd >= 0) ::close(fd);
    }
    if (pid < 0) {
      *error = "starting " + argv[0] + ": " + std::strerror(saved_errno);
      return false;
    }
    ::setpgid(pid, pid);  // also here, so that a stop right away reaches the group
    pid_ = pid;
    return true;
  }

  // True while the child has not exited.
  bool Running() {
    if (pid_ < 0 || exited_) return false;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_) {
      Reap();
    }
    return !exited_;
  }

  // Waits up to `timeout` for the child to exit; returns its exit code (128 + signal when a
  // signal ended it), or nullopt when it still runs.
  std::optional<int> Wait(ChildClock::duration timeout) {
    auto deadline = ChildClock::now() + timeout;
    while (Running() && ChildClock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!exited_) return std::nullopt;
    return exit_code_;
  }

  // Sends `signal` to the group and waits up to `wait` for the child to exit, then kills what
  // is left of the group. Returns the exit code, or nullopt when it had to be killed.
  std::optional<int> Stop(int signal, ChildClock::duration wait) {
    if (pid_ < 0) return std::nullopt;
    if (exited_) return exit_code_;
    ::kill(-pid_, signal);
    auto code = Wait(wait);
    if (!code) {
      ::kill(-pid_, SIGKILL);
      Wait(kStopWait);  // a child stuck in the kernel is left rather than waited for forever
    }
    return code;
  }

 private:
  // The leader exited and is not reaped yet, so its group id cannot have gone to another
  // process: whatever it started that still runs is ended, and then it is reaped.
  void Reap() {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to its end in `folder`, within kCommandTimeout.
inline Outcome RunToEnd(const std::vector<std::string>& argv, const TempDir& folder) {
  static std::atomic<int> counter{0};
  std::string name = "command-" + std::to_string(++counter);
  Outcome outcome;
  Child child;
  if (!child.Start(argv, folder.Path(""), folder.Path(name + ".out"), folder.Path(name + ".err"),
                   &outcome.err)) {
    return outcome;
  }
  auto code = child.Wait(kCommandTimeout);
  if (!code) child.Stop(SIGKILL, kStopWait);
  outcome.exit_code = code.value_or(-1);
  outcome.out = ReadFile(folder.Path(name + ".out"));
  outcome.err = ReadFile(folder.Path(name + ".err"));
  if (!code) outcome.err += "\n(killed after " + std::to_string(kCommandTimeout.count()) + " s)";
  return outcome;
}

inline std::string Describe(const std::vector<std::string>& argv, const Outcome& outcome) {
  std::string text;
  for (const std::string& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text + "\nexit " + std::to_string(outcome.exit_code) + "\nstdout:\n" + outcome.out +
         "\nstderr:\n" + outcome.err;
}

}  // namespace till::testing
