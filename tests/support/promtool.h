// `promtool check metrics` (Debian's prometheus package) on a metrics exposition, for the tests
// of every /metrics Till serves.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "support/temp_dir.h"

namespace till::testing {

// Runs promtool on `text` in `dir`; returns its output and sets *ok.
inline std::string PromtoolCheck(const TempDir& dir, const std::string& text, bool* ok) {
  std::string input = dir.Write("metrics.txt", text);
  std::string output = dir.Path("promtool.txt");
  std::string command =
      "command -v promtool >/dev/null || { echo 'promtool is missing: install Debian package "
      "prometheus (scripts/install-deps.sh)'; exit 3; }; promtool check metrics < '" +
      input + "'";
  int status = std::system(("(" + command + ") >'" + output + "' 2>&1").c_str());
  *ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return ReadFile(output);
}

}  // namespace till::testing
