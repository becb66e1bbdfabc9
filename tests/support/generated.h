// Generated raw files for tests (the project's own generator; link till_generate).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "generate/generator.h"
#include "support/temp_dir.h"

namespace till::testing {

// Writes `rows` generated rows (seed `seed`) to `name` in `dir`; returns the file's path.
inline std::string Generate(const TempDir& dir, const std::string& name, int64_t rows,
                            uint64_t seed) {
  std::string path = dir.Path(name);
  std::FILE* out = std::fopen(path.c_str(), "wb");
  EXPECT_NE(out, nullptr) << path;
  if (!out) return path;
  GenerateOptions options;
  options.rows = rows;
  options.seed = seed;
  EXPECT_TRUE(GenerateRawFile(options, out));
  std::fclose(out);
  return path;
}

}  // namespace till::testing
