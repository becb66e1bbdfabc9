// Who runs a piece of work, written so that another process can later tell whether that
// process is still there: the machine, its boot, the process id and the process's start time
// (so that a reused pid is not mistaken for the same process).
#pragma once

#include <string>
#include <string_view>

namespace till {

// "host/boot-id/pid/start-ticks" of this process.
std::string ThisProcess();

enum class ProcessState {
  kRunning,  // the process is alive (or it cannot be told: another machine, an unreadable id)
  kGone,     // it exited, was killed, or its machine rebooted since
};

// The state of the process ThisProcess() described as `id`, seen from this process. Only a
// process of this machine can be found gone; one of another machine counts as running.
ProcessState StateOfProcess(std::string_view id);

}  // namespace till
