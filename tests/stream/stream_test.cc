// `till stream` over loopback with libcurl, on SQLite and PostgreSQL: rows posted as NDJSON and
// CSV by concurrent clients load as the same rows loaded from a file would (checked against
// `IngestFiles` of that file), retries with an Idempotency-Key load nothing again, bad bodies
// get their 4xx and load nothing, a full queue answers 429, a slow client stalls no one.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/byte_source.h"
#include "csv/csv_reader.h"
#include "pipeline/ingest.h"
#include "stream/server.h"
#include "support/backends.h"
#include "support/generated.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "warehouse/warehouse.h"

namespace till::testing {
namespace {

using Json = nlohmann::json;

struct Reply {
  long status = 0;
  std::string body;
  std::string retry_after;
  Json json() const { return Json::parse(body, nullptr, false); }
};

size_t OnBody(char* data, size_t size, size_t count, void* out) {
  static_cast<Reply*>(out)->body.append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* out) {
  std::string_view line(data, size * count);
  if (line.size() > 12 && (line.starts_with("Retry-After:") || line.starts_with("retry-after:"))) {
    std::string value(line.substr(12));
    value.erase(std::remove_if(value.begin(), value.end(), ::isspace), value.end());
    static_cast<Reply*>(out)->retry_after = value;
  }
  return size * count;
}

Reply Post(int port, const std::string& body, const std::string& type,
           const std::vector<std::string>& headers = {}, const std::string& query = "") {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  EXPECT_TRUE(initialised);
  Reply reply;
  CURL* curl = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1/transactions" + query;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  curl_slist* list = curl_slist_append(nullptr, ("Content-Type: " + type).c_str());
  list = curl_slist_append(list, "Expect:");
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return reply;
}

std::string Get(int port, const std::string& path) {
  Reply reply;
  CURL* curl = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  return reply.body;
}

// A raw file's header line and its data lines, and the same rows as NDJSON lines.
struct RawRows {
  std::string header;
  std::vector<std::string> csv;
  std::vector<std::string> ndjson;
};

RawRows ReadRawRows(const std::string& path) {
  RawRows rows;
  auto source = OpenFileSource(path);
  EXPECT_TRUE(source);
  CsvReaderOptions options;
  options.max_raw_bytes = 1 << 20;
  CsvReader reader(**source, options);
  CsvRecord record;
  std::vector<std::string> names;
  while (*reader.Next(&record)) {
    if (names.empty()) {
      rows.header = std::string(record.raw);
      names.assign(record.fields.begin(), record.fields.end());
      continue;
    }
    rows.csv.emplace_back(record.raw);
    Json object = Json::object();
    for (size_t i = 0; i < names.size() && i < record.fields.size(); ++i) {
      object[names[i]] = std::string(record.fields[i]);
    }
    rows.ndjson.push_back(object.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  return rows;
}

// Appends to the raw file at `path` what a feed also brings: rows repeated exactly, and rows
// that are rejected (a date that is none, a quantity of zero), spread among the others.
void AddDirtyRows(const std::string& path) {
  RawRows rows = ReadRawRows(path);
  std::vector<std::string> names;
  {
    auto source = MakeStringSource(rows.header + "\n");
    CsvReader reader(*source, {});
    CsvRecord record;
    ASSERT_TRUE(*reader.Next(&record));
    names.assign(record.fields.begin(), record.fields.end());
  }
  auto field_of = [&](const std::string& line, std::string_view name) {
    auto source = MakeStringSource(line + "\n");
    CsvReader reader(*source, {});
    CsvRecord record;
    EXPECT_TRUE(*reader.Next(&record));
    size_t at = std::find(names.begin(), names.end(), name) - names.begin();
    return std::string(record.fields.at(at));
  };
  std::string text = rows.header + "\n";
  for (size_t i = 0; i < rows.csv.size(); ++i) {
    text += rows.csv[i] + "\n";
    if (i % 97 == 5) text += rows.csv[i - 3] + "\n";  // a repeat
    if (i % 89 == 7) {
      std::string line = rows.csv[i];
      std::string date = field_of(line, "Date");
      size_t at = line.find("," + date + ",");
      if (at != std::string::npos) text += line.replace(at + 1, date.size(), "notadate") + "\n";
    }
  }
  std::FILE* out = std::fopen(path.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  std::fwrite(text.data(), 1, text.size(), out);
  std::fclose(out);
}

std::unique_ptr<Warehouse> Open(const std::string& location) {
  auto warehouse = OpenWarehouse(location);
  EXPECT_TRUE(warehouse) << warehouse.error().message();
  return warehouse ? std::move(*warehouse) : nullptr;
}

std::string Scalar(Warehouse& warehouse, std::string_view sql) {
  auto result = warehouse.Query(sql);
  EXPECT_TRUE(result) << sql << ": " << result.error().message();
  if (!result || result->rows.empty()) return "";
  return result->rows[0][0].value_or("");
}

// retail_data_view without where its rows came from, sorted.
std::vector<std::string> ViewRows(Warehouse& warehouse) {
  auto result = warehouse.Query("SELECT * FROM retail_data_view");
  EXPECT_TRUE(result) << result.error().message();
  std::vector<std::string> rows;
  if (!result) return rows;
  for (const auto& row : result->rows) {
    std::string text;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string& column = result->columns[i];
      if (column == "sale_id" || column == "file_id" || column == "source_line") continue;
      text += row[i].value_or("\\N") + "|";
    }
    rows.push_back(std::move(text));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

class StreamTest : public ::testing::TestWithParam<Backend> {
 protected:
  void StartServer() {
    StreamOptions options;
    options.writer.warehouse = "unset";
    StartServer(options);
  }

  void StartServer(StreamOptions options) {
    if (location_.empty()) location_ = NewWarehouseLocation(GetParam(), dir_, "stream");
    options.writer.warehouse = location_;
    options.port = 0;
    if (options.writer.group_seconds == WriterOptions{}.group_seconds) {
      options.writer.group_seconds = 0.05;
    }
    server_ = std::make_unique<StreamServer>(options);
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().message();
    port_ = server_->port();
  }

  void StopServer() {
    if (server_) server_->Stop();
    server_.reset();
  }

  void TearDown() override { StopServer(); }

  TempDir dir_;
  std::string location_;
  std::unique_ptr<StreamServer> server_;
  int port_ = 0;
};

std::string CsvBody(const RawRows& rows, size_t begin, size_t end) {
  std::string body = rows.header + "\n";
  for (size_t i = begin; i < end; ++i) body += rows.csv[i] + "\n";
  return body;
}

std::string NdjsonBody(const RawRows& rows, size_t begin, size_t end) {
  std::string body;
  for (size_t i = begin; i < end; ++i) body += rows.ndjson[i] + "\n";
  return body;
}

TEST_P(StreamTest, ConcurrentClientsLoadWhatAFileOfTheSameRowsLoads) {
  std::string file = Generate(dir_, "raw.csv", 3000, 7);
  AddDirtyRows(file);
  RawRows rows = ReadRawRows(file);
  ASSERT_GT(rows.csv.size(), 3050u);
  StartServer();

  constexpr size_t kClients = 8;
  constexpr size_t kRowsPerRequest = 75;
  std::atomic<size_t> next{0};
  std::atomic<int64_t> accepted{0}, rejected{0}, duplicate{0}, listed_rejects{0};
  std::atomic<int> failures{0}, requests{0};
  std::vector<std::thread> clients;
  for (size_t c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (;;) {
        size_t begin = next.fetch_add(kRowsPerRequest);
        if (begin >= rows.csv.size()) return;
        size_t end = std::min(begin + kRowsPerRequest, rows.csv.size());
        bool csv = (begin / kRowsPerRequest) % 2 == 0;
        Reply reply = csv ? Post(port_, CsvBody(rows, begin, end), "text/csv")
                          : Post(port_, NdjsonBody(rows, begin, end), "application/x-ndjson");
        ++requests;
        Json answer = reply.json();
        if (reply.status != 200 || !answer.is_object()) {
          ++failures;
          ADD_FAILURE() << reply.status << " " << reply.body;
          continue;
        }
        accepted += answer["accepted"].get<int64_t>();
        rejected += answer["rejected"].get<int64_t>();
        duplicate += answer["duplicate"].get<int64_t>();
        listed_rejects += static_cast<int64_t>(answer["rejects"].size());
        EXPECT_EQ(answer["rows"].get<int64_t>(), static_cast<int64_t>(end - begin));
        // Each request's own share of its group's load: every row of it counted once.
        EXPECT_EQ(answer["accepted"].get<int64_t>() + answer["duplicate"].get<int64_t>() +
                      answer["rejected"].get<int64_t>(),
                  static_cast<int64_t>(end - begin));
        EXPECT_EQ(answer["rejects"].size(), answer["rejected"].get<size_t>());
        for (const Json& reject : answer["rejects"]) {
          // Lines are the request's own: CSV lines count the header, NDJSON lines do not.
          int64_t line = reject["line"].get<int64_t>();
          EXPECT_GE(line, csv ? 2 : 1);
          EXPECT_LE(line, static_cast<int64_t>(end - begin) + (csv ? 1 : 0));
          EXPECT_FALSE(reject["reason"].get<std::string>().empty());
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  ASSERT_EQ(failures, 0);
  StopServer();

  // The oracle: the same rows from the file, by `till ingest`'s driver.
  auto oracle = Open(NewWarehouseLocation(GetParam(), dir_, "oracle"));
  IngestOptions options;
  options.max_reject_ratio = 1;
  auto report = IngestFiles(*oracle, std::vector<std::string>{file}, options);
  ASSERT_TRUE(report) << report.error().message();
  const FileOutcome& loaded = report->files.at(0);
  ASSERT_EQ(loaded.status, FileStatus::kLoaded) << loaded.error;
  EXPECT_EQ(accepted, loaded.rows_loaded);
  EXPECT_EQ(rejected, loaded.rows_rejected);
  EXPECT_EQ(duplicate, loaded.rows_duplicate);
  EXPECT_EQ(listed_rejects, rejected);
  EXPECT_GT(rejected, 30);  // the dirty rows are seen to go
  EXPECT_GT(duplicate, 30);

  auto streamed = Open(location_);
  EXPECT_EQ(ViewRows(*streamed), ViewRows(*oracle));
  // Recorded like files: grouped into fewer loads than requests, each with its client as
  // source, in a run of the stream, with its rejects.
  int files = std::stoi(Scalar(*streamed,
                               "SELECT count(*) FROM etl_file WHERE status = 'loaded' "
                               "AND uri LIKE 'stream:http:127.0.0.1%'"));
  EXPECT_GE(files, 1);
  EXPECT_LT(files, requests.load());
  EXPECT_EQ(Scalar(*streamed, "SELECT sum(rows_loaded) FROM etl_file"),
            std::to_string(accepted.load()));
  EXPECT_EQ(Scalar(*streamed, "SELECT count(CASE WHEN row_rejected THEN 1 END) FROM etl_reject"),
            std::to_string(rejected.load()));
  EXPECT_EQ(Scalar(*streamed, "SELECT DISTINCT trigger FROM etl_run"), "stream");

  if (GetParam() != Backend::kPostgres) return;
  // The batches made no partition each: they share fact_sales_batch; nor does a small file
  // loaded after them, which appends to the table small files share (fact_sales_shared).
  const char* partitions = "SELECT count(*) FROM pg_inherits";
  const std::string before = Scalar(*streamed, partitions);
  auto more =
      IngestFiles(*streamed, std::vector<std::string>{Generate(dir_, "more.csv", 50, 99)}, options);
  ASSERT_TRUE(more) << more.error().message();
  EXPECT_EQ(more->files.at(0).status, FileStatus::kLoaded) << more->files.at(0).error;
  EXPECT_EQ(Scalar(*streamed, partitions), before);
  EXPECT_EQ(Scalar(*streamed, "SELECT count(*) FROM fact_sales_shared"),
            std::to_string(more->files.at(0).rows_loaded));
  // A batch's rows go with its file_id, as a file's do.
  std::string batch = Scalar(*streamed, "SELECT min(file_id) FROM fact_sales_batch");
  std::string held = Scalar(*streamed, "SELECT count(*) FROM fact_sales WHERE file_id = " + batch);
  EXPECT_NE(held, "0");
}

// Files load while batches stream into the same warehouse, each in a transaction of its own
// taking turns (on PostgreSQL a file's facts are appended to the table small files share, beside
// the batches' table that keeps growing): every load commits whole, its facts all there under its
// file_id, and the warehouse ends equal to one loaded from the same files.
TEST_P(StreamTest, BatchesAndFilesLoadedAtTheSameTimeEachCommitWhole) {
  RawRows rows = ReadRawRows(Generate(dir_, "posted.csv", 1200, 21));
  std::vector<std::string> files;
  for (int i = 0; i < 3; ++i) {
    files.push_back(Generate(dir_, "file" + std::to_string(i) + ".csv", 400, 31 + i));
  }
  StartServer();
  std::atomic<int> failures{0};
  std::atomic<int64_t> accepted{0};
  std::vector<std::thread> clients;
  std::atomic<size_t> next{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      for (;;) {
        size_t begin = next.fetch_add(20);
        if (begin >= rows.csv.size()) break;
        size_t end = std::min(begin + 20, rows.csv.size());
        Reply reply = Post(port_, NdjsonBody(rows, begin, end), "application/x-ndjson");
        if (reply.status != 200) {
          ++failures;
          ADD_FAILURE() << reply.status << " " << reply.body;
          continue;
        }
        accepted += reply.json()["accepted"].get<int64_t>();
      }
    });
  }
  // The files load one by one through `till ingest`'s driver while the clients post.
  // (Failures are recorded, not returned on, so that the clients are joined.)
  auto loader = Open(location_);
  int64_t file_rows = 0;
  for (const std::string& file : files) {
    if (loader == nullptr) break;
    auto report = IngestFiles(*loader, std::vector<std::string>{file}, IngestOptions{});
    if (!report) {
      ADD_FAILURE() << report.error().message();
      break;
    }
    EXPECT_EQ(report->files.at(0).status, FileStatus::kLoaded) << report->files.at(0).error;
    file_rows += report->files.at(0).rows_loaded;
  }
  for (auto& client : clients) client.join();
  ASSERT_EQ(failures, 0);
  StopServer();

  auto warehouse = Open(location_);
  // Each load, file or batch, holds exactly the facts its record counts.
  EXPECT_EQ(Scalar(*warehouse,
                   "SELECT count(*) FROM etl_file e LEFT JOIN (SELECT file_id, count(*) AS n "
                   "FROM fact_sales GROUP BY file_id) f USING (file_id) "
                   "WHERE e.status = 'loaded' AND e.rows_loaded <> coalesce(f.n, 0)"),
            "0");
  EXPECT_EQ(Scalar(*warehouse, "SELECT count(*) FROM fact_sales"),
            std::to_string(accepted + file_rows));
  EXPECT_GT(std::stoi(Scalar(*warehouse,
                             "SELECT count(*) FROM etl_file WHERE uri LIKE "
                             "'stream:%' AND status = 'loaded'")),
            1);
  // And on PostgreSQL they did load at the same time: batches committed while the files were
  // loading (SQLite takes one writer at a time, whose turns the test does not control).
  if (GetParam() == Backend::kPostgres) {
    EXPECT_NE(Scalar(*warehouse,
                     "SELECT count(*) FROM etl_file b, (SELECT min(started_at) AS s, "
                     "max(finished_at) AS f FROM etl_file WHERE uri NOT LIKE 'stream:%') x "
                     "WHERE b.uri LIKE 'stream:%' AND b.finished_at BETWEEN x.s AND x.f"),
              "0");
  }

  // The oracle: the posted rows as a file, then the three files, loaded by `till ingest`.
  std::string posted = dir_.Write("posted_all.csv", CsvBody(rows, 0, rows.csv.size()));
  auto oracle = Open(NewWarehouseLocation(GetParam(), dir_, "oracle"));
  std::vector<std::string> all = {posted};
  all.insert(all.end(), files.begin(), files.end());
  auto report = IngestFiles(*oracle, all, IngestOptions{});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(ViewRows(*warehouse), ViewRows(*oracle));
}

TEST_P(StreamTest, AnIdempotencyKeyGetsTheFirstAnswerEvenAfterARestart) {
  RawRows rows = ReadRawRows(Generate(dir_, "raw.csv", 40, 3));
  StartServer();
  std::string body = NdjsonBody(rows, 0, 40);
  Reply first = Post(port_, body, "application/x-ndjson", {"Idempotency-Key: order-1"});
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_GT(first.json()["accepted"].get<int64_t>(), 0);
  Reply again = Post(port_, body, "application/x-ndjson", {"Idempotency-Key: order-1"});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  Reply other =
      Post(port_, NdjsonBody(rows, 0, 2), "application/x-ndjson", {"Idempotency-Key: order-1"});
  EXPECT_EQ(other.status, 422) << other.body;
  StopServer();

  auto warehouse = Open(location_);
  std::string count = Scalar(*warehouse, "SELECT count(*) FROM fact_sales");
  EXPECT_EQ(count, std::to_string(first.json()["accepted"].get<int64_t>()));
  EXPECT_EQ(Scalar(*warehouse, "SELECT count(*) FROM etl_file"), "1");

  StartServer();
  Reply after = Post(port_, body, "application/x-ndjson", {"Idempotency-Key: order-1"});
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, first.body);
  // Without a key the same rows are duplicates, as in a file.
  Reply unkeyed = Post(port_, body, "application/x-ndjson");
  ASSERT_EQ(unkeyed.status, 200) << unkeyed.body;
  EXPECT_EQ(unkeyed.json()["accepted"].get<int64_t>(), 0);
  EXPECT_EQ(unkeyed.json()["duplicate"], first.json()["accepted"]);
  StopServer();
  EXPECT_EQ(Scalar(*warehouse, "SELECT count(*) FROM fact_sales"), count);
}

TEST_P(StreamTest, BadBodiesGetTheir4xxLoadNothingAndOthersAreStillAnswered) {
  RawRows rows = ReadRawRows(Generate(dir_, "raw.csv", 10, 5));
  StreamOptions options;
  options.max_body_bytes = 64 << 10;
  StartServer(options);
  std::string good = NdjsonBody(rows, 0, 5);

  Reply invalid = Post(port_, good + "{\"Date\": \n", "application/x-ndjson");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(invalid.json()["reason"], "invalid_json");
  EXPECT_EQ(invalid.json()["line"], 6);
  Reply wrong_type =
      Post(port_, "{\"Date\": \"6/15/2023\", \"Amount\": [1], \"Total_Amount\": 2}\n",
           "application/json");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.json()["column"], "Amount");
  Reply unknown =
      Post(port_, good + "{\"Date\": \"6/15/2023\", \"Shoe_Size\": 9}\n", "application/x-ndjson");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["reason"], "unknown_column");
  EXPECT_EQ(Post(port_, good, "text/plain").status, 415);
  Reply large = Post(port_, std::string(100 << 10, 'x'), "text/csv");
  EXPECT_EQ(large.status, 413);
  Reply ok = Post(port_, good, "application/x-ndjson");
  ASSERT_EQ(ok.status, 200) << ok.body;
  StopServer();
  auto warehouse = Open(location_);
  EXPECT_EQ(Scalar(*warehouse, "SELECT count(*) FROM fact_sales"),
            std::to_string(ok.json()["accepted"].get<int64_t>()));
}

TEST_P(StreamTest, AFullQueueAnswers429AndWhatWasQueuedLoads) {
  RawRows rows = ReadRawRows(Generate(dir_, "raw.csv", 20, 9));
  StreamOptions options;
  options.writer.group_seconds = 1.5;
  options.writer.queue_rows = 10;
  StartServer(options);
  Reply queued = Post(port_, NdjsonBody(rows, 0, 10), "application/x-ndjson", {}, "?wait=false");
  EXPECT_EQ(queued.status, 202) << queued.body;
  Reply full = Post(port_, NdjsonBody(rows, 10, 20), "application/x-ndjson");
  EXPECT_EQ(full.status, 429) << full.body;
  EXPECT_EQ(full.retry_after, "1");
  StopServer();  // writes what is queued
  auto warehouse = Open(location_);
  EXPECT_EQ(Scalar(*warehouse, "SELECT sum(rows_read) FROM etl_file"), "10");
}

TEST_P(StreamTest, ASlowClientIsClosedAndStallsNoOne) {
  RawRows rows = ReadRawRows(Generate(dir_, "raw.csv", 5, 11));
  StreamOptions options;
  options.request_seconds = 1;
  StartServer(options);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port_));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  std::string head =
      "POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
      "Content-Length: 1000\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(::send(fd, "x", 1, MSG_NOSIGNAL), 1);
    Reply other = Post(port_, NdjsonBody(rows, 0, 5), "application/x-ndjson");
    EXPECT_EQ(other.status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  // Past the deadline the server closes the connection: a read sees its end.
  char byte = 0;
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);
  ::close(fd);
}

TEST_P(StreamTest, MetricsCountRows) {
  RawRows rows = ReadRawRows(Generate(dir_, "raw.csv", 12, 13));
  StartServer();
  ASSERT_EQ(Post(port_, NdjsonBody(rows, 0, 12), "application/x-ndjson").status, 200);
  std::string metrics = Get(port_, "/metrics");
  EXPECT_NE(metrics.find("till_stream_rows_total{outcome=\"received\"} 12"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("till_stream_commit_duration_seconds_count 1"), std::string::npos);
  EXPECT_NE(metrics.find("till_stream_queue_rows 0"), std::string::npos);
}

// `till stream` as a child process, killed with SIGKILL whenever the test says.
class StreamProcess {
 public:
  StreamProcess(std::string warehouse, int port) : warehouse_(std::move(warehouse)), port_(port) {}
  ~StreamProcess() { Kill(); }

  // Starts it and waits until it answers /healthz.
  void Start() {
    std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args = {TILL_BINARY,   "stream",   "--listen",   listen,
                                     "--warehouse", warehouse_, "--group-ms", "50"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(posix_spawn(&pid_, TILL_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 300; ++i) {
      if (Get(port_, "/healthz").find("ok") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "till stream did not start";
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }

 private:
  std::string warehouse_;
  int port_;
  pid_t pid_ = 0;
};

// Clients post every request with its Idempotency-Key and post it again until answered 200,
// over and over, while `till stream` is killed at 25 moments and started again: the warehouse
// ends holding each distinct row once, as a file of the same rows loads them, and every answer
// to one key is the same.
TEST_P(StreamTest, KilledAtAnyMomentEveryRowLoadsOnce) {
  std::string file = Generate(dir_, "raw.csv", 2400, 17);
  AddDirtyRows(file);
  RawRows rows = ReadRawRows(file);
  location_ = NewWarehouseLocation(GetParam(), dir_, "stream");
  int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  StreamProcess process(location_, port);
  process.Start();

  constexpr size_t kRowsPerRequest = 40;
  constexpr int kKills = 25;
  size_t requests = (rows.csv.size() + kRowsPerRequest - 1) / kRowsPerRequest;
  std::atomic<int> kills{0};
  std::atomic<bool> failed{false};
  std::mutex answers_mutex;
  std::map<size_t, std::string> answers;
  auto post = [&](size_t r) {
    size_t begin = r * kRowsPerRequest;
    size_t end = std::min(begin + kRowsPerRequest, rows.csv.size());
    bool csv = r % 2 == 0;
    std::string body = csv ? CsvBody(rows, begin, end) : NdjsonBody(rows, begin, end);
    std::string key = "Idempotency-Key: request-" + std::to_string(r);
    for (int attempt = 0; attempt < 2000; ++attempt) {
      Reply reply = Post(port, body, csv ? "text/csv" : "application/x-ndjson", {key});
      if (reply.status == 200) {
        std::lock_guard lock(answers_mutex);
        auto [it, added] = answers.try_emplace(r, reply.body);
        if (!added && it->second != reply.body) {
          failed = true;
          ADD_FAILURE() << "request " << r << " answered " << reply.body << " after " << it->second;
        }
        return;
      }
      // Killed, not started yet, or refused for now: send the same request again.
      if (reply.status != 0 && reply.status != 503 && reply.status != 429) {
        failed = true;
        ADD_FAILURE() << "request " << r << ": " << reply.status << " " << reply.body;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    failed = true;
    ADD_FAILURE() << "request " << r << " never answered";
  };
  std::vector<std::thread> clients;
  constexpr size_t kClients = 6;
  for (size_t c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // Round after round over this client's requests, until the kills are over, then once more.
      while (!failed) {
        bool last = kills.load() >= kKills;
        for (size_t r = c; r < requests; r += kClients) post(r);
        if (last) return;
      }
    });
  }
  std::mt19937 random(42);
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + random() % 300));
    process.Kill();
    ++kills;
    process.Start();
  }
  for (auto& client : clients) client.join();
  process.Kill();
  ASSERT_FALSE(failed);
  ASSERT_EQ(answers.size(), requests);

  auto oracle = Open(NewWarehouseLocation(GetParam(), dir_, "oracle"));
  IngestOptions options;
  options.max_reject_ratio = 1;
  auto report = IngestFiles(*oracle, std::vector<std::string>{file}, options);
  ASSERT_TRUE(report) << report.error().message();
  auto streamed = Open(location_);
  std::vector<std::string> streamed_rows = ViewRows(*streamed);
  std::vector<std::string> oracle_rows = ViewRows(*oracle);
  EXPECT_EQ(streamed_rows.size(), oracle_rows.size());
  EXPECT_EQ(streamed_rows, oracle_rows);
  int64_t accepted = 0;
  for (const auto& [r, body] : answers) accepted += Json::parse(body)["accepted"].get<int64_t>();
  EXPECT_EQ(accepted, report->files.at(0).rows_loaded);
}

TEST(StreamServerTest, RefusesToListenBeyondLoopbackWithoutAToken) {
  TempDir dir;
  StreamOptions options;
  options.writer.warehouse = dir.Path("w.db");
  options.address = "0.0.0.0";
  options.port = 0;
  StreamServer server(options);
  auto started = server.Start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message().find("token"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<Backend>& backend) {
                           return BackendName(backend.param);
                         });

}  // namespace
}  // namespace till::testing
