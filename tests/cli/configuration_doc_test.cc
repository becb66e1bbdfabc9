// docs/configuration.md against the code, so that neither drifts: its till.toml table lists
// exactly ConfigKeys(), every one of which LoadConfig reads (a wrong value for it fails, naming
// it), and its environment table lists exactly the variables Till's sources read.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "cli/config.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::ReadFile;
using testing::TempDir;

const std::string kSource = TILL_SOURCE_DIR;

// The single `name` in the first cell of each table row of the section headed `heading`.
std::set<std::string> FirstColumn(const std::string& heading) {
  std::istringstream doc(ReadFile(kSource + "/docs/configuration.md"));
  static const std::regex kRow(R"(^\| `([A-Za-z0-9_.]+)` \|)");
  std::set<std::string> names;
  bool inside = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.starts_with("## ")) inside = line == heading;
    std::smatch match;
    if (inside && std::regex_search(line, match, kRow)) names.insert(match[1]);
  }
  return names;
}

TEST(ConfigurationDocTest, TheTomlTableListsExactlyTheKeysTheParserReads) {
  std::set<std::string> documented = FirstColumn("## `till.toml`");
  std::set<std::string> code(ConfigKeys().begin(), ConfigKeys().end());
  EXPECT_EQ(documented, code);
  EXPECT_FALSE(code.empty());
}

// A key in ConfigKeys() that LoadConfig did not read would load a wrong value silently.
TEST(ConfigurationDocTest, LoadConfigReadsEveryListedKey) {
  TempDir dir;
  ::setenv("TILL_CONFIG", dir.Path("till.toml").c_str(), 1);
  ::unsetenv("TILL_WAREHOUSE");
  for (std::string_view key : ConfigKeys()) {
    size_t dot = key.find('.');
    std::string text = dot == std::string_view::npos
                           ? fmt::format("{} = {{ wrong = true }}\n", key)
                           : fmt::format("[{}]\n{} = {{ wrong = true }}\n", key.substr(0, dot),
                                         key.substr(dot + 1));
    dir.Write("till.toml", text);
    auto config = LoadConfig();
    ASSERT_FALSE(config) << key << " with a table for its value loaded";
    EXPECT_NE(config.error().message().find(key), std::string::npos)
        << key << ": " << config.error().message();
  }
  ::unsetenv("TILL_CONFIG");
}

TEST(ConfigurationDocTest, KeysOutsideTheListAreNamedWithTheirLine) {
  TempDir dir;
  ::setenv("TILL_CONFIG", dir.Path("till.toml").c_str(), 1);
  dir.Write("till.toml",
            "warehouse = \"w.db\"\nwarehose = \"x\"\n[alerts]\nreject_ratio = 0.1\n"
            "rejects_ratio = 0.2\n");
  auto file = InspectConfigFile();
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->unknown_keys,
            (std::vector<std::string>{"warehose (line 2)", "alerts.rejects_ratio (line 5)"}));
  auto config = LoadConfig();
  ASSERT_TRUE(config);
  EXPECT_EQ(config->warehouse, "w.db");
  ::unsetenv("TILL_CONFIG");
}

TEST(ConfigurationDocTest, TheEnvironmentTableListsExactlyTheVariablesTheSourcesRead) {
  // Every read of the environment goes through getenv or one of these wrappers, or the
  // standard library's temporary folder.
  static const std::regex kRead(R"(\b(getenv|Env|from_env|AwsFile)\("([A-Z][A-Z0-9_]*)\")");
  std::set<std::string> code;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSource + "/src")) {
    std::string path = entry.path().string();
    if (!path.ends_with(".cc") && !path.ends_with(".h")) continue;
    std::string text = ReadFile(path);
    for (std::sregex_iterator it(text.begin(), text.end(), kRead), end; it != end; ++it) {
      code.insert((*it)[2]);
    }
    // The standard library reads it for Till there.
    if (text.find("temp_directory_path(") != std::string::npos) code.insert("TMPDIR");
  }
  EXPECT_EQ(FirstColumn("## Environment variables"), code);
  EXPECT_TRUE(code.count("TILL_WAREHOUSE"));
}

}  // namespace
}  // namespace till
