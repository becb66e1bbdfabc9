// `till generate`: a realistic synthetic raw retail file, the same for the same seed.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/output.h"
#include "generate/generator.h"

namespace till {
namespace {

struct GenerateFlags {
  int64_t rows = 302010;
  uint64_t seed = 42;
  std::string output = "-";
};

int RunGenerate(const GenerateFlags& flags) {
  std::FILE* out = flags.output == "-" ? stdout : std::fopen(flags.output.c_str(), "wb");
  if (out == nullptr) {
    fmt::print(stderr, "till: cannot write {}: {}\n", flags.output, std::strerror(errno));
    return kExitFailed;
  }
  GenerateOptions options;
  options.rows = flags.rows;
  options.seed = flags.seed;
  Status status = GenerateRawFile(options, out);
  bool closed = out == stdout ? std::fflush(out) == 0 : std::fclose(out) == 0;
  if (!status) return Fail(status.error());
  if (!closed) {
    fmt::print(stderr, "till: writing {} failed: {}\n", flags.output, std::strerror(errno));
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

Command AddGenerateCommand(CLI::App& app, Config&) {
  auto flags = std::make_shared<GenerateFlags>();
  auto* generate = app.add_subcommand("generate", "Write a realistic synthetic raw retail file");
  generate->add_option("--rows,-n", flags->rows, "Data rows to write")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  generate->add_option("--seed,-s", flags->seed, "Random seed; the same seed gives the same file");
  generate->add_option("--output,-o", flags->output, "Output file ('-' for standard output)");
  return {generate, [flags] { return RunGenerate(*flags); }};
}

}  // namespace till
