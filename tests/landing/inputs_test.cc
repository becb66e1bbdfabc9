// What the arguments of `till ingest` stand for: local files as given, and folders as a folder
// landing zone lists them. (S3 objects and prefixes: s3_zone_test.cc, against an S3 server.)
#include "landing/inputs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace till {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<std::string> Locations(const std::vector<RawInput>& inputs) {
  std::vector<std::string> locations;
  for (const RawInput& input : inputs) {
    EXPECT_EQ(input.zone, nullptr) << input.location;
    EXPECT_EQ(input.error, "") << input.location;
    locations.push_back(input.location);
  }
  return locations;
}

TEST(ExpandInputsTest, AFolderStandsForTheRawFilesAFolderZoneListsInKeyOrder) {
  TempDir dir;
  for (const char* folder : {"raw", "raw/2024", "raw/.hidden", "raw/2024-02.tmp"}) {
    fs::create_directory(dir.Path(folder));
  }
  for (const char* file : {"raw/b.csv", "raw/a.TSV", "raw/notes.txt", "raw/2024/01.csv",
                           "raw/2024-03.csv", "raw/.draft.csv", "raw/c.csv.part", "raw/d.csv~",
                           "raw/.hidden/e.csv", "raw/2024-02.tmp/f.csv"}) {
    dir.Write(file, "Date,Amount\n");
  }
  fs::create_directory(dir.Path("raw/folder.csv"));
  const std::string raw = dir.Path("raw");
  auto inputs = ExpandInputs(std::vector<std::string>{raw});
  ASSERT_TRUE(inputs) << inputs.error().message();
  EXPECT_EQ(Locations(*inputs),
            (std::vector<std::string>{raw + "/2024-03.csv", raw + "/2024/01.csv", raw + "/a.TSV",
                                      raw + "/b.csv"}));

  auto zone = OpenLandingZone(raw);
  ASSERT_TRUE(zone) << zone.error().message();
  auto objects = (*zone)->List();
  ASSERT_TRUE(objects) << objects.error().message();
  std::vector<std::string> keys;
  for (const LandingObject& object : *objects) keys.push_back(object.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"2024-03.csv", "2024/01.csv", "a.TSV", "b.csv"}));
}

TEST(ExpandInputsTest, PathsStayAsGivenInArgumentOrder) {
  TempDir dir;
  fs::create_directory(dir.Path("raw"));
  dir.Write("raw/a.csv", "Date,Amount\n");
  const std::string file = dir.Path("one.txt");
  const std::string missing = dir.Path("missing.csv");
  auto inputs = ExpandInputs(std::vector<std::string>{file, dir.Path("raw") + "/", missing});
  ASSERT_TRUE(inputs) << inputs.error().message();
  EXPECT_EQ(Locations(*inputs),
            (std::vector<std::string>{file, dir.Path("raw") + "/a.csv", missing}));
}

TEST(ExpandInputsTest, AFolderWithoutRawFilesFailsTheExpansion) {
  TempDir dir;
  fs::create_directories(dir.Path("empty/sub"));
  dir.Write("empty/notes.txt", "not data");
  dir.Write("empty/.hidden.csv", "Date,Amount\n");
  auto inputs = ExpandInputs(std::vector<std::string>{dir.Path("empty")});
  ASSERT_FALSE(inputs);
  EXPECT_EQ(inputs.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(inputs.error().message(),
            dir.Path("empty") + " is a folder with no .csv or .tsv files");
}

}  // namespace
}  // namespace till
