// What every libcurl client of the landing zones needs: the library initialised once per
// process, and a body collected into a string.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <mutex>
#include <string>

namespace till {

// curl_global_init is not thread-safe; the first client to start calls it, once.
inline void EnsureCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A CURLOPT_WRITEFUNCTION appending to the std::string CURLOPT_WRITEDATA points to.
inline size_t AppendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace till
