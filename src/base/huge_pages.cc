#include "base/huge_pages.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace till {
namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TILL_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TILL_SANITIZED 1
#endif

constexpr char kHugePages[] = "glibc.malloc.hugetlb";

// The kernel's mode of transparent huge pages: the bracketed word of
// "always [madvise] never".
bool KernelGivesHugePagesOnRequest() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  const std::string modes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return modes.find("[madvise]") != std::string::npos;
}

}  // namespace

void ReexecWithHugePageHeap(char** argv) {
#if defined(__GLIBC__) && !defined(TILL_SANITIZED)
  // glibc reads its tunables from the environment when a program starts and offers no call to
  // set this one later, hence the exec.
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = before ? before : "";
  if (tunables.find(kHugePages) != std::string::npos) return;
  if (!KernelGivesHugePagesOnRequest()) return;
  // First in the list: glibc parses the list in place, and what is left of the variable to read
  // (here, and in /proc/PID/environ) may be the first tunable only.
  const std::string with =
      std::string(kHugePages) + "=1" + (tunables.empty() ? "" : ":" + tunables);
  if (setenv("GLIBC_TUNABLES", with.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  if (before) {
    setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
#else
  (void)argv;
#endif
}

}  // namespace till
