// The temporary credentials of the role a machine or a container runs as, from the services
// that hand them out: the EC2 instance metadata service (IMDSv2) for an instance role, the ECS
// container credentials endpoint for a task role. They expire (hours), so they are fetched again
// before they do.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"

namespace till {

struct AwsCredentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  // When the keys stop working; nullopt for keys that do not expire.
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Fetches credentials from one of the services. Thread-safe: the S3 client and the queue of a
// watcher share one.
class RoleCredentials {
 public:
  enum class Source {
    kEcsTask,      // AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI
    kEc2Instance,  // the instance metadata service
  };

  // Keys this close to their expiration are fetched again before use.
  static constexpr std::chrono::minutes kRefreshBefore{5};

  explicit RoleCredentials(Source source);

  // The current keys, fetched again when they are within kRefreshBefore of expiring. When a
  // refetch fails while the keys held still work, those are returned (and the failure logged);
  // otherwise the failure, naming the service.
  Result<AwsCredentials> Get();

  Source source() const { return source_; }
  // "ECS task role" or "EC2 instance role", for messages.
  std::string Describe() const;

 private:
  Result<AwsCredentials> Fetch() const;
  Result<AwsCredentials> FetchEcs() const;
  Result<AwsCredentials> FetchEc2() const;

  Source source_;
  std::mutex mutex_;
  std::optional<AwsCredentials> held_;  // guarded by mutex_
};

// The role credentials this process can use when no keys are set in the environment or the
// shared files, in the order of the AWS SDKs: an ECS task role when the container variables are
// set, else the EC2 instance role unless AWS_EC2_METADATA_DISABLED=true. Fetches them once, so
// that a machine without a role fails here, with the reason; nullptr when neither applies.
Result<std::shared_ptr<RoleCredentials>> RoleCredentialsFromEnvironment();

// Parses the JSON both services answer with ({"AccessKeyId", "SecretAccessKey", "Token",
// "Expiration"}), or fails with kBadFormat saying what is missing. `what` names the service.
Result<AwsCredentials> ParseRoleCredentials(const std::string& body, const std::string& what);

}  // namespace till
