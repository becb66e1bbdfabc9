#include "landing/aws_json.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include "landing/curl_support.h"

namespace till {
namespace {

using nlohmann::json;

}  // namespace

std::string AwsServiceEndpoint(const S3Settings& settings, const char* service_endpoint,
                               const std::string& fallback) {
  std::string endpoint;
  if (service_endpoint && *service_endpoint) {
    endpoint = service_endpoint;
  } else if (const char* shared = std::getenv("AWS_ENDPOINT_URL"); shared && *shared) {
    endpoint = shared;
  }
  if (endpoint.empty()) endpoint = settings.shared_endpoint;
  if (endpoint.empty()) endpoint = fallback;
  while (endpoint.ends_with('/')) endpoint.pop_back();
  return endpoint;
}

Result<json> CallAwsJson(const AwsJsonService& service, const std::string& action,
                         const json& request, const std::string& about,
                         std::chrono::seconds timeout, AwsJsonFailure* failure) {
  EnsureCurl();
  auto credentials = CurrentCredentials(service.settings);
  TILL_RETURN_IF_ERROR(credentials);
  CURL* curl = curl_easy_init();
  if (!curl) return MakeError(ErrorCode::kInternal, "libcurl did not start");
  std::string provider = fmt::format("aws:amz:{}:{}", service.region, service.signing_name);
  std::string user = fmt::format("{}:{}", credentials->access_key, credentials->secret_key);
  std::string target = "X-Amz-Target: " + service.target + action;
  std::string content_type = "Content-Type: " + service.content_type;
  std::string token;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, content_type.c_str());
  headers = curl_slist_append(headers, target.c_str());
  if (!credentials->session_token.empty()) {
    token = "X-Amz-Security-Token: " + credentials->session_token;
    headers = curl_slist_append(headers, token.c_str());
  }
  std::string body = request.dump();
  std::string answer;
  std::string url = service.endpoint + "/";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, provider.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, user.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("{} {}: {}: {}", service.name, action, service.endpoint,
                                 error[0] ? error : curl_easy_strerror(code)));
  }
  json parsed = json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (status != 200) {
    std::string type;
    std::string text;
    if (!parsed.is_discarded() && parsed.is_object()) {
      type = AwsString(parsed, "__type");
      type = type.substr(type.find('#') + 1);
      text = AwsString(parsed, "message");
      if (text.empty()) text = AwsString(parsed, "Message");
    }
    if (failure) failure->type = type;
    ErrorCode kind = type == "QueueDoesNotExist" || type == "NonExistentQueue" ||
                             type == "ResourceNotFoundException"
                         ? ErrorCode::kNotFound
                         : ErrorCode::kIoError;
    return MakeError(kind, fmt::format("{} {} on {}: HTTP {} {}: {}", service.name, action, about,
                                       status, type, text));
  }
  if (parsed.is_discarded() || !parsed.is_object()) {
    return MakeError(
        ErrorCode::kIoError,
        fmt::format("{} {} on {}: the answer is not a JSON object", service.name, action, about));
  }
  return parsed;
}

std::string AwsString(const json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace till
