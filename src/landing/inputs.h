// What the arguments of `till ingest` stand for: local files as given, the raw files under a
// folder, and S3 objects, one by one or every raw file under a prefix.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "landing/landing_zone.h"

namespace till {

// One raw file to load. A local file has no zone; an S3 object is fetched from its zone.
struct RawInput {
  // A local file's path (as given, or under the folder as given), or an S3 object's URL
  // (s3://bucket/key).
  std::string location;
  std::shared_ptr<LandingZone> zone;  // S3 objects only: the zone that listed `object`
  LandingObject object;               // S3 objects only
  // When an S3 argument stands for no object (no such object, bucket or prefix, no raw file
  // under the prefix, a listing that failed): why, for the run to record as a failed file
  // named `location`, the argument as given.
  std::string error;
};

// Expands `args`, in their order:
//  - a folder stands for its raw files as a folder landing zone lists them (ListRawFiles in
//    landing/folder_zone.h): *.csv and *.tsv, subfolders included, hidden and partly written
//    files skipped, in key order;
//  - "s3://bucket/prefix/" (ending in '/') stands for every raw file under the prefix, in key
//    order, and "s3://bucket/key" for that one object;
//  - any other argument stays as given, a local file, whether or not it exists (reading it
//    tells what is wrong).
// Fails with kInvalidArgument for a folder without raw files, and with kIoError for one that
// cannot be listed. An S3 argument that stands for nothing does not fail the expansion: it
// gives one input carrying its error. Objects are listed here, not downloaded.
Result<std::vector<RawInput>> ExpandInputs(std::span<const std::string> args);

}  // namespace till
