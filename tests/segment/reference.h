// Runs tests/segment/reference.py (SciPy, scikit-learn) and reads the JSON object it prints.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace till::segment::testing {

// The JSON the reference script prints for `arguments`; a null json (and a test failure)
// when it fails.
inline nlohmann::json RunReference(const std::string& arguments) {
  const std::string command =
      std::string(TILL_PYTHON3) + " " + TILL_SEGMENT_REFERENCE + " " + arguments;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return nullptr;
  }
  std::string out;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (status != 0) {
    ADD_FAILURE() << command << " failed with status " << status << ": " << out;
    return nullptr;
  }
  return nlohmann::json::parse(out, nullptr, false);
}

}  // namespace till::segment::testing
