#include "landing/aws_credentials.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/log.h"
#include "base/text.h"
#include "landing/aws_json.h"
#include "landing/curl_support.h"

namespace till {
namespace {

using nlohmann::json;
using SystemClock = std::chrono::system_clock;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

struct Answer {
  long status = 0;
  std::string body;
};

// One plain HTTP request to a metadata service: they answer on a link-local or loopback address
// within milliseconds, so the timeouts are short (the SDKs' are 1 s); a machine without the
// service then fails fast.
Result<Answer> Request(const char* method, const std::string& url,
                       const std::vector<std::string>& header_lines) {
  EnsureCurl();
  CURL* curl = curl_easy_init();
  if (!curl) return MakeError(ErrorCode::kInternal, "libcurl did not start");
  curl_slist* headers = nullptr;
  for (const std::string& line : header_lines) headers = curl_slist_append(headers, line.c_str());
  Answer answer;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (std::string_view(method) == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // never through a proxy: the service is local
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return MakeError(ErrorCode::kIoError, fmt::format("{} {}: {}", method, url,
                                                      error[0] ? error : curl_easy_strerror(code)));
  }
  return answer;
}

// "2026-12-06T19:00:00Z" (the services' expiration), as a time.
std::optional<SystemClock::time_point> ParseExpiration(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  // Within what the clock holds (nanoseconds since 1970 end in 2262) and a calendar's bounds.
  if (tm.tm_year < 1970 || tm.tm_year > 2200 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
      tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_hour < 0 ||
      tm.tm_min < 0 || tm.tm_sec < 0) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return SystemClock::from_time_t(::timegm(&tm));
}

// The ECS agent's endpoint and the credentials' address on it.
constexpr std::string_view kEcsHost = "http://169.254.170.2";
constexpr std::string_view kImdsHost = "http://169.254.169.254";

bool IsAllowedFullUri(const std::string& uri) {
  if (uri.starts_with("https://")) return true;
  // Over plain HTTP, only to the machine itself or the ECS and EKS agents, as the SDKs allow.
  for (std::string_view host :
       {"http://127.0.0.1", "http://localhost", "http://[::1]", "http://169.254.170.2",
        "http://169.254.170.23", "http://[fd00:ec2::23]"}) {
    if (uri.starts_with(host) &&
        (uri.size() == host.size() || uri[host.size()] == ':' || uri[host.size()] == '/')) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<AwsCredentials> ParseRoleCredentials(const std::string& body, const std::string& what) {
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return MakeError(ErrorCode::kBadFormat,
                     fmt::format("{}: the answer is not a JSON object", what));
  }
  if (document.contains("Code") && document["Code"].is_string() && document["Code"] != "Success") {
    return MakeError(ErrorCode::kBadFormat,
                     fmt::format("{}: {}: {}", what, document["Code"].get<std::string>(),
                                 AwsString(document, "Message")));
  }
  AwsCredentials credentials;
  for (auto [key, field] : {std::pair{"AccessKeyId", &credentials.access_key},
                            std::pair{"SecretAccessKey", &credentials.secret_key},
                            std::pair{"Token", &credentials.session_token}}) {
    if (!document.contains(key) || !document[key].is_string() ||
        document[key].get<std::string>().empty()) {
      return MakeError(ErrorCode::kBadFormat, fmt::format("{}: the answer has no {}", what, key));
    }
    *field = document[key].get<std::string>();
  }
  if (document.contains("Expiration") && document["Expiration"].is_string()) {
    credentials.expiration = ParseExpiration(document["Expiration"].get<std::string>());
    if (!credentials.expiration) {
      return MakeError(ErrorCode::kBadFormat,
                       fmt::format("{}: Expiration {} is not a time", what,
                                   document["Expiration"].get<std::string>()));
    }
  }
  return credentials;
}

RoleCredentials::RoleCredentials(Source source) : source_(source) {}

std::string RoleCredentials::Describe() const {
  return source_ == Source::kEcsTask ? "ECS task role" : "EC2 instance role";
}

Result<AwsCredentials> RoleCredentials::Get() {
  std::lock_guard lock(mutex_);
  auto now = SystemClock::now();
  if (held_ && (!held_->expiration || now < *held_->expiration - kRefreshBefore)) return *held_;
  auto fetched = Fetch();
  if (fetched) {
    held_ = *fetched;
    Log(LogLevel::kInfo, "credentials fetched",
        {{"source", Describe()},
         {"expires_in_s",
          held_->expiration
              ? std::chrono::duration_cast<std::chrono::seconds>(*held_->expiration - now).count()
              : int64_t{-1}}});
    return *held_;
  }
  if (held_ && held_->expiration && now < *held_->expiration) {
    Log(LogLevel::kWarn,
        "credentials could not be fetched again; using those held until they expire",
        {{"source", Describe()}, {"error", fetched.error().message()}});
    return *held_;
  }
  return fetched;
}

Result<AwsCredentials> RoleCredentials::Fetch() const {
  return source_ == Source::kEcsTask ? FetchEcs() : FetchEc2();
}

Result<AwsCredentials> RoleCredentials::FetchEcs() const {
  std::string url = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (!url.empty()) {
    url = std::string(kEcsHost) + url;
  } else {
    url = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!IsAllowedFullUri(url)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI {}: plain HTTP only to "
                                   "this machine or the ECS agent; use https otherwise",
                                   url));
    }
  }
  std::vector<std::string> headers;
  std::string token;
  if (std::string file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    std::ifstream in(file);
    std::getline(in, token, '\0');
    if (!in && !in.eof()) {
      return MakeError(
          ErrorCode::kIoError,
          fmt::format("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}: cannot be read", file));
    }
  } else {
    token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  token = std::string(TrimAscii(token));
  if (!token.empty()) headers.push_back("Authorization: " + token);
  auto answer = Request("GET", url, headers);
  std::string what = fmt::format("ECS task role credentials ({})", url);
  if (!answer)
    return MakeError(ErrorCode::kIoError, fmt::format("{}: {}", what, answer.error().message()));
  if (answer->status != 200) {
    return MakeError(ErrorCode::kIoError, fmt::format("{}: HTTP {}: {}", what, answer->status,
                                                      answer->body.substr(0, 200)));
  }
  return ParseRoleCredentials(answer->body, what);
}

// IMDSv2: a session token first (PUT), then the role's name and its credentials with it.
Result<AwsCredentials> RoleCredentials::FetchEc2() const {
  std::string base = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = kImdsHost;
  while (base.ends_with('/')) base.pop_back();
  const std::string what = fmt::format("EC2 instance role credentials ({})", base);
  auto token =
      Request("PUT", base + "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds: 21600"});
  if (!token)
    return MakeError(ErrorCode::kIoError, fmt::format("{}: {}", what, token.error().message()));
  if (token->status != 200 || token->body.empty()) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("{}: no session token: HTTP {}", what, token->status));
  }
  std::string header = "X-aws-ec2-metadata-token: " + token->body;
  const std::string roles_url = base + "/latest/meta-data/iam/security-credentials/";
  auto roles = Request("GET", roles_url, {header});
  if (!roles)
    return MakeError(ErrorCode::kIoError, fmt::format("{}: {}", what, roles.error().message()));
  if (roles->status == 404) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: the instance has no IAM role attached", what));
  }
  std::string role(TrimAscii(roles->body.substr(0, roles->body.find('\n'))));
  if (roles->status != 200 || role.empty()) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("{}: no role name: HTTP {}", what, roles->status));
  }
  auto credentials = Request("GET", roles_url + role, {header});
  if (!credentials) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("{}: {}", what, credentials.error().message()));
  }
  if (credentials->status != 200) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("{}: role {}: HTTP {}", what, role, credentials->status));
  }
  return ParseRoleCredentials(credentials->body, fmt::format("{}, role {}", what, role));
}

Result<std::shared_ptr<RoleCredentials>> RoleCredentialsFromEnvironment() {
  std::shared_ptr<RoleCredentials> role;
  if (!Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty() ||
      !Env("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty()) {
    role = std::make_shared<RoleCredentials>(RoleCredentials::Source::kEcsTask);
  } else if (std::string disabled = Env("AWS_EC2_METADATA_DISABLED");
             disabled != "true" && disabled != "TRUE" && disabled != "True") {
    role = std::make_shared<RoleCredentials>(RoleCredentials::Source::kEc2Instance);
  } else {
    return role;
  }
  auto first = role->Get();
  TILL_RETURN_IF_ERROR(first);
  return role;
}

}  // namespace till
