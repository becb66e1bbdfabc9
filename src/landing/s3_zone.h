// S3 and S3-compatible stores (MinIO, Ceph, moto…): listing with ListObjectsV2 and downloads,
// signed with AWS signature version 4 by libcurl.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "landing/aws_credentials.h"

namespace till {

// Where and as whom to reach S3, from the standard AWS settings: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE with
// the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), then
// the role of an ECS task or an EC2 instance (RoleCredentialsFromEnvironment), and
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL for other stores. TILL_S3_ADDRESSING=path or
// virtual overrides the addressing style (path-style by default for a custom endpoint).
struct S3Settings {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  // Set instead of the keys above when they come from a role: fetched again before they expire.
  std::shared_ptr<RoleCredentials> role;
  std::string region = "us-east-1";
  std::string endpoint;         // empty: AWS
  std::string shared_endpoint;  // the profile's endpoint_url, for any service
  bool path_style = false;
};

Result<S3Settings> S3SettingsFromEnvironment();

// The keys to sign a request with now: the role's (refreshed when due) or the fixed ones.
Result<AwsCredentials> CurrentCredentials(const S3Settings& settings);

// "s3://bucket/some/key" split.
struct S3Location {
  std::string bucket;
  std::string key;  // or prefix; may be empty
};
Result<S3Location> ParseS3Location(std::string_view uri);

struct S3Object {
  std::string key;
  int64_t size = 0;
  std::string etag;
  std::string last_modified;
};

class S3Client {
 public:
  explicit S3Client(S3Settings settings);

  // Every object under `prefix`, following continuation tokens.
  Result<std::vector<S3Object>> List(std::string_view bucket, std::string_view prefix) const;
  // Streams the object to the file at `path`.
  Status Download(std::string_view bucket, std::string_view key, const std::string& path) const;

 private:
  std::string Url(std::string_view bucket, std::string_view key, std::string_view query) const;
  Result<long> Get(const std::string& url, std::string* text, std::FILE* file) const;

  S3Settings settings_;
};

class LandingZone;

// An object being loaded is downloaded to a temporary file named kS3TemporaryPrefix + six
// random characters in the temporary folder ($TMPDIR, else /tmp), locked (flock) by its process
// for as long as it is in use and removed after.
inline constexpr std::string_view kS3TemporaryPrefix = "till-s3-";

// Removes the temporary copies in `folder` that no process holds: those a killed process left
// behind. Returns how many it removed. Called by OpenS3Zone, so every start cleans up.
int RemoveAbandonedS3Copies(const std::string& folder);

// The zone of "s3://bucket/prefix/": every raw file under the prefix. Removes abandoned
// temporary copies first (RemoveAbandonedS3Copies).
Result<std::unique_ptr<LandingZone>> OpenS3Zone(const std::string& uri);

}  // namespace till
