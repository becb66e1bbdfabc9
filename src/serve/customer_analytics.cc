#include "serve/customer_analytics.h"

#include <algorithm>
#include <future>
#include <mutex>
#include <vector>

namespace till {
namespace {

using Answer = Result<std::shared_ptr<const segment::Segmentation>>;

// The few latest segmentations; an entry whose cube was replaced is dropped.
struct Entry {
  std::weak_ptr<const Cube> cube;
  std::string key;
  std::shared_future<Answer> answer;
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

}  // namespace

Answer SegmentSales(const std::shared_ptr<const Cube>& cube, const Selection& selection,
                    const std::string& key) {
  std::promise<Answer> promise;
  std::shared_future<Answer> answer;
  bool computing = false;
  {
    std::lock_guard lock(CacheMutex());
    auto& entries = Cache();
    std::erase_if(entries, [](const Entry& e) { return e.cube.expired(); });
    for (const Entry& e : entries) {
      if (e.key == key && e.cube.lock() == cube) answer = e.answer;
    }
    if (!answer.valid()) {
      computing = true;
      answer = promise.get_future().share();
      if (entries.size() >= kEntries) entries.erase(entries.begin());
      entries.push_back(Entry{cube, key, answer});
    }
  }
  if (computing) {
    try {
      promise.set_value(Compute(*cube, selection));
    } catch (...) {
      // Those waiting get the exception too; the entry goes, so a later request tries again.
      promise.set_exception(std::current_exception());
      std::lock_guard lock(CacheMutex());
      std::erase_if(Cache(), [&](const Entry& e) { return e.key == key && e.cube.lock() == cube; });
    }
  }
  return answer.get();  // waits while another request computes it
}

}  // namespace till
