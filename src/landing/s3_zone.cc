#include "landing/s3_zone.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <pugixml.hpp>
#include <thread>

#include "base/log.h"
#include "base/text.h"
#include "landing/curl_support.h"
#include "landing/landing_zone.h"

namespace till {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The sections of an AWS shared config or credentials file: "[name]" headers and
// "key = value" lines. Written here because the format is this small subset of INI and the
// two files are read once at start.
std::map<std::string, std::map<std::string, std::string>> ReadIni(const fs::path& path) {
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::ifstream in(path);
  std::string line;
  std::string section;
  while (std::getline(in, line)) {
    std::string_view text = TrimAscii(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      section = std::string(TrimAscii(text.substr(1, text.size() - 2)));
      continue;
    }
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    sections[section][std::string(TrimAscii(text.substr(0, equals)))] =
        std::string(TrimAscii(text.substr(equals + 1)));
  }
  return sections;
}

fs::path AwsFile(const char* variable, const char* name) {
  std::string path = Env(variable);
  if (!path.empty()) return path;
  return fs::path(Env("HOME")) / ".aws" / name;
}

// Percent-encodes every byte but RFC 3986's unreserved ones (and '/' when `keep_slash`), as
// S3's signature version 4 expects of paths and query values.
std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

size_t WriteToFile(char* data, size_t size, size_t count, void* out) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(out)) * size;
}

}  // namespace

Result<S3Location> ParseS3Location(std::string_view uri) {
  if (!uri.starts_with("s3://")) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}: not an s3:// URL", uri));
  }
  std::string_view rest = uri.substr(5);
  size_t slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) location.key = std::string(rest.substr(slash + 1));
  if (location.bucket.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}: no bucket named", uri));
  }
  return location;
}

Result<S3Settings> S3SettingsFromEnvironment() {
  S3Settings settings;
  std::string profile = Env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  auto credentials = ReadIni(AwsFile("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
  auto config = ReadIni(AwsFile("AWS_CONFIG_FILE", "config"));
  const auto& from_credentials = credentials[profile];
  const auto& from_config = config[profile == "default" ? "default" : "profile " + profile];
  auto from_files = [&](const char* key) {
    if (from_credentials.count(key)) return from_credentials.at(key);
    if (from_config.count(key)) return from_config.at(key);
    return std::string();
  };
  // As the AWS tools decide: keys from the environment when it has them, with its session
  // token only (a token belongs to the keys it came with); otherwise from the profile.
  if (!Env("AWS_ACCESS_KEY_ID").empty()) {
    settings.access_key = Env("AWS_ACCESS_KEY_ID");
    settings.secret_key = Env("AWS_SECRET_ACCESS_KEY");
    settings.session_token = Env("AWS_SESSION_TOKEN");
  } else {
    settings.access_key = from_files("aws_access_key_id");
    settings.secret_key = from_files("aws_secret_access_key");
    settings.session_token = from_files("aws_session_token");
  }
  for (std::string region : {Env("AWS_REGION"), Env("AWS_DEFAULT_REGION"), from_files("region"),
                             std::string("us-east-1")}) {
    if (!region.empty()) {
      settings.region = region;
      break;
    }
  }
  settings.endpoint = Env("AWS_ENDPOINT_URL_S3");
  if (settings.endpoint.empty()) settings.endpoint = Env("AWS_ENDPOINT_URL");
  if (from_config.count("endpoint_url")) settings.shared_endpoint = from_config.at("endpoint_url");
  if (settings.endpoint.empty()) settings.endpoint = settings.shared_endpoint;
  while (settings.endpoint.ends_with('/')) settings.endpoint.pop_back();
  // Any S3-compatible store is addressed by path; AWS itself by bucket host name, unless told.
  std::string style = Env("TILL_S3_ADDRESSING");
  settings.path_style = style.empty() ? !settings.endpoint.empty() : style == "path";
  if (settings.access_key.empty() || settings.secret_key.empty()) {
    // Neither the environment nor the shared files: the role the process runs as, if any.
    auto role = RoleCredentialsFromEnvironment();
    if (role && *role) {
      settings.access_key.clear();
      settings.secret_key.clear();
      settings.session_token.clear();
      settings.role = std::move(*role);
      return settings;
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("no AWS credentials: set AWS_ACCESS_KEY_ID and "
                                 "AWS_SECRET_ACCESS_KEY, or profile [{}] in the shared "
                                 "credentials file, or run with an EC2 instance or ECS task "
                                 "role{}",
                                 profile, role ? "" : " (" + role.error().message() + ")"));
  }
  return settings;
}

Result<AwsCredentials> CurrentCredentials(const S3Settings& settings) {
  if (settings.role) return settings.role->Get();
  return AwsCredentials{settings.access_key, settings.secret_key, settings.session_token, {}};
}

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)) { EnsureCurl(); }

std::string S3Client::Url(std::string_view bucket, std::string_view key,
                          std::string_view query) const {
  std::string path = UriEncode(key, /*keep_slash=*/true);
  std::string base;
  if (settings_.path_style) {
    std::string endpoint = settings_.endpoint.empty()
                               ? fmt::format("https://s3.{}.amazonaws.com", settings_.region)
                               : settings_.endpoint;
    base = fmt::format("{}/{}/{}", endpoint, bucket, path);
  } else if (settings_.endpoint.empty()) {
    base = fmt::format("https://{}.s3.{}.amazonaws.com/{}", bucket, settings_.region, path);
  } else {
    size_t scheme = settings_.endpoint.find("://");
    base = fmt::format("{}{}.{}/{}", settings_.endpoint.substr(0, scheme + 3), bucket,
                       settings_.endpoint.substr(scheme + 3), path);
  }
  return query.empty() ? base : fmt::format("{}?{}", base, query);
}

// One signed GET. The body goes to `text` or `file`; returns the HTTP status, or an error for
// a failure below HTTP (unreachable, timed out). Transient outcomes are the caller's to retry.
Result<long> S3Client::Get(const std::string& url, std::string* text, std::FILE* file) const {
  auto credentials = CurrentCredentials(settings_);
  TILL_RETURN_IF_ERROR(credentials);
  CURL* curl = curl_easy_init();
  if (!curl) return MakeError(ErrorCode::kInternal, "libcurl did not start");
  std::string provider = fmt::format("aws:amz:{}:s3", settings_.region);
  std::string user = fmt::format("{}:{}", credentials->access_key, credentials->secret_key);
  curl_slist* headers = nullptr;
  std::string token;
  if (!credentials->session_token.empty()) {
    token = fmt::format("x-amz-security-token: {}", credentials->session_token);
    headers = curl_slist_append(headers, token.c_str());
  }
  // S3 wants the payload's hash signed; a GET has none.
  headers = curl_slist_append(
      headers,
      "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, provider.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, user.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  // A stalled transfer (under 1 KB/s for 30 s) fails rather than hangs.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (file) {
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteToFile);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, file);
  } else {
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToString);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, text);
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return MakeError(ErrorCode::kIoError, fmt::format("S3: {}: {}", url.substr(0, url.find('?')),
                                                      error[0] ? error : curl_easy_strerror(code)));
  }
  return status;
}

// The message of an S3 error body: "<Code>: <Message>".
std::string S3ErrorText(long status, const std::string& body) {
  pugi::xml_document document;
  if (document.load_string(body.c_str())) {
    auto error = document.child("Error");
    if (error) {
      return fmt::format("HTTP {} {}: {}", status, error.child_value("Code"),
                         error.child_value("Message"));
    }
  }
  return fmt::format("HTTP {}", status);
}

Result<std::vector<S3Object>> S3Client::List(std::string_view bucket,
                                             std::string_view prefix) const {
  std::vector<S3Object> objects;
  std::string token;
  for (;;) {
    std::string query = fmt::format("list-type=2&prefix={}", UriEncode(prefix, false));
    if (!token.empty()) {
      query = fmt::format("continuation-token={}&{}", UriEncode(token, false), query);
    }
    std::string body;
    auto status = Get(Url(bucket, "", query), &body, nullptr);
    TILL_RETURN_IF_ERROR(status);
    if (*status != 200) {
      return MakeError(ErrorCode::kIoError, fmt::format("S3: listing s3://{}/{}: {}", bucket,
                                                        prefix, S3ErrorText(*status, body)));
    }
    pugi::xml_document document;
    if (!document.load_string(body.c_str())) {
      return MakeError(
          ErrorCode::kIoError,
          fmt::format("S3: listing s3://{}/{}: the answer is not XML", bucket, prefix));
    }
    auto result = document.child("ListBucketResult");
    for (auto contents : result.children("Contents")) {
      S3Object& object = objects.emplace_back();
      object.key = contents.child_value("Key");
      object.size = std::strtoll(contents.child_value("Size"), nullptr, 10);
      object.etag = contents.child_value("ETag");
      object.last_modified = contents.child_value("LastModified");
    }
    if (std::string_view(result.child_value("IsTruncated")) != "true") break;
    token = result.child_value("NextContinuationToken");
    if (token.empty()) break;
  }
  return objects;
}

Status S3Client::Download(std::string_view bucket, std::string_view key,
                          const std::string& path) const {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    return MakeError(ErrorCode::kIoError, fmt::format("{}: {}", path, std::strerror(errno)));
  }
  auto status = Get(Url(bucket, key, ""), nullptr, file);
  bool written = std::fclose(file) == 0;
  TILL_RETURN_IF_ERROR(status);
  if (*status != 200) {
    std::string body;
    std::ifstream in(path);
    std::getline(in, body, '\0');
    return MakeError(ErrorCode::kIoError,
                     fmt::format("S3: s3://{}/{}: {}", bucket, key, S3ErrorText(*status, body)));
  }
  if (!written) {
    return MakeError(ErrorCode::kIoError, fmt::format("{}: writing failed", path));
  }
  return {};
}

namespace {

// A bucket prefix. S3 tells of no events without further infrastructure (SQS, SNS), so the
// watcher lists it every poll interval; an object appears whole or not at all, so every
// listed object is settled.
class S3Zone final : public LandingZone {
 public:
  S3Zone(S3Client client, S3Location location)
      : client_(std::move(client)),
        location_(std::move(location)),
        uri_(fmt::format("s3://{}/{}", location_.bucket, location_.key)) {}

  const std::string& uri() const override { return uri_; }

  Result<std::vector<LandingObject>> List() override {
    auto listed = client_.List(location_.bucket, location_.key);
    TILL_RETURN_IF_ERROR(listed);
    std::vector<LandingObject> objects;
    for (const S3Object& item : *listed) {
      if (!HasRawExtension(item.key) || item.key.ends_with('/')) continue;
      std::string key = item.key.substr(location_.key.size());
      std::string name = key.substr(key.find_last_of('/') + 1);
      if (name.empty() || name[0] == '.') continue;
      objects.push_back(ToObject(item));
    }
    return objects;
  }

  Result<std::optional<LandingObject>> Find(const std::string& key) override {
    // A listing of the key as prefix: one request, and the same ETag a full listing gives.
    auto listed = client_.List(location_.bucket, location_.key + key);
    TILL_RETURN_IF_ERROR(listed);
    for (const S3Object& item : *listed) {
      if (item.key != location_.key + key) continue;
      LandingObject object = ToObject(item);
      return std::optional<LandingObject>(std::move(object));
    }
    return std::optional<LandingObject>();
  }

  Result<LocalCopy> Fetch(const LandingObject& object) override {
    std::error_code ec;
    fs::path folder = fs::temp_directory_path(ec);
    std::string pattern = (folder / (std::string(kS3TemporaryPrefix) + "XXXXXX")).string();
    int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) {
      return MakeError(ErrorCode::kIoError, fmt::format("{}: {}", pattern, std::strerror(errno)));
    }
    // Held until the copy goes, and released by the kernel if this process is killed first.
    ::flock(fd, LOCK_EX);
    LocalCopy copy(pattern, /*temporary=*/true, fd);
    TILL_RETURN_IF_ERROR(client_.Download(location_.bucket, object.path, copy.path()));
    return copy;
  }

  std::chrono::milliseconds default_rescan() const override { return std::chrono::seconds(5); }

  bool Wait(std::chrono::milliseconds timeout) override {
    std::this_thread::sleep_for(timeout);
    return false;
  }

 private:
  LandingObject ToObject(const S3Object& item) const {
    LandingObject object;
    object.key = item.key.substr(location_.key.size());
    object.path = item.key;  // the object's full key in the bucket
    object.size = item.size;
    object.version = fmt::format("{}:{}", item.etag, item.size);
    return object;
  }

  S3Client client_;
  S3Location location_;
  std::string uri_;
};

}  // namespace

int RemoveAbandonedS3Copies(const std::string& folder) {
  std::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with(kS3TemporaryPrefix) || !it->is_regular_file(ec)) continue;
    int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    // A copy in use is locked by its process; the lock of a killed one went with it.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      std::error_code removal;
      if (fs::remove(it->path(), removal)) ++removed;
    }
    ::close(fd);
  }
  return removed;
}

Result<std::unique_ptr<LandingZone>> OpenS3Zone(const std::string& uri) {
  {
    std::error_code ec;
    fs::path folder = fs::temp_directory_path(ec);
    if (!ec) {
      if (int removed = RemoveAbandonedS3Copies(folder.string()); removed > 0) {
        Log(LogLevel::kInfo, "removed temporary copies a stopped process left",
            {{"files", removed}, {"folder", folder.string()}});
      }
    }
  }
  auto location = ParseS3Location(uri);
  TILL_RETURN_IF_ERROR(location);
  if (!location->key.empty() && !location->key.ends_with('/')) location->key += '/';
  auto settings = S3SettingsFromEnvironment();
  TILL_RETURN_IF_ERROR(settings);
  return std::unique_ptr<LandingZone>(
      std::make_unique<S3Zone>(S3Client(std::move(*settings)), std::move(*location)));
}

}  // namespace till
