#include "serve/customer_analytics.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <vector>

namespace till {
namespace {

using Answer = Result<std::shared_ptr<const segment::Segmentation>>;

// A segmentation that one caller computes (call_once: whoever comes first, a request or the
// background job) and every caller waits for.
struct Pending {
  Selection selection;
  std::once_flag once;
  std::promise<Answer> promise;
  std::shared_future<Answer> answer = promise.get_future().share();
};

// The few latest segmentations; an entry whose cube was replaced is dropped.
struct Entry {
  std::weak_ptr<const Cube> cube;
  std::string key;
  std::shared_ptr<Pending> pending;
};
constexpr size_t kEntries = 16;

std::mutex& CacheMutex() {
  static std::mutex mutex;
  return mutex;
}
std::vector<Entry>& Cache() {
  static std::vector<Entry> entries;
  return entries;
}
std::atomic<int64_t> computed{0};

// Equal selections, equal keys.
std::string SelectionKey(const Selection& selection) {
  std::string key =
      fmt::format("{}:{}", selection.from.value_or(kNoDay), selection.to.value_or(kNoDay));
  for (size_t d = 0; d < kDimCount; ++d) {
    std::vector<uint32_t> members = selection.members[d];
    if (members.empty()) continue;
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    key += fmt::format("|{}={}", d, fmt::join(members, ","));
  }
  return key;
}

Answer Compute(const Cube& cube, const Selection& selection) {
  segment::OrderBook book;
  cube.CustomerSales(selection, [&](const Cube::CustomerSale& sale) {
    book.Add(sale.customer_id, sale.transaction_id, sale.day, sale.amount);
  });
  if (!book.last_day()) {
    return MakeError(ErrorCode::kInvalidArgument, "no sale of the selection has a customer id");
  }
  segment::SegmentOptions options;
  options.as_of_day = selection.to.value_or(cube.last_day().value_or(*book.last_day()));
  auto segmentation = segment::Segment(book, options);
  TILL_RETURN_IF_ERROR(segmentation);
  return std::make_shared<const segment::Segmentation>(std::move(*segmentation));
}

// The entry of `cube` and `selection`, made when there is none; `made` says which.
std::shared_ptr<Pending> Claim(const std::shared_ptr<const Cube>& cube, const Selection& selection,
                               bool& made) {
  const std::string key = SelectionKey(selection);
  std::lock_guard lock(CacheMutex());
  auto& entries = Cache();
  std::erase_if(entries, [](const Entry& e) { return e.cube.expired(); });
  for (const Entry& e : entries) {
    if (e.key == key && e.cube.lock() == cube) {
      made = false;
      return e.pending;
    }
  }
  made = true;
  auto pending = std::make_shared<Pending>();
  pending->selection = selection;
  if (entries.size() >= kEntries) entries.erase(entries.begin());
  entries.push_back(Entry{cube, key, pending});
  return pending;
}

// Computes `pending` unless someone has; waits while another thread computes it.
void Run(const std::shared_ptr<const Cube>& cube, const std::shared_ptr<Pending>& pending) {
  std::call_once(pending->once, [&] {
    ++computed;
    try {
      pending->promise.set_value(Compute(*cube, pending->selection));
    } catch (...) {
      // Those waiting get the exception too; the entry goes, so a later request tries again.
      pending->promise.set_exception(std::current_exception());
      std::lock_guard lock(CacheMutex());
      std::erase_if(Cache(), [&](const Entry& e) { return e.pending == pending; });
    }
  });
}

}  // namespace

std::optional<Selection> DefaultCustomersSelection(const Cube& cube) {
  if (!cube.last_day()) return std::nullopt;
  Selection selection;
  selection.to = *cube.last_day();
  selection.from = *selection.to - (kDashboardDefaultDays - 1);
  return selection;
}

Answer SegmentSales(const std::shared_ptr<const Cube>& cube, const Selection& selection) {
  bool made = false;
  auto pending = Claim(cube, selection, made);
  Run(cube, pending);
  return pending->answer.get();
}

bool SegmentSalesLater(const std::shared_ptr<const Cube>& cube, const Selection& selection,
                       const std::function<void(std::function<void()>)>& post) {
  bool made = false;
  auto pending = Claim(cube, selection, made);
  if (!made) return false;
  // The job holds the cube weakly: a cube replaced before the job starts is not segmented.
  post([weak = std::weak_ptr<const Cube>(cube), pending] {
    if (auto held = weak.lock()) Run(held, pending);
  });
  return true;
}

bool SegmentationReady(const std::shared_ptr<const Cube>& cube, const Selection& selection) {
  const std::string key = SelectionKey(selection);
  std::lock_guard lock(CacheMutex());
  for (const Entry& e : Cache()) {
    if (e.key == key && e.cube.lock() == cube) {
      return e.pending->answer.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    }
  }
  return false;
}

int64_t SegmentationsComputed() { return computed.load(); }

}  // namespace till
