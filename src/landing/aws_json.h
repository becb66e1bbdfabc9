// The AWS JSON protocol that SQS and Kinesis speak: a POST of a JSON object to the service's
// endpoint, naming the action in X-Amz-Target, signed (SigV4) by libcurl with the credentials
// S3 uses (S3SettingsFromEnvironment: keys, shared files, an ECS task or EC2 instance role).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "landing/s3_zone.h"

namespace till {

struct AwsJsonService {
  S3Settings settings;       // credentials (and the region, unless `region` is set)
  std::string endpoint;      // "https://kinesis.us-east-1.amazonaws.com", no trailing '/'
  std::string region;        // what the requests are signed for
  std::string signing_name;  // the service in the signature: "sqs", "kinesis"
  std::string target;        // the X-Amz-Target prefix: "AmazonSQS.", "Kinesis_20131202."
  std::string content_type;  // "application/x-amz-json-1.0" (SQS) or "-1.1" (Kinesis)
  std::string name;          // for messages: "SQS", "Kinesis"
};

// How a call failed, as the service said it: its error type without the namespace
// ("ResourceNotFoundException", "ExpiredIteratorException"), empty when the service did not
// answer with one (unreachable, not JSON).
struct AwsJsonFailure {
  std::string type;
};

// Calls `action` with `request` and returns the answer's JSON object. Fails with kIoError
// naming the action, `about` (the queue or stream) and what the service said, with kNotFound
// for the service's "does not exist" errors; stores the error type in *failure when given.
Result<nlohmann::json> CallAwsJson(const AwsJsonService& service, const std::string& action,
                                   const nlohmann::json& request, const std::string& about,
                                   std::chrono::seconds timeout = std::chrono::seconds(30),
                                   AwsJsonFailure* failure = nullptr);

// The string `name` of the JSON object `object`, or "" when it is missing, not a string, or
// `object` is not an object. For the fields a service's answer may leave out: nlohmann's
// value() throws when the field is there with another type, which an answer must never make
// Till do.
std::string AwsString(const nlohmann::json& object, const char* name);

// The endpoint of a service: `service_endpoint`, the value of the service's own variable
// (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_KINESIS; the caller reads it, so that every variable
// Till reads is named where it is read), when set; else AWS_ENDPOINT_URL, else the profile's
// endpoint_url, else `fallback`; no trailing '/'.
std::string AwsServiceEndpoint(const S3Settings& settings, const char* service_endpoint,
                               const std::string& fallback);

}  // namespace till
