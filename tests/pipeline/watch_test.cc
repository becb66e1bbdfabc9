// `till watch` as a user runs it, a child process over a real folder and a real warehouse: files
// that arrive by copy, by rename and slowly each load once and whole; the same content under
// several keys loads once; after every change (one made while the key loads, too) the warehouse
// holds what a fresh load of the folder would hold; a watcher killed at any moment neither loses
// nor repeats a file; a SQLite warehouse takes one watcher; SIGTERM stops a watcher cleanly; and
// the same invariant on PostgreSQL.
//
// The invariant's oracle: copies of the folder's files loaded with IngestFiles into a fresh
// SQLite warehouse. retail_data_view's rows, less where each came from (sale_id, file_id,
// source_line), must be the same multiset in the watched warehouse; the ledger must name each
// key's current content; and the load counts must add up to the fact rows.
//
// Waits poll with deadlines. The only fixed pauses are the slow writer's, and the delays before
// an overwrite or a kill -9: they place the faults under test, they synchronise nothing.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "base/sha256.h"
#include "generate/generator.h"
#include "pipeline/ingest.h"
#include "support/pg_cluster.h"
#include "support/temp_dir.h"
#include "warehouse/reads.h"
#include "warehouse/warehouse.h"

extern char** environ;

namespace till {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using testing::ReadFile;
using testing::TempDir;

// How long a watcher may take to catch up with a change. Generous for a loaded machine; a healthy
// run takes a fraction of a second, and the waits poll.
constexpr std::chrono::milliseconds kCatchUp = 30s;
constexpr std::chrono::milliseconds kPollInterval = 20ms;
// How long a stopped watcher may take to exit.
constexpr std::chrono::milliseconds kExit = 20s;

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = kPollInterval) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 hash;
  hash.Update(bytes);
  return hash.HexDigest();
}

// The generator's raw retail CSV: its header and `rows` rows, a function of the seed alone.
std::string Generated(int64_t rows, uint64_t seed) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  GenerateOptions options;
  options.rows = rows;
  options.seed = seed;
  Status generated = GenerateRawFile(options, out);
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  EXPECT_TRUE(generated) << generated.error().message();
  return text;
}

using Lines = std::vector<std::string>;

// A CSV text as its header and data lines (generated files quote no line breaks).
struct CsvLines {
  std::string header;
  Lines rows;
};

CsvLines Split(const std::string& text) {
  CsvLines csv;
  size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (first) {
      csv.header = std::move(line);
      first = false;
    } else {
      csv.rows.push_back(std::move(line));
    }
    start = end + 1;
  }
  return csv;
}

Lines Slice(const Lines& lines, size_t begin, size_t end) {
  end = std::min(end, lines.size());
  begin = std::min(begin, end);
  return Lines(lines.begin() + static_cast<std::ptrdiff_t>(begin),
               lines.begin() + static_cast<std::ptrdiff_t>(end));
}

std::string Csv(const std::string& header, std::initializer_list<Lines> parts) {
  std::string text = header + "\n";
  for (const Lines& part : parts) {
    for (const std::string& line : part) text += line + "\n";
  }
  return text;
}

void WriteWhole(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  ASSERT_TRUE(out) << "writing " << path;
}

// How a file reaches the landing folder.
enum class Delivery {
  kCopy,  // copied in place, as cp does: the key exists, partly written, until cp closes it
  kMove,  // written beside the folder and renamed in whole
};

// A landing folder, and a staging folder beside it on the same file system to move files from.
class Landing {
 public:
  Landing(const TempDir& dir, const std::string& name)
      : root_(dir.Path(name)), staging_(dir.Path(name + "-staging")) {
    fs::create_directories(root_);
    fs::create_directories(staging_);
  }

  const std::string& root() const { return root_; }
  std::string PathOf(const std::string& key) const { return root_ + "/" + key; }

  // Puts `content` under `key`, replacing what the key held.
  void Deliver(const std::string& key, const std::string& content, Delivery how) {
    std::string staged = fmt::format("{}/{}.csv", staging_, ++staged_);
    WriteWhole(staged, content);
    fs::path target = PathOf(key);
    fs::create_directories(target.parent_path());
    if (how == Delivery::kCopy) {
      fs::copy_file(staged, target, fs::copy_options::overwrite_existing);
      fs::remove(staged);
    } else {
      fs::rename(staged, target);
    }
  }

  // Writes a file straight into the folder (a scratch or hidden name, say).
  void WriteInPlace(const std::string& name, const std::string& content) {
    WriteWhole(PathOf(name), content);
  }

  // The keys a watcher should see, with their content: every *.csv and *.tsv file, hidden files
  // and writers' scratch names (*.part, *.tmp) left out.
  std::map<std::string, std::string> Keys() const {
    std::map<std::string, std::string> keys;
    for (auto it = fs::recursive_directory_iterator(root_);
         it != fs::recursive_directory_iterator(); ++it) {
      std::string name = it->path().filename().string();
      if (name.starts_with('.') || name.ends_with(".part") || name.ends_with(".tmp")) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      std::string extension = it->path().extension().string();
      std::transform(extension.begin(), extension.end(), extension.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!it->is_regular_file() || (extension != ".csv" && extension != ".tsv")) continue;
      keys[fs::relative(it->path(), root_).generic_string()] = ReadFile(it->path().string());
    }
    return keys;
  }

 private:
  std::string root_;
  std::string staging_;
  int staged_ = 0;
};

// A till command run as a child process, in `folder`, without TILL_WAREHOUSE or TILL_CONFIG
// from the test's environment; standard output and error go to files in the folder. A process
// still running when this is destroyed is killed.
class TillProcess {
 public:
  TillProcess(const std::string& folder, const std::vector<std::string>& args) {
    static int started = 0;
    ++started;
    out_path_ = fmt::format("{}/till-{}.out", folder, started);
    err_path_ = fmt::format("{}/till-{}.err", folder, started);
    std::vector<std::string> words = {TILL_BINARY};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** variable = environ; *variable != nullptr; ++variable) {
      std::string_view text(*variable);
      if (text.starts_with("TILL_WAREHOUSE=") || text.starts_with("TILL_CONFIG=")) continue;
      envp.push_back(*variable);
    }
    envp.push_back(nullptr);
    const char* out_path = out_path_.c_str();
    const char* err_path = err_path_.c_str();
    const char* directory = folder.c_str();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls until exec: the test may be running threads.
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
          ::dup2(err, 2) < 0 || ::chdir(directory) != 0) {
        ::_exit(126);
      }
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    EXPECT_GT(pid_, 0) << "fork failed";
  }

  ~TillProcess() {
    if (pid_ > 0 && running()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  TillProcess(const TillProcess&) = delete;
  TillProcess& operator=(const TillProcess&) = delete;

  bool running() {
    if (!status_ && pid_ > 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    }
    return !status_ && pid_ > 0;
  }

  void Signal(int signal) {
    if (running()) ::kill(pid_, signal);
  }

  // Waits until the process ends, at most `timeout`; true when it did.
  bool WaitExit(std::chrono::milliseconds timeout) {
    return Eventually([&] { return !running(); }, timeout, 5ms);
  }

  // Once ended: its exit code, or -1 when a signal ended it.
  int exit_code() const { return status_ && WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1; }

  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }
  std::string Describe() const {
    std::string how = !status_                ? "running"
                      : WIFEXITED(*status_)   ? fmt::format("exit {}", WEXITSTATUS(*status_))
                      : WIFSIGNALED(*status_) ? fmt::format("signal {}", WTERMSIG(*status_))
                                              : "ended";
    return fmt::format("till ({})\n--- stdout:\n{}--- stderr:\n{}", how, out(), err());
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_;
  std::string err_path_;
};

std::optional<QueryResult> TryRows(Warehouse& warehouse, std::string_view sql,
                                   const std::vector<std::string>& params = {}) {
  auto result = warehouse.Query(sql, params);
  if (!result) return std::nullopt;
  return std::move(*result);
}

QueryResult Rows(Warehouse& warehouse, std::string_view sql,
                 const std::vector<std::string>& params = {}) {
  auto result = warehouse.Query(sql, params);
  EXPECT_TRUE(result) << sql << ": " << result.error().message();
  return result ? std::move(*result) : QueryResult{};
}

// The first value of the first row as a number; -1 when there is none.
int64_t Count(Warehouse& warehouse, std::string_view sql,
              const std::vector<std::string>& params = {}) {
  QueryResult result = Rows(warehouse, sql, params);
  if (result.rows.empty() || result.rows[0].empty() || !result.rows[0][0]) return -1;
  return std::stoll(*result.rows[0][0]);
}

std::unique_ptr<Warehouse> Open(const std::string& location) {
  auto warehouse = OpenWarehouse(location);
  EXPECT_TRUE(warehouse) << location << ": " << warehouse.error().message();
  return warehouse ? std::move(*warehouse) : nullptr;
}

// What the ledger says a key holds, with the etl_file record it points at.
struct LedgerEntry {
  std::string sha256;
  std::string status;
  std::string error;
  std::string file_sha256;
  std::string file_status;
  bool file_live = false;  // not unloaded
  int64_t file_rows_read = -1;
};

std::optional<std::map<std::string, LedgerEntry>> TryLedger(Warehouse& warehouse) {
  auto rows = TryRows(warehouse,
                      "SELECT k.key, k.sha256, k.status, k.error, f.sha256, f.status, "
                      "CASE WHEN f.unloaded_at IS NULL THEN 1 ELSE 0 END, f.rows_read "
                      "FROM landing_key k LEFT JOIN etl_file f ON f.file_id = k.file_id");
  if (!rows) return std::nullopt;
  std::map<std::string, LedgerEntry> ledger;
  for (const auto& row : rows->rows) {
    LedgerEntry& entry = ledger[row[0].value_or("")];
    entry.sha256 = row[1].value_or("");
    entry.status = row[2].value_or("");
    entry.error = row[3].value_or("");
    entry.file_sha256 = row[4].value_or("");
    entry.file_status = row[5].value_or("");
    entry.file_live = row[4] && row[6] == "1";
    entry.file_rows_read = row[7] ? std::stoll(*row[7]) : -1;
  }
  return ledger;
}

std::string Describe(const std::optional<std::map<std::string, LedgerEntry>>& ledger) {
  if (!ledger) return "(no ledger)";
  std::string text;
  for (const auto& [key, entry] : *ledger) {
    text +=
        fmt::format("  {}: {} {} file {} {} live={} rows_read={} {}\n", key, entry.status,
                    entry.sha256.substr(0, 12), entry.file_status, entry.file_sha256.substr(0, 12),
                    entry.file_live, entry.file_rows_read, entry.error);
  }
  return text;
}

// What the watcher should have recorded for each key of the folder once it caught up.
struct Expected {
  std::map<std::string, std::string> sha256;  // by key
  std::set<std::string> failing;              // keys whose content fails on its own
};

Expected ExpectedOf(const Landing& landing, const std::set<std::string>& failing) {
  Expected expected;
  for (const auto& [key, content] : landing.Keys()) expected.sha256[key] = Sha256Hex(content);
  expected.failing = failing;
  return expected;
}

bool CaughtUp(Warehouse& watched, const Expected& expected) {
  auto ledger = TryLedger(watched);
  if (!ledger) return false;
  for (const auto& [key, sha] : expected.sha256) {
    auto entry = ledger->find(key);
    if (entry == ledger->end() || entry->second.sha256 != sha) return false;
    if (entry->second.status != (expected.failing.contains(key) ? "failed" : "loaded")) {
      return false;
    }
  }
  return true;
}

// Waits until the ledger says every key of the folder holds its current content: loaded, or
// failed for the keys in `failing`.
void WaitCaughtUp(Warehouse& watched, const Landing& landing,
                  const std::set<std::string>& failing = {}) {
  Expected expected = ExpectedOf(landing, failing);
  if (!Eventually([&] { return CaughtUp(watched, expected); }, kCatchUp)) {
    ADD_FAILURE() << "the watcher did not catch up within " << kCatchUp.count()
                  << " ms; the ledger:\n"
                  << Describe(TryLedger(watched));
  }
}

// Drops a small file of new content under a key that sorts after every other and waits until
// the ledger records it. Changes the watcher could see before it (a scan handles the settled keys
// of its listing in key order) have been handled by then, even those that leave the ledger as it
// was.
void Barrier(Warehouse& watched, Landing& landing) {
  static int barriers = 0;
  ++barriers;
  std::string key = fmt::format("zz-barrier-{:03}.csv", barriers);
  std::string content = Generated(20, 900'000 + static_cast<uint64_t>(barriers));
  std::string sha = Sha256Hex(content);
  landing.Deliver(key, content, Delivery::kMove);
  bool recorded = Eventually(
      [&] {
        auto ledger = TryLedger(watched);
        return ledger && ledger->contains(key) && ledger->at(key).sha256 == sha;
      },
      kCatchUp);
  EXPECT_TRUE(recorded) << key << " never reached the ledger:\n" << Describe(TryLedger(watched));
}

// One row of retail_data_view without where it came from: the amounts as numbers (the back ends
// print doubles differently), every other column as text.
struct ViewRow {
  std::string text;
  double amount = 0;
  double total_amount = 0;

  bool operator<(const ViewRow& other) const {
    return std::tie(text, amount, total_amount) <
           std::tie(other.text, other.amount, other.total_amount);
  }
};

bool Near(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

bool Same(const ViewRow& a, const ViewRow& b) {
  return a.text == b.text && Near(a.amount, b.amount) && Near(a.total_amount, b.total_amount);
}

std::string Show(const ViewRow& row) {
  std::string text = row.text;
  std::replace(text.begin(), text.end(), '\x1f', '|');
  return fmt::format("{} | amount {} | total {}", text, row.amount, row.total_amount);
}

// retail_data_view's rows without sale_id, file_id and source_line, sorted.
std::vector<ViewRow> ViewContent(Warehouse& warehouse) {
  QueryResult view = Rows(
      warehouse,
      "SELECT amount, total_amount, transaction_id, customer_id, name, email, phone, address, "
      "city, state, zipcode, country, age, gender, income, customer_segment, date, year, month, "
      "time, total_purchases, product_category, product_brand, product_type, feedback, "
      "shipping_method, payment_method, order_status, ratings, products, month_number, quarter, "
      "day_of_week FROM retail_data_view");
  std::vector<ViewRow> rows;
  rows.reserve(view.rows.size());
  for (const auto& cells : view.rows) {
    ViewRow& row = rows.emplace_back();
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c < 2) {
        double value = cells[c] ? std::strtod(cells[c]->c_str(), nullptr) : 0;
        (c == 0 ? row.amount : row.total_amount) = value;
        if (!cells[c]) row.text += "\x1e";
        continue;
      }
      row.text += cells[c] ? *cells[c] : std::string("\x1e");
      row.text += '\x1f';
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void ExpectSameView(const std::vector<ViewRow>& expected, const std::vector<ViewRow>& actual) {
  std::vector<const ViewRow*> missing;
  std::vector<const ViewRow*> extra;
  size_t i = 0;
  size_t j = 0;
  while (i < expected.size() || j < actual.size()) {
    if (i < expected.size() && j < actual.size() && Same(expected[i], actual[j])) {
      ++i;
      ++j;
    } else if (j == actual.size() || (i < expected.size() && expected[i] < actual[j])) {
      missing.push_back(&expected[i++]);
    } else {
      extra.push_back(&actual[j++]);
    }
  }
  EXPECT_EQ(actual.size(), expected.size()) << "rows in the view";
  EXPECT_TRUE(missing.empty()) << missing.size() << " rows missing, e.g. " << Show(*missing[0]);
  EXPECT_TRUE(extra.empty()) << extra.size() << " rows extra (or twice), e.g. " << Show(*extra[0]);
}

// The load counts add up: the files whose rows are in the warehouse count exactly the fact rows
// that point at them, no fact points elsewhere, and no content is loaded twice.
void ExpectCountsAddUp(Warehouse& watched) {
  EXPECT_EQ(Count(watched,
                  "SELECT coalesce(sum(rows_loaded), 0) FROM etl_file "
                  "WHERE status = 'loaded' AND unloaded_at IS NULL"),
            Count(watched, "SELECT count(*) FROM fact_sales"))
      << "rows_loaded of the loaded files against fact_sales";
  EXPECT_EQ(Count(watched,
                  "SELECT count(*) FROM etl_file e WHERE e.status = 'loaded' AND "
                  "e.unloaded_at IS NULL AND e.rows_loaded <> "
                  "(SELECT count(*) FROM fact_sales f WHERE f.file_id = e.file_id)"),
            0)
      << "files whose rows_loaded is not the number of facts pointing at them";
  EXPECT_EQ(Count(watched,
                  "SELECT count(*) FROM fact_sales f WHERE NOT EXISTS (SELECT 1 FROM etl_file e "
                  "WHERE e.file_id = f.file_id AND e.status = 'loaded' AND "
                  "e.unloaded_at IS NULL)"),
            0)
      << "facts of a file that is not loaded, or was unloaded";
  EXPECT_EQ(Count(watched,
                  "SELECT count(*) FROM (SELECT sha256 FROM etl_file WHERE status = 'loaded' "
                  "AND unloaded_at IS NULL GROUP BY sha256 HAVING count(*) > 1) twice"),
            0)
      << "contents loaded twice";
}

// The ledger's half of the invariant: every key of the folder holds its current content, in a
// live file that read all its rows, the counts add up, and nothing else is in the ledger.
// Cheap; ExpectMirrors adds the comparison of the whole view.
void ExpectLedgerMirrors(Warehouse& watched, const Landing& landing,
                         const std::set<std::string>& failing = {}) {
  std::map<std::string, std::string> keys = landing.Keys();
  ExpectCountsAddUp(watched);

  auto ledger = TryLedger(watched);
  ASSERT_TRUE(ledger) << "no ledger";
  for (const auto& [key, content] : keys) {
    auto found = ledger->find(key);
    if (found == ledger->end()) {
      ADD_FAILURE() << key << ": not in the ledger";
      continue;
    }
    const LedgerEntry& entry = found->second;
    std::string sha = Sha256Hex(content);
    EXPECT_EQ(entry.sha256, sha) << key;
    if (failing.contains(key)) {
      EXPECT_EQ(entry.status, "failed") << key;
      EXPECT_FALSE(entry.error.empty()) << key << ": failed without a reason";
      continue;
    }
    EXPECT_EQ(entry.status, "loaded") << key << ": " << entry.error;
    EXPECT_EQ(entry.file_sha256, sha) << key << ": the ledger points at another content's file";
    EXPECT_EQ(entry.file_status, "loaded") << key;
    EXPECT_TRUE(entry.file_live) << key << ": its file was unloaded";
    EXPECT_EQ(entry.file_rows_read, static_cast<int64_t>(Split(content).rows.size()))
        << key << ": the file that holds its content read another number of rows";
  }
  for (const auto& [key, entry] : *ledger) {
    EXPECT_TRUE(keys.contains(key)) << key << ": in the ledger, but not a key of the folder";
  }
}

// The invariant `till watch` keeps (see the top of the file). `failing` names the keys whose
// content fails on its own: recorded failed, with the reason.
void ExpectMirrors(Warehouse& watched, const Landing& landing,
                   const std::set<std::string>& failing = {}) {
  {
    TempDir oracle_dir;
    std::vector<std::string> paths;
    for (const auto& [key, content] : landing.Keys()) {
      paths.push_back(oracle_dir.Write(fmt::format("{}.csv", paths.size()), content));
    }
    auto oracle = Open(oracle_dir.Path("oracle.db"));
    ASSERT_NE(oracle, nullptr);
    auto report = IngestFiles(*oracle, paths, IngestOptions{});
    ASSERT_TRUE(report) << report.error().message();
    ExpectSameView(ViewContent(*oracle), ViewContent(watched));
  }
  ExpectLedgerMirrors(watched, landing, failing);
}

// A folder watched into a warehouse, and the watcher started as a child process.
class WatchTest : public ::testing::Test {
 protected:
  std::unique_ptr<TillProcess> StartWatch(const std::string& warehouse,
                                          const std::vector<std::string>& flags = {},
                                          const Landing* landing = nullptr) {
    // These tests time the watcher's loads. What follows a run that loaded (the stored
    // forecasts' and the customer segments' refresh) is tested on its own, and under
    // ThreadSanitizer it would stretch every catch-up here past its bound.
    dir_.Write("till.toml",
               "[forecast]\nrefresh = false\nanomaly_alerts = false\n"
               "[segments]\nrefresh_after_load = false\n");
    std::vector<std::string> args = {"watch", (landing ? *landing : landing_).root(), "--warehouse",
                                     warehouse};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<TillProcess>(dir_.Path(""), args);
  }

  // Waits until the watcher migrated the warehouse: it watches its zone by then (it opens the
  // zone first).
  static void WaitReady(Warehouse& watched, TillProcess& watcher) {
    bool ready = Eventually(
        [&] {
          auto version = watched.SchemaVersion();
          return (version && *version >= 2) || !watcher.running();
        },
        kCatchUp);
    ASSERT_TRUE(ready && watcher.running()) << watcher.Describe();
  }

  // Waits until a plain-text watcher printed its first line: it has its signal handlers then.
  static void WaitWatching(TillProcess& watcher) {
    bool watching = Eventually(
        [&] { return watcher.out().find("watching ") != std::string::npos || !watcher.running(); },
        kCatchUp);
    ASSERT_TRUE(watching && watcher.running()) << watcher.Describe();
  }

  // The invariant after each step of a history that meets every way a key's content changes.
  void ExpectEveryStepMirrored(Warehouse& watched);

  // Kills `till ingest` during its load, twice: the next start of till, and then `till runs`,
  // each find the killed run and mark it interrupted, with when they noticed.
  void ExpectKilledRunsMarkedInterrupted(const std::string& warehouse);

  TempDir dir_;
  Landing landing_{dir_, "landing"};
  std::string db_ = dir_.Path("till.db");
};

void WatchTest::ExpectEveryStepMirrored(Warehouse& watched) {
  const std::string a0 = Generated(3000, 11);
  const CsvLines a0_lines = Split(a0);
  const std::string& header = a0_lines.header;
  const std::string b1 = Generated(2500, 12);
  const CsvLines b1_lines = Split(b1);
  // Fewer rows than A had: half of them kept, some new.
  const std::string a1 =
      Csv(header, {Slice(a0_lines.rows, 0, 1500), Split(Generated(500, 13)).rows});
  // Rows of both A's first content and B's new one, and rows of its own.
  const std::string c = Csv(header, {Slice(a0_lines.rows, 1000, 2000), Slice(b1_lines.rows, 0, 800),
                                     Split(Generated(400, 14)).rows});
  // A mangled header: no Date column. The rows are good.
  const Lines fixed_rows = Split(Generated(1000, 15)).rows;
  std::string broken_header = header;
  broken_header.replace(broken_header.find(",Date,"), 6, ",D@te,");
  const std::string bad = Csv(broken_header, {fixed_rows});
  const std::string fixed = Csv(header, {fixed_rows});

  struct Step {
    std::string what;
    std::string key;
    std::string content;
    Delivery how;
  };
  const std::vector<Step> steps = {
      {"a new key A", "a.csv", a0, Delivery::kCopy},
      {"A copied to B", "b.csv", a0, Delivery::kCopy},
      {"A changed to fewer rows, some kept", "a.csv", a1, Delivery::kMove},
      {"B changed to new content", "b.csv", b1, Delivery::kCopy},
      {"A changed back to its first content", "a.csv", a0, Delivery::kCopy},
      {"C overlapping A and B", "sub/c.csv", c, Delivery::kMove},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.what);
    landing_.Deliver(step.key, step.content, step.how);
    WaitCaughtUp(watched, landing_);
    ExpectMirrors(watched, landing_);
    if (HasFailure()) return;
  }

  {
    SCOPED_TRACE("a key whose header is broken");
    landing_.Deliver("bad.csv", bad, Delivery::kCopy);
    WaitCaughtUp(watched, landing_, {"bad.csv"});
    ExpectMirrors(watched, landing_, {"bad.csv"});
    const std::vector<std::string> bad_sha = {Sha256Hex(bad)};
    EXPECT_EQ(Count(watched,
                    "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'failed' AND "
                    "error IS NOT NULL",
                    bad_sha),
              1);
    // Not tried again: neither at the next scans nor when touched without a change (as touch
    // does: both times set, which inotify reports as a change of attributes only).
    Barrier(watched, landing_);
    ASSERT_EQ(::utimensat(AT_FDCWD, landing_.PathOf("bad.csv").c_str(), nullptr, 0), 0);
    Barrier(watched, landing_);
    EXPECT_EQ(Count(watched, "SELECT count(*) FROM etl_file WHERE sha256 = $1", bad_sha), 1)
        << "a failed content was tried again without a change";
    ExpectMirrors(watched, landing_, {"bad.csv"});
    if (HasFailure()) return;
  }
  {
    SCOPED_TRACE("the broken key fixed");
    landing_.Deliver("bad.csv", fixed, Delivery::kCopy);
    WaitCaughtUp(watched, landing_);
    ExpectMirrors(watched, landing_);
  }
}

void WatchTest::ExpectKilledRunsMarkedInterrupted(const std::string& location) {
  auto watched = Open(location);
  ASSERT_NE(watched, nullptr);
  ASSERT_TRUE(watched->Migrate());
  const std::string big = dir_.Write("big.csv", Generated(150'000, 5));
  const std::string small = dir_.Write("small.csv", Generated(200, 6));
  auto kill_a_load = [&]() -> int64_t {
    TillProcess ingest(dir_.Path(""), {"ingest", big, "--warehouse", location});
    bool loading = Eventually(
        [&] {
          return Count(*watched, "SELECT count(*) FROM etl_run WHERE status = 'running'") > 0 ||
                 !ingest.running();
        },
        kCatchUp, 2ms);
    EXPECT_TRUE(loading && ingest.running()) << "the load ended before the kill\n"
                                             << ingest.Describe();
    ingest.Signal(SIGKILL);
    EXPECT_TRUE(ingest.WaitExit(kExit));
    int64_t run = Count(*watched, "SELECT max(run_id) FROM etl_run");
    if (location.starts_with("postgres")) {
      // The server ends the session of a killed client once it sees the socket closed.
      EXPECT_TRUE(Eventually(
          [&] {
            return Count(*watched,
                         "SELECT count(*) FROM pg_stat_activity a JOIN etl_run r ON a.pid = "
                         "split_part(r.owner, ':', 2)::int WHERE r.run_id = " +
                             std::to_string(run)) == 0;
          },
          kCatchUp));
    }
    return run;
  };
  auto status_of = [&](int64_t run) {
    auto runs = ReadRuns(*watched, 100);
    EXPECT_TRUE(runs) << runs.error().message();
    for (const RunRecord& record : runs ? *runs : std::vector<RunRecord>{}) {
      if (record.run_id == run) return record.status + (record.interrupted_at ? " (noticed)" : "");
    }
    return std::string("no such run");
  };

  const int64_t first = kill_a_load();
  EXPECT_EQ(status_of(first), "running") << "nobody has looked yet";
  // The next start finds it.
  TillProcess next(dir_.Path(""), {"ingest", small, "--warehouse", location});
  ASSERT_TRUE(next.WaitExit(kCatchUp)) << next.Describe();
  EXPECT_EQ(next.exit_code(), 0) << next.Describe();
  EXPECT_EQ(status_of(first), "interrupted (noticed)");
  EXPECT_EQ(Count(*watched, "SELECT count(*) FROM etl_run WHERE run_id = " + std::to_string(first) +
                                " AND status = 'failed' AND interrupted_at IS NOT NULL AND "
                                "error LIKE 'interrupted%'"),
            1);

  // So does whoever lists the runs.
  const int64_t second = kill_a_load();
  EXPECT_EQ(status_of(second), "running");
  TillProcess runs(dir_.Path(""), {"runs", "--json", "--warehouse", location});
  ASSERT_TRUE(runs.WaitExit(kCatchUp)) << runs.Describe();
  EXPECT_EQ(runs.exit_code(), 0) << runs.Describe();
  auto first_line = nlohmann::json::parse(runs.out().substr(0, runs.out().find('\n')));
  EXPECT_EQ(first_line["run_id"], std::to_string(second));
  EXPECT_EQ(first_line["status"], "interrupted") << runs.out();
  EXPECT_TRUE(first_line["interrupted_at"].is_string()) << runs.out();
  // The dashboard's freshness counts no run as running any more.
  auto freshness = ReadFreshness(*watched);
  ASSERT_TRUE(freshness) << freshness.error().message();
  EXPECT_EQ(freshness->runs_running, 0);
  // A run still going is never marked: the one that loaded small.csv finished, and this one
  // (this test's own connection) is running.
  auto own = watched->StartRun("test");
  ASSERT_TRUE(own);
  ASSERT_TRUE(watched->MarkInterruptedRuns());
  EXPECT_EQ(status_of(*own), "running");
}

TEST_F(WatchTest, KilledRunsAreMarkedInterruptedOnSqlite) {
  ExpectKilledRunsMarkedInterrupted(db_);
}

TEST_F(WatchTest, KilledRunsAreMarkedInterruptedOnPostgresql) {
  testing::PgCluster& cluster = testing::SharedPgCluster();
  std::string database = testing::UniqueDatabaseName();
  std::string error;
  ASSERT_TRUE(cluster.CreateDatabase(database, &error)) << error;
  ExpectKilledRunsMarkedInterrupted(cluster.Url(database));
}

TEST_F(WatchTest, CopiedMovedAndSlowlyWrittenFilesLoadOnceAndWhole) {
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  auto watcher = StartWatch(db_, {"--rescan", "1", "--json"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *watcher));

  const std::string slow = Generated(170, 31);  // about 48 KB
  const std::string copied = Generated(2000, 32);
  const std::string moved = Generated(1500, 33);
  const std::string renamed = Generated(1200, 34);
  const std::string slow_sha = Sha256Hex(slow);

  // The slow writer: 4 KiB at a time, cut anywhere (mid-line too), 300 ms apart, over about
  // 3.5 s, then closed.
  std::atomic<bool> written{false};
  std::thread writer([&] {
    std::FILE* out = std::fopen(landing_.PathOf("slow.csv").c_str(), "wb");
    if (out == nullptr) {
      written = true;
      return;
    }
    constexpr size_t piece = 4096;
    for (size_t at = 0; at < slow.size(); at += piece) {
      std::fwrite(slow.data() + at, 1, std::min(piece, slow.size() - at), out);
      std::fflush(out);
      if (at + piece < slow.size()) std::this_thread::sleep_for(300ms);
    }
    std::fclose(out);
    written = true;
  });

  landing_.Deliver("copied.csv", copied, Delivery::kCopy);
  fs::create_directories(landing_.PathOf("north"));  // a folder new since the watch began
  landing_.Deliver("north/moved.csv", moved, Delivery::kMove);
  // A writer's scratch file, renamed to its key once complete; hidden and scratch files stay.
  landing_.WriteInPlace("renamed.csv.part", renamed);
  landing_.WriteInPlace(".hidden.csv", Generated(100, 35));
  landing_.WriteInPlace("draft.csv.tmp", Generated(100, 36));
  fs::rename(landing_.PathOf("renamed.csv.part"), landing_.PathOf("renamed.csv"));

  // While the slow file is written, it must never be loaded, nor fail: it is not complete.
  std::set<std::string> partial;
  auto watch_slow = [&] {
    auto files =
        TryRows(*reader, "SELECT sha256, status, rows_read FROM etl_file WHERE uri LIKE $1",
                {"%/slow.csv"});
    if (files) {
      for (const auto& row : files->rows) {
        if (row[0] != slow_sha || row[1] != "loaded") {
          partial.insert(fmt::format("etl_file: {} {} rows_read {}", row[1].value_or(""),
                                     row[0].value_or("").substr(0, 12), row[2].value_or("")));
        }
      }
    }
    auto ledger = TryLedger(*reader);
    if (ledger && ledger->contains("slow.csv") && ledger->at("slow.csv").sha256 != slow_sha) {
      partial.insert(fmt::format("landing_key: {} {}", ledger->at("slow.csv").status,
                                 ledger->at("slow.csv").sha256.substr(0, 12)));
    }
  };
  bool done = Eventually(
      [&] {
        watch_slow();
        return written.load();
      },
      kCatchUp);
  writer.join();
  ASSERT_TRUE(done);
  Expected expected = ExpectedOf(landing_, {});
  EXPECT_TRUE(Eventually(
      [&] {
        watch_slow();
        return CaughtUp(*reader, expected);
      },
      kCatchUp))
      << "the watcher did not catch up:\n"
      << Describe(TryLedger(*reader)) << watcher->Describe();
  EXPECT_TRUE(partial.empty()) << "the slow file was seen before it was complete: "
                               << *partial.begin();

  EXPECT_EQ(expected.sha256.size(), 4u);
  for (const std::string* content : {&slow, &copied, &moved, &renamed}) {
    EXPECT_EQ(
        Count(*reader, "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'loaded'",
              {Sha256Hex(*content)}),
        1);
  }
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM etl_file WHERE status <> 'loaded'"), 0);
  ExpectMirrors(*reader, landing_);
  EXPECT_TRUE(watcher->running()) << watcher->Describe();
}

TEST_F(WatchTest, TheSameContentDeliveredThreeTimesAndUnderOtherNamesLoadsOnce) {
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  auto watcher = StartWatch(db_, {"--rescan", "1", "--json"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *watcher));

  const std::string content = Generated(2000, 21);
  const std::vector<std::string> sha = {Sha256Hex(content)};
  for (int delivery = 0; delivery < 3; ++delivery) {
    landing_.Deliver("a.csv", content, Delivery::kCopy);
    WaitCaughtUp(*reader, landing_);
    Barrier(*reader, landing_);
  }
  landing_.Deliver("b.csv", content, Delivery::kMove);
  landing_.Deliver("nested/c.csv", content, Delivery::kCopy);
  WaitCaughtUp(*reader, landing_);
  Barrier(*reader, landing_);

  EXPECT_EQ(
      Count(*reader, "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'loaded'", sha),
      1)
      << "the content was loaded more than once (unloaded loads included)";
  int64_t file_id =
      Count(*reader, "SELECT file_id FROM etl_file WHERE sha256 = $1 AND status = 'loaded'", sha);
  EXPECT_EQ(
      Count(*reader, "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'failed'", sha),
      0);
  EXPECT_EQ(Count(*reader,
                  "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'skipped' AND "
                  "same_content_as = $2",
                  {sha[0], std::to_string(file_id)}),
            Count(*reader, "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'skipped'",
                  sha));
  EXPECT_EQ(Count(*reader,
                  "SELECT count(*) FROM landing_key WHERE sha256 = $1 AND status = 'loaded' AND "
                  "file_id = $2",
                  {sha[0], std::to_string(file_id)}),
            3)
      << "a.csv, b.csv and nested/c.csv each recorded as holding the content\n"
      << Describe(TryLedger(*reader));
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM fact_sales WHERE file_id = $1",
                  {std::to_string(file_id)}),
            Count(*reader, "SELECT rows_loaded FROM etl_file WHERE file_id = $1",
                  {std::to_string(file_id)}));
  ExpectMirrors(*reader, landing_);
  EXPECT_TRUE(watcher->running()) << watcher->Describe();
}

TEST_F(WatchTest, TheWarehouseMirrorsTheFolderAfterEveryChange) {
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  auto watcher = StartWatch(db_, {"--rescan", "1", "--json"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *watcher));
  ExpectEveryStepMirrored(*reader);
  EXPECT_TRUE(watcher->running()) << watcher->Describe();
  watcher->Signal(SIGTERM);
  ASSERT_TRUE(watcher->WaitExit(kExit)) << watcher->Describe();
  EXPECT_EQ(watcher->exit_code(), 0) << watcher->Describe();
}

// A key overwritten in place (as cp does) while the watcher is loading it: the load in hand
// may read some of the old bytes and some of the new, but what the warehouse ends with must
// still be the folder's content, also when another key brings the first content again. The
// overwrite comes at a range of moments after the load began, so that some land after the
// watcher hashed the file and before it finished reading it.
TEST_F(WatchTest, AKeyChangedWhileItLoadsEndsUpMirrored) {
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  auto watcher = StartWatch(db_, {"--rescan", "1", "--json"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *watcher));
  int round = 0;
  for (auto delay : {10ms, 20ms, 30ms, 40ms, 50ms, 60ms, 80ms, 100ms}) {
    ++round;
    SCOPED_TRACE(fmt::format("overwritten {} ms after the load began", delay.count()));
    const std::string first = Generated(20000, 70 + 2 * static_cast<uint64_t>(round));
    const std::string second = Generated(20000, 71 + 2 * static_cast<uint64_t>(round));
    // The copy's key sorts before the changed one: it is handled first in the scan that sees both.
    std::string key = fmt::format("race-{}.csv", round);
    int64_t runs = Count(*reader, "SELECT count(*) FROM etl_run");
    landing_.Deliver(key, first, Delivery::kMove);
    ASSERT_TRUE(Eventually(
        [&] {
          auto rows = TryRows(*reader, "SELECT count(*) FROM etl_run");
          return rows && std::stoll(rows->rows.at(0).at(0).value_or("0")) > runs;
        },
        kCatchUp, 1ms));
    std::this_thread::sleep_for(delay);
    landing_.Deliver(key, second, Delivery::kCopy);
    landing_.Deliver(fmt::format("race-{}-copy.csv", round), first, Delivery::kMove);
    WaitCaughtUp(*reader, landing_);
    // The ledger each round; the whole view once, at the end (an earlier round's keys are not
    // touched again), so that the rounds cost the same.
    ExpectLedgerMirrors(*reader, landing_);
    if (HasFailure()) return;
  }
  ExpectMirrors(*reader, landing_);
}

// Rounds of: start a watcher, drop a new or changed file, kill -9 the watcher after a random
// delay. Whenever it died, what the warehouse holds is consistent; after a last clean run, the
// warehouse mirrors the folder and no content was loaded twice.
TEST_F(WatchTest, KilledAtAnyMomentAWatcherNeitherLosesNorRepeatsAFile) {
  constexpr int kRounds = 30;
  constexpr uint64_t kSeed = 20240611;
  std::mt19937_64 random(kSeed);
  auto uniform = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  uint64_t next_seed = 1000;
  auto fresh_rows = [&](int64_t rows) { return Split(Generated(rows, next_seed++)).rows; };
  const std::string header = Split(Generated(1, 1)).header;

  std::map<std::string, std::vector<std::string>> history;  // each key's contents, oldest first
  std::map<std::string, int64_t> rows_by_sha;
  auto pick = [&]() -> std::string {
    auto it = history.begin();
    std::advance(it, uniform(0, static_cast<int64_t>(history.size()) - 1));
    return it->first;
  };
  auto new_key = [&] {
    return fmt::format("{}k{:02}.csv", uniform(0, 2) == 0 ? "east/" : "", history.size());
  };

  // Where the kills landed, for the record: before the watcher began a scan, during one (a run
  // left open), or after the dropped file was loaded.
  int killed_before = 0;
  int killed_during = 0;
  int killed_after = 0;
  int64_t open_runs = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::string key;
    std::string content;
    std::string what;
    int64_t choice = history.size() < 2 ? 0 : uniform(0, 99);
    if (choice < 30) {
      key = new_key();
      content = Csv(header, {fresh_rows(uniform(2000, 20000))});
      what = "a new key";
    } else if (choice < 55) {
      key = pick();
      content = Csv(header, {fresh_rows(uniform(2000, 20000))});
      what = "new content for a key";
    } else if (choice < 75) {
      key = pick();
      Lines other = Split(history[pick()].back()).rows;
      content = Csv(header, {Slice(other, 0, other.size() / 2), fresh_rows(uniform(1000, 4000))});
      what = "content half of it another key's";
    } else if (choice < 87) {
      std::string source = pick();
      key = uniform(0, 1) == 0 ? new_key() : pick();
      content = history[source].back();
      what = "a copy of " + source;
    } else {
      key = pick();
      const auto& held = history[key];
      content = held.size() >= 2
                    ? held[static_cast<size_t>(uniform(0, static_cast<int64_t>(held.size()) - 2))]
                    : Csv(header, {fresh_rows(uniform(2000, 20000))});
      what = "a key back to earlier content";
    }
    Delivery how = uniform(0, 1) == 0 ? Delivery::kCopy : Delivery::kMove;
    // Two delays in three within the first 300 ms, where the load of the file usually is.
    auto delay = std::chrono::milliseconds(uniform(0, uniform(0, 2) < 2 ? 300 : 1500));
    // Most rounds drop the file once the watcher watches (it prints its first line then), so
    // that it starts loading at once; the others while it is still starting.
    bool started = round % 4 != 3;
    SCOPED_TRACE(
        fmt::format("round {} (seed {}): {} under {}, {} {} the watcher started, "
                    "killed after {} ms",
                    round, kSeed, what, key, how == Delivery::kCopy ? "copied" : "moved",
                    started ? "once" : "before", delay.count()));

    auto watcher = StartWatch(db_, {"--rescan", "0.2"});
    if (started) {
      ASSERT_NO_FATAL_FAILURE(WaitWatching(*watcher));
    }
    landing_.Deliver(key, content, how);
    history[key].push_back(content);
    rows_by_sha[Sha256Hex(content)] = static_cast<int64_t>(Split(content).rows.size());
    std::this_thread::sleep_for(delay);
    watcher->Signal(SIGKILL);
    ASSERT_TRUE(watcher->WaitExit(kExit)) << watcher->Describe();

    // Whenever the watcher died, the warehouse is consistent: each loaded key holds a whole
    // content that key had, and the counts add up.
    auto reader = Open(db_);
    ASSERT_NE(reader, nullptr);
    auto version = reader->SchemaVersion();
    if (!version || *version < 2) {  // killed before it migrated
      ++killed_before;
      continue;
    }
    ExpectCountsAddUp(*reader);
    auto ledger = TryLedger(*reader);
    ASSERT_TRUE(ledger);
    int64_t now_open = Count(*reader, "SELECT count(*) FROM etl_run WHERE status = 'running'");
    if (ledger->contains(key) && ledger->at(key).sha256 == Sha256Hex(content)) {
      ++killed_after;
    } else if (now_open > open_runs) {
      ++killed_during;
    } else {
      ++killed_before;
    }
    open_runs = now_open;
    for (const auto& [ledger_key, entry] : *ledger) {
      EXPECT_EQ(entry.status, "loaded") << ledger_key << ": " << entry.error;
      EXPECT_EQ(entry.file_sha256, entry.sha256) << ledger_key;
      EXPECT_TRUE(entry.file_live) << ledger_key;
      bool held = false;
      for (const std::string& earlier : history[ledger_key])
        held |= Sha256Hex(earlier) == entry.sha256;
      EXPECT_TRUE(held) << ledger_key << ": holds a content it never had";
      auto rows = rows_by_sha.find(entry.sha256);
      if (rows != rows_by_sha.end()) {
        EXPECT_EQ(entry.file_rows_read, rows->second) << ledger_key << ": loaded in part";
      }
    }
    EXPECT_EQ(Rows(*reader, "PRAGMA integrity_check").rows.at(0).at(0), "ok");
    if (HasFailure()) return;
  }

  RecordProperty("killed_before_a_scan", killed_before);
  RecordProperty("killed_during_a_scan", killed_during);
  RecordProperty("killed_after_the_load", killed_after);
  std::printf("kills: %d before a scan, %d during one, %d after the file loaded\n", killed_before,
              killed_during, killed_after);

  auto last = StartWatch(db_, {"--once", "--rescan", "0.2"});
  ASSERT_TRUE(last->WaitExit(90s)) << last->Describe();
  EXPECT_EQ(last->exit_code(), 0) << last->Describe();
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  ExpectMirrors(*reader, landing_);
  // Every content the folder holds has one live loaded file, and only one.
  for (const auto& [key, content] : landing_.Keys()) {
    EXPECT_EQ(Count(*reader,
                    "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'loaded' AND "
                    "unloaded_at IS NULL",
                    {Sha256Hex(content)}),
              1)
        << key;
  }
  EXPECT_EQ(Rows(*reader, "PRAGMA integrity_check").rows.at(0).at(0), "ok");
}

TEST_F(WatchTest, ASecondWatcherOnTheSameSqliteWarehouseRefusesToStart) {
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  auto first = StartWatch(db_, {"--rescan", "1"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *first));
  landing_.Deliver("a.csv", Generated(1000, 41), Delivery::kMove);
  WaitCaughtUp(*reader, landing_);  // the first watcher holds the warehouse by now

  Landing other(dir_, "other-landing");
  for (const Landing* zone : {&landing_, &other}) {
    SCOPED_TRACE(zone->root());
    auto second = StartWatch(db_, {"--rescan", "1"}, zone);
    ASSERT_TRUE(second->WaitExit(kExit)) << second->Describe();
    EXPECT_EQ(second->exit_code(), 1) << second->Describe();
    std::string message = second->err();
    std::transform(message.begin(), message.end(), message.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    EXPECT_NE(message.find("another"), std::string::npos) << second->Describe();
    EXPECT_NE(message.find("watch"), std::string::npos) << second->Describe();
  }

  // The first watcher carries on, and its warehouse takes a watcher again once it stopped.
  EXPECT_TRUE(first->running()) << first->Describe();
  landing_.Deliver("b.csv", Generated(1000, 42), Delivery::kCopy);
  WaitCaughtUp(*reader, landing_);
  first->Signal(SIGTERM);
  ASSERT_TRUE(first->WaitExit(kExit)) << first->Describe();
  EXPECT_EQ(first->exit_code(), 0) << first->Describe();
  auto next = StartWatch(db_, {"--once", "--rescan", "0.2"});
  ASSERT_TRUE(next->WaitExit(kExit)) << next->Describe();
  EXPECT_EQ(next->exit_code(), 0) << next->Describe();
  ExpectMirrors(*reader, landing_);
}

// The key either holds its whole content or nothing: never part of it. Returns whether it holds it.
bool ExpectWholeOrNothing(Warehouse& watched, const std::string& key, const std::string& content) {
  auto ledger = TryLedger(watched);
  EXPECT_TRUE(ledger);
  if (!ledger) return false;
  std::string sha = Sha256Hex(content);
  bool whole = ledger->contains(key);
  if (whole) {
    const LedgerEntry& entry = ledger->at(key);
    EXPECT_EQ(entry.status, "loaded") << key << ": " << entry.error;
    EXPECT_EQ(entry.sha256, sha) << key;
    EXPECT_EQ(entry.file_rows_read, static_cast<int64_t>(Split(content).rows.size())) << key;
  } else {
    EXPECT_EQ(Count(watched,
                    "SELECT count(*) FROM etl_file WHERE sha256 = $1 AND status = 'loaded'", {sha}),
              0)
        << key << ": its content loaded without its ledger entry";
  }
  ExpectCountsAddUp(watched);
  return whole;
}

TEST_F(WatchTest, SigtermStopsTheWatcherCleanlyEvenDuringALoad) {
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  {
    SCOPED_TRACE("idle");
    auto watcher = StartWatch(db_, {"--rescan", "1"});
    ASSERT_NO_FATAL_FAILURE(WaitWatching(*watcher));
    ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *watcher));
    watcher->Signal(SIGTERM);
    ASSERT_TRUE(watcher->WaitExit(kExit)) << watcher->Describe();
    EXPECT_EQ(watcher->exit_code(), 0) << watcher->Describe();
  }
  // A load begins with its run record (written before the file's transaction): a stop signalled
  // as soon as that appears finds the watcher loading.
  int load = 0;
  auto start_a_load = [&](TillProcess& watcher, std::string* key, std::string* content) {
    int64_t runs = Count(*reader, "SELECT count(*) FROM etl_run");
    *key = fmt::format("load-{}.csv", ++load);
    *content = Generated(20000, 50 + static_cast<uint64_t>(load));
    landing_.Deliver(*key, *content, Delivery::kMove);
    bool loading = Eventually(
        [&] {
          auto rows = TryRows(*reader, "SELECT count(*) FROM etl_run");
          return (rows && std::stoll(rows->rows.at(0).at(0).value_or("0")) > runs) ||
                 !watcher.running();
        },
        kCatchUp, 1ms);
    EXPECT_TRUE(loading && watcher.running()) << watcher.Describe();
  };
  int loads_finished = 0;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(fmt::format("during load {}", round + 1));
    auto watcher = StartWatch(db_, {"--rescan", "1"});
    ASSERT_NO_FATAL_FAILURE(WaitWatching(*watcher));
    std::string key;
    std::string content;
    start_a_load(*watcher, &key, &content);
    auto signalled = SteadyClock::now();
    watcher->Signal(SIGTERM);
    ASSERT_TRUE(watcher->WaitExit(kExit)) << watcher->Describe();
    EXPECT_EQ(watcher->exit_code(), 0) << watcher->Describe();
    std::chrono::duration<double> took = SteadyClock::now() - signalled;
    loads_finished += ExpectWholeOrNothing(*reader, key, content) ? 1 : 0;
    EXPECT_EQ(Count(*reader, "SELECT count(*) FROM etl_run WHERE status = 'running'"), 0)
        << "a clean stop left its run open (stopped " << took.count() << " s after the signal)";
  }
  {
    SCOPED_TRACE("a second signal during a load");
    auto watcher = StartWatch(db_, {"--rescan", "1"});
    ASSERT_NO_FATAL_FAILURE(WaitWatching(*watcher));
    std::string key;
    std::string content;
    start_a_load(*watcher, &key, &content);
    // Two different signals, so that the second cannot merge with the first while pending.
    watcher->Signal(SIGTERM);
    watcher->Signal(SIGINT);
    ASSERT_TRUE(watcher->WaitExit(5s)) << "a second signal did not stop the watcher at once\n"
                                       << watcher->Describe();
    bool whole = ExpectWholeOrNothing(*reader, key, content);
    std::printf(
        "stopped during loads: %d of 3 finished their file; after two signals the file "
        "was %s (exit %d)\n",
        loads_finished, whole ? "whole" : "absent", watcher->exit_code());
  }
  auto last = StartWatch(db_, {"--once", "--rescan", "0.2"});
  ASSERT_TRUE(last->WaitExit(kExit)) << last->Describe();
  EXPECT_EQ(last->exit_code(), 0) << last->Describe();
  ExpectMirrors(*reader, landing_);
}

TEST_F(WatchTest, OnPostgresqlTheWarehouseMirrorsTheFolderAfterEveryChange) {
  testing::PgCluster& cluster = testing::SharedPgCluster();
  std::string database = testing::UniqueDatabaseName();
  std::string error;
  ASSERT_TRUE(cluster.CreateDatabase(database, &error)) << error;
  std::string url = cluster.Url(database);
  auto reader = Open(url);
  ASSERT_NE(reader, nullptr);
  auto watcher = StartWatch(url, {"--rescan", "1", "--json"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *watcher));
  ExpectEveryStepMirrored(*reader);
  EXPECT_TRUE(watcher->running()) << watcher->Describe();
  watcher->Signal(SIGTERM);
  ASSERT_TRUE(watcher->WaitExit(kExit)) << watcher->Describe();
  EXPECT_EQ(watcher->exit_code(), 0) << watcher->Describe();
}

// Two watchers on one PostgreSQL landing zone share its files: each file is loaded once, by one
// of them, and together they leave the warehouse mirroring the folder.
TEST_F(WatchTest, OnPostgresqlTwoWatchersShareFiftyFilesEachLoadedOnce) {
  testing::PgCluster& cluster = testing::SharedPgCluster();
  std::string database = testing::UniqueDatabaseName();
  std::string error;
  ASSERT_TRUE(cluster.CreateDatabase(database, &error)) << error;
  std::string url = cluster.Url(database);
  auto reader = Open(url);
  ASSERT_NE(reader, nullptr);
  auto first = StartWatch(url, {"--rescan", "0.3", "--json"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *first));
  auto second = StartWatch(url, {"--rescan", "0.3", "--json"});
  for (int i = 0; i < 50; ++i) {
    landing_.Deliver(fmt::format("f{:02}.csv", i), Generated(300, 5000 + static_cast<uint64_t>(i)),
                     Delivery::kMove);
  }
  WaitCaughtUp(*reader, landing_);
  ExpectMirrors(*reader, landing_);
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM etl_file WHERE status = 'loaded'"), 50);
  EXPECT_EQ(Count(*reader, "SELECT count(DISTINCT sha256) FROM etl_file WHERE status = 'loaded'"),
            50);
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM etl_file WHERE status = 'failed'"), 0);
  // Each file was handled by one watcher only: the other never met it, not even to skip it.
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM etl_file WHERE status = 'skipped'"), 0);
  // Both took part: each printed at least one loaded file.
  auto loaded_by = [](const TillProcess& watcher) {
    const std::string out = watcher.out();
    size_t count = 0;
    for (size_t at = out.find("\"status\":\"loaded\""); at != std::string::npos;
         at = out.find("\"status\":\"loaded\"", at + 1)) {
      ++count;
    }
    return count;
  };
  EXPECT_GT(loaded_by(*first), 0u) << first->Describe();
  EXPECT_GT(loaded_by(*second), 0u) << second->Describe();
  EXPECT_EQ(loaded_by(*first) + loaded_by(*second), 50u) << first->Describe() << second->Describe();
  for (TillProcess* watcher : {first.get(), second.get()}) {
    watcher->Signal(SIGTERM);
    ASSERT_TRUE(watcher->WaitExit(kExit)) << watcher->Describe();
    EXPECT_EQ(watcher->exit_code(), 0) << watcher->Describe();
  }
}

// A file deleted from the zone takes out the rows only it held; a file renamed within the zone
// keeps them; with --keep-deleted a deleted file's rows stay.
TEST_F(WatchTest, ADeletedFileTakesOutOnlyTheRowsItAloneHeld) {
  auto reader = Open(db_);
  ASSERT_NE(reader, nullptr);
  auto watcher = StartWatch(db_, {"--rescan", "0.3", "--json"});
  ASSERT_NO_FATAL_FAILURE(WaitReady(*reader, *watcher));
  const std::string a = Generated(1000, 61);
  const CsvLines a_lines = Split(a);
  landing_.Deliver("a.csv", a, Delivery::kMove);
  landing_.Deliver("b.csv", Csv(a_lines.header, {Slice(a_lines.rows, 0, 400)}), Delivery::kMove);
  landing_.Deliver("c.csv", Generated(300, 62), Delivery::kMove);
  WaitCaughtUp(*reader, landing_);
  ExpectMirrors(*reader, landing_);

  auto forgotten = [&](const std::string& key) {
    return Eventually(
        [&] {
          auto ledger = TryLedger(*reader);
          return ledger && !ledger->contains(key);
        },
        kCatchUp);
  };
  fs::remove(landing_.PathOf("a.csv"));
  ASSERT_TRUE(forgotten("a.csv")) << watcher->Describe();
  WaitCaughtUp(*reader, landing_);
  ExpectMirrors(*reader, landing_);
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM fact_sales"), 700);

  // Renamed: the new key holds the content before the old one lets go; nothing is reloaded.
  int64_t loaded_before = Count(*reader, "SELECT count(*) FROM etl_file WHERE status = 'loaded'");
  fs::rename(landing_.PathOf("c.csv"), landing_.PathOf("c2.csv"));
  ASSERT_TRUE(forgotten("c.csv")) << watcher->Describe();
  WaitCaughtUp(*reader, landing_);
  ExpectMirrors(*reader, landing_);
  EXPECT_EQ(Count(*reader,
                  "SELECT count(*) FROM etl_file WHERE status = 'loaded' AND "
                  "unloaded_at IS NULL"),
            loaded_before - 1);  // a.csv's file only
  watcher->Signal(SIGTERM);
  ASSERT_TRUE(watcher->WaitExit(kExit)) << watcher->Describe();

  auto keeper = StartWatch(db_, {"--rescan", "0.3", "--keep-deleted"});
  ASSERT_NO_FATAL_FAILURE(WaitWatching(*keeper));
  fs::remove(landing_.PathOf("b.csv"));
  Barrier(*reader, landing_);
  EXPECT_EQ(Count(*reader,
                  "SELECT count(*) FROM fact_sales WHERE file_id IN (SELECT file_id FROM "
                  "landing_key WHERE key = 'b.csv')"),
            400);
  keeper->Signal(SIGTERM);
  ASSERT_TRUE(keeper->WaitExit(kExit)) << keeper->Describe();
}

}  // namespace
}  // namespace till
