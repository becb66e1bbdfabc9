// Runs a libFuzzer entry point over every file of the corpus folders named on the command
// line, without libFuzzer, so that CTest replays each fuzz target's corpus (its seeds and
// every crash ever found) on every test run. A fuzz target signals a failure by aborting;
// this program fails on its own when a folder is missing or empty, so that a wrong path
// cannot pass quietly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
    return 2;
  }
  for (int arg = 1; arg < argc; ++arg) {
    std::error_code error;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(argv[arg], error)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    if (error || files.empty()) {
      std::fprintf(stderr, "%s: no corpus files%s%s\n", argv[arg], error ? ": " : "",
                   error ? error.message().c_str() : "");
      return 1;
    }
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "%s: cannot read\n", path.c_str());
        return 1;
      }
      std::fprintf(stderr, "replaying %s (%zu bytes)\n", path.c_str(), data.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    }
    std::fprintf(stderr, "%s: %zu inputs passed\n", argv[arg], files.size());
  }
  return 0;
}
