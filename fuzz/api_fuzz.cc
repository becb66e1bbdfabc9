// Fuzzes the JSON API's parameters: an endpoint and its query parameters as a client may send
// them (the server hands them over decoded, so any bytes), answered from a snapshot of the
// sample rows. The input's first line is the endpoint, each further line one `name=value`.
// Checks what every answer promises: a status of 200, 400, 404 or 422 (too few customers to
// segment), a JSON body that parses (an error body naming its status), and no exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "pipeline/ingest.h"
#include "serve/api.h"
#include "serve/snapshot.h"
#include "warehouse/warehouse.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "api_fuzz: %s %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The sample rows loaded into a warehouse of their own, once per process, and read as `till
// serve` reads them.
const till::Snapshot& SampleSnapshot() {
  static std::shared_ptr<const till::Snapshot> snapshot = [] {
    char folder[] = "/tmp/till-api-fuzz-XXXXXX";
    if (!::mkdtemp(folder)) Fail("cannot make a temporary folder");
    std::string path = std::string(folder) + "/w.db";
    {
      auto warehouse = till::OpenWarehouse(path);
      if (!warehouse || !(*warehouse)->Migrate()) Fail("cannot make the warehouse");
      std::string sample = TILL_SAMPLE_ROWS;
      auto report = till::IngestFiles(**warehouse, std::span(&sample, 1), {});
      if (!report || !report->succeeded) Fail("cannot load", sample);
    }
    auto warehouse = till::OpenWarehouse(path, till::Access::kReadOnly);
    if (!warehouse) Fail("cannot open the warehouse");
    till::SnapshotReader reader(std::move(*warehouse));
    auto read = reader.Refresh(nullptr);
    if (!read) Fail("cannot read the warehouse");
    std::filesystem::remove_all(folder);
    return *read;
  }();
  return *snapshot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t line_end = input.find('\n');
  std::string endpoint(input.substr(0, line_end));
  till::Params params;
  while (line_end != std::string_view::npos && params.size() < 64) {
    input.remove_prefix(line_end + 1);
    line_end = input.find('\n');
    std::string_view line = input.substr(0, line_end);
    size_t equals = line.find('=');
    params.emplace(std::string(line.substr(0, equals)),
                   equals == std::string_view::npos ? "" : std::string(line.substr(equals + 1)));
  }
  till::ApiResponse response = till::AnswerApi(SampleSnapshot(), endpoint, params,
                                               std::chrono::system_clock::time_point(), "fuzz");
  if (response.status != 200 && response.status != 400 && response.status != 404 &&
      response.status != 422) {
    Fail("unexpected status", std::to_string(response.status));
  }
  if (response.content_type == "application/json") {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded()) Fail("the body is not JSON:", response.body.substr(0, 200));
    if (response.status != 200 && body["error"]["status"] != response.status) {
      Fail("the error body does not name its status:", response.body.substr(0, 200));
    }
  } else if (response.status != 200) {
    Fail("an error that is not JSON:", response.content_type);
  }
  return 0;
}
