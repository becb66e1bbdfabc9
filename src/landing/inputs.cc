#include "landing/inputs.h"

#include <fmt/format.h>

#include <filesystem>

#include "landing/folder_zone.h"

namespace till {
namespace {

// The objects `arg` (s3://…) names: the one object, or every raw file under a prefix, each
// found by listing the folder-like prefix that holds it.
std::vector<RawInput> ExpandS3(const std::string& arg) {
  const bool prefix = arg.ends_with('/');
  std::string zone_uri = prefix ? arg : arg.substr(0, arg.find_last_of('/') + 1);
  std::vector<RawInput> inputs;
  auto zone = OpenLandingZone(zone_uri);
  auto objects =
      zone ? (*zone)->List() : Result<std::vector<LandingObject>>(Unexpected<Error>(zone.error()));
  if (objects) {
    std::shared_ptr<LandingZone> shared = std::move(*zone);
    for (LandingObject& object : *objects) {
      std::string uri = zone_uri + object.key;
      if (!prefix && uri != arg) continue;
      inputs.push_back(RawInput{std::move(uri), shared, std::move(object), {}});
    }
  }
  if (inputs.empty()) {
    RawInput& failed = inputs.emplace_back();
    failed.location = arg;
    failed.error = objects ? fmt::format("{}: no such object (or no .csv or .tsv files)", arg)
                           : objects.error().message();
  }
  return inputs;
}

}  // namespace

Result<std::vector<RawInput>> ExpandInputs(std::span<const std::string> args) {
  std::vector<RawInput> inputs;
  for (const std::string& arg : args) {
    if (arg.starts_with("s3://")) {
      for (RawInput& input : ExpandS3(arg)) inputs.push_back(std::move(input));
      continue;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(arg, ec)) {
      inputs.push_back(RawInput{arg, nullptr, {}, {}});
      continue;
    }
    auto files = ListRawFiles(arg);
    TILL_RETURN_IF_ERROR(files);
    if (files->empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{} is a folder with no .csv or .tsv files", arg));
    }
    for (FolderFile& file : *files) inputs.push_back(RawInput{file.path.string(), nullptr, {}, {}});
  }
  return inputs;
}

}  // namespace till
