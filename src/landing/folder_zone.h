// The raw files of a local folder, as a folder landing zone takes them; `till ingest FOLDER`
// loads the same files that `till watch FOLDER` would.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace till {

struct FolderFile {
  std::filesystem::path path;  // under the folder as it was given
  std::string key;             // the path within the folder, '/'-separated
};

// Every raw file (*.csv, *.tsv, in any case) under `folder`, subfolders included, in key
// order. Only regular files (or links to them) count; hidden files and folders and the names
// writers use while a file is incomplete (*.tmp, *.part, *.partial, *.crdownload, *.filepart,
// *~) are skipped, as are subfolders that cannot be read. Fails with kIoError when `folder`
// cannot be listed.
Result<std::vector<FolderFile>> ListRawFiles(const std::filesystem::path& folder);

}  // namespace till
