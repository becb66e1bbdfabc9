// What the serve suites share: warehouses loaded through the real pipeline, snapshots read from
// them, the API's answers as JSON, SQL run on the warehouse directly, and a small libcurl client.
#pragma once

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/ingest.h"
#include "serve/api.h"
#include "serve/snapshot.h"
#include "support/temp_dir.h"
#include "warehouse/warehouse.h"

namespace till::testing {

using Json = nlohmann::json;

// A TCP connection to 127.0.0.1:`port` for the tests that speak raw HTTP to the server: its
// socket, or -1 when it cannot be made.
inline int ConnectLoopback(int port) {
  int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (socket >= 0 &&
      ::connect(socket, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(socket);
    socket = -1;
  }
  return socket;
}

// Opens `location`; nullptr, and a failed test, when it cannot.
inline std::unique_ptr<Warehouse> OpenOrFail(const std::string& location,
                                             Access access = Access::kReadWrite) {
  auto warehouse = OpenWarehouse(location, access);
  if (!warehouse) {
    ADD_FAILURE() << "opening " << location << ": " << warehouse.error().message();
    return nullptr;
  }
  return std::move(*warehouse);
}

inline IngestReport IngestOrFail(Warehouse& warehouse, const std::vector<std::string>& paths,
                                 const IngestOptions& options = {}) {
  auto report = IngestFiles(warehouse, paths, options);
  EXPECT_TRUE(report) << report.error().message();
  return report ? *report : IngestReport{};
}

inline QueryResult Sql(Warehouse& warehouse, std::string_view sql,
                       const std::vector<std::string>& params = {}) {
  auto result = warehouse.Query(sql, params);
  EXPECT_TRUE(result) << sql << ": " << result.error().message();
  return result ? *result : QueryResult{};
}

// The first value of the first row; "" for NULL or no row.
inline std::string SqlScalar(Warehouse& warehouse, std::string_view sql,
                             const std::vector<std::string>& params = {}) {
  QueryResult result = Sql(warehouse, sql, params);
  if (result.rows.empty() || result.rows[0].empty()) return "";
  return result.rows[0][0].value_or("");
}

inline double SqlNumber(Warehouse& warehouse, std::string_view sql,
                        const std::vector<std::string>& params = {}) {
  std::string value = SqlScalar(warehouse, sql, params);
  return value.empty() ? 0 : std::stod(value);
}

inline int64_t SqlInt(Warehouse& warehouse, std::string_view sql,
                      const std::vector<std::string>& params = {}) {
  std::string value = SqlScalar(warehouse, sql, params);
  return value.empty() ? 0 : std::stoll(value);
}

// Money compared as the API states it: in whole cents.
inline long long Cents(double amount) { return std::llround(amount * 100); }

// A fresh snapshot of `location`, read as `till serve` reads it: through a read-only warehouse.
inline std::shared_ptr<const Snapshot> ReadSnapshot(const std::string& location) {
  auto warehouse = OpenOrFail(location, Access::kReadOnly);
  if (!warehouse) return nullptr;
  SnapshotReader reader(std::move(warehouse));
  auto snapshot = reader.Refresh(nullptr);
  EXPECT_TRUE(snapshot) << snapshot.error().message();
  return snapshot ? *snapshot : nullptr;
}

inline ApiResponse Answer(const Snapshot& snapshot, std::string_view endpoint,
                          const Params& params = {}) {
  return AnswerApi(snapshot, endpoint, params, std::chrono::system_clock::now(), "test");
}

// The JSON body of a 200 answer; null, and a failed test, for any other status.
inline Json AnswerJson(const Snapshot& snapshot, std::string_view endpoint,
                       const Params& params = {}) {
  ApiResponse response = Answer(snapshot, endpoint, params);
  EXPECT_EQ(response.status, 200) << endpoint << ": " << response.body;
  if (response.status != 200) return nullptr;
  return Json::parse(response.body);
}

// The kpi named `name` of a kpis body.
inline Json Kpi(const Json& body, std::string_view name) {
  for (const auto& kpi : body.at("kpis")) {
    if (kpi.at("name") == name) return kpi;
  }
  ADD_FAILURE() << "no kpi " << name;
  return Json::object({{"value", nullptr}, {"previous", nullptr}, {"change", nullptr}});
}

// The header the generator writes.
inline constexpr std::string_view kRawHeader =
    "Transaction_ID,Customer_ID,Name,Email,Phone,Address,City,State,Zipcode,Country,Age,Gender,"
    "Income,Customer_Segment,Date,Year,Month,Time,Total_Purchases,Amount,Total_Amount,"
    "Product_Category,Product_Brand,Product_Type,Feedback,Shipping_Method,Payment_Method,"
    "Order_Status,Ratings,products";

// Names a spreadsheet would run as formulas, and one a browser would run as a script.
inline const std::vector<std::string> kFormulaProducts = {"=1+2", "-x", "@x", "+x"};
inline constexpr std::string_view kScriptCategory = "<script>alert(1)</script>";

// A small raw file: one sale of each of kFormulaProducts in category kScriptCategory, and a row
// with a bad date, which is rejected. Load it with max_reject_ratio of at least 0.2.
inline std::string WriteOddNamesFile(const TempDir& dir, const std::string& name) {
  std::string text = std::string(kRawHeader) + "\n";
  int n = 0;
  for (const auto& product : kFormulaProducts) {
    ++n;
    text += "900000" + std::to_string(n) + ",9900" + std::to_string(n) +
            ",Eve Example,eve@example.com,5550100,1 Test Street,London,England,12345,UK,30,"
            "Female,High,Premium,6/15/2023,2023,June,10:00:00,2,10,20," +
            std::string(kScriptCategory) + ",Acme,Gadget,Good,Standard,Cash,Delivered,4," +
            product + "\n";
  }
  text +=
      "9000099,99099,Eve Example,eve@example.com,5550100,1 Test Street,London,England,12345,UK,"
      "30,Female,High,Premium,notadate,2023,June,10:00:00,2,10,20,Books,Acme,Gadget,Good,"
      "Standard,Cash,Delivered,4,Novel\n";
  return dir.Write(name, text);
}

// One HTTP answer.
struct HttpReply {
  long status = 0;  // 0: nothing answered (curl_error says why)
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string curl_error;

  std::string Header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

// A libcurl handle: its requests reuse one connection while the server keeps it open. Not
// thread-safe; one per thread.
class HttpClient {
 public:
  HttpClient() {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    EXPECT_TRUE(initialised);
    curl_ = curl_easy_init();
  }
  ~HttpClient() { curl_easy_cleanup(curl_); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  struct Options {
    std::string method = "GET";
    std::vector<std::string> headers;  // "Name: value"
    bool path_as_is = false;           // send "/../" as written
  };

  HttpReply Get(const std::string& url, const std::vector<std::string>& headers = {}) {
    return Send(url, Options{"GET", headers, false});
  }

  HttpReply Send(const std::string& url, const Options& options) {
    HttpReply reply;
    curl_easy_reset(curl_);  // keeps the connection
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &HttpClient::OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &HttpClient::OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply);
    if (options.path_as_is) curl_easy_setopt(curl_, CURLOPT_PATH_AS_IS, 1L);
    if (options.method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else if (options.method == "POST") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, "{}");
    } else if (options.method != "GET") {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, options.method.c_str());
    }
    curl_slist* list = nullptr;
    for (const auto& header : options.headers) list = curl_slist_append(list, header.c_str());
    if (list) curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    if (code == CURLE_OK) {
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    } else {
      reply.status = 0;
      reply.curl_error = curl_easy_strerror(code);
    }
    return reply;
  }

 private:
  static size_t OnBody(char* data, size_t size, size_t count, void* out) {
    static_cast<HttpReply*>(out)->body.append(data, size * count);
    return size * count;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* out) {
    auto* reply = static_cast<HttpReply*>(out);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) reply->headers.clear();  // a new response begins
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
        value.remove_suffix(1);
      }
      reply->headers[name] = std::string(value);
    }
    return size * count;
  }

  CURL* curl_ = nullptr;
};

}  // namespace till::testing
