#include "warehouse/load/claim_runs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <queue>
#include <type_traits>

namespace till {
namespace {

static_assert(std::is_trivially_copyable_v<RowClaim> && sizeof(RowClaim) == 32,
              "claims are written to the file as they are in memory");

bool ClaimBefore(const RowClaim& a, const RowClaim& b) { return ClaimRuns::Before(a.hash, b.hash); }

Unexpected<Error> FileError(const std::string& what, int error) {
  return MakeError(ErrorCode::kIoError,
                   fmt::format("{} the row hashes written so far: {}", what, std::strerror(error)));
}

// Moves `size` bytes between `bytes` and the file at `at` with `transfer` (pread or pwrite),
// which may move fewer at a time.
template <typename Transfer, typename Bytes>
Status Whole(Transfer transfer, int fd, Bytes* bytes, size_t size, off_t at, const char* what,
             int short_error) {
  while (size > 0) {
    const ssize_t n = transfer(fd, bytes, size, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FileError(what, n < 0 ? errno : short_error);
    bytes += n;
    at += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

bool ClaimRuns::Before(const RowHash& a, const RowHash& b) {
  return std::memcmp(&a, &b, sizeof(RowHash)) < 0;
}

ClaimRuns::~ClaimRuns() {
  if (fd_ >= 0) ::close(fd_);
}

Status ClaimRuns::Add(std::vector<RowClaim>& claims) {
  if (claims.empty()) return {};
  if (fd_ < 0) {
    std::error_code ec;
    const std::filesystem::path folder = std::filesystem::temp_directory_path(ec);
    if (ec) return FileError("finding the temporary folder ($TMPDIR, else /tmp) for", ec.value());
    // Unnamed: the file goes with its descriptor, whatever ends the process.
    fd_ = ::open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      return FileError(fmt::format("opening a file in {} for", folder.string()), errno);
    }
  }
  std::sort(claims.begin(), claims.end(), ClaimBefore);
  const uint64_t end = runs_.empty() ? 0 : runs_.back().first + runs_.back().count;
  Run run{end, claims.size(), {}};
  run.fences.reserve((claims.size() + kBlock - 1) / kBlock);
  for (size_t i = 0; i < claims.size(); i += kBlock) run.fences.push_back(claims[i].hash);
  TILL_RETURN_IF_ERROR(Whole(::pwrite, fd_, reinterpret_cast<const char*>(claims.data()),
                             claims.size() * sizeof(RowClaim),
                             static_cast<off_t>(end * sizeof(RowClaim)), "writing", ENOSPC));
  runs_.push_back(std::move(run));
  return {};
}

Status ClaimRuns::Read(uint64_t at, size_t count, RowClaim* into) const {
  return Whole(::pread, fd_, reinterpret_cast<char*>(into), count * sizeof(RowClaim),
               static_cast<off_t>(at * sizeof(RowClaim)), "reading", EIO);
}

Result<bool> ClaimRuns::Holds(const RowHash& hash) const {
  for (const Run& run : runs_) {
    // The block that would hold it: the last whose first hash is not after it.
    const auto fence = std::upper_bound(run.fences.begin(), run.fences.end(), hash, Before);
    if (fence == run.fences.begin()) continue;
    const size_t block = static_cast<size_t>(fence - run.fences.begin()) - 1;
    block_.resize(std::min(kBlock, run.count - block * kBlock));
    TILL_RETURN_IF_ERROR(Read(run.first + block * kBlock, block_.size(), block_.data()));
    if (std::binary_search(block_.begin(), block_.end(), RowClaim{hash, 0, 0}, ClaimBefore)) {
      return true;
    }
  }
  return false;
}

Status ClaimRuns::Merge(std::vector<RowClaim>& last, size_t chunk,
                        const std::function<Status(std::span<RowClaim>)>& write) const {
  std::sort(last.begin(), last.end(), ClaimBefore);
  // Each run is read a buffer at a time; `last` is a run already in memory.
  struct Cursor {
    uint64_t next = 0;  // in the file: the next claim to read
    uint64_t end = 0;
    std::vector<RowClaim> buffer;
    size_t at = 0;
  };
  constexpr size_t kBuffer = 2048;  // claims, 64 KiB
  std::vector<Cursor> cursors(runs_.size() + 1);
  auto refill = [&](size_t i) -> Status {
    Cursor& cursor = cursors[i];
    cursor.at = 0;
    cursor.buffer.resize(
        static_cast<size_t>(std::min<uint64_t>(kBuffer, cursor.end - cursor.next)));
    TILL_RETURN_IF_ERROR(Read(cursor.next, cursor.buffer.size(), cursor.buffer.data()));
    cursor.next += cursor.buffer.size();
    return {};
  };
  // The cursors whose next claim comes first, first.
  auto later = [&](size_t a, size_t b) {
    return ClaimBefore(cursors[b].buffer[cursors[b].at], cursors[a].buffer[cursors[a].at]);
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heads(later);
  for (size_t i = 0; i < runs_.size(); ++i) {
    cursors[i].next = runs_[i].first;
    cursors[i].end = runs_[i].first + runs_[i].count;
    TILL_RETURN_IF_ERROR(refill(i));
    heads.push(i);
  }
  cursors.back().buffer = std::move(last);
  if (!cursors.back().buffer.empty()) heads.push(runs_.size());
  std::vector<RowClaim> out;
  out.reserve(chunk);
  while (!heads.empty()) {
    const size_t i = heads.top();
    heads.pop();
    Cursor& cursor = cursors[i];
    out.push_back(cursor.buffer[cursor.at++]);
    if (out.size() == chunk) {
      TILL_RETURN_IF_ERROR(write(out));
      out.clear();
    }
    if (cursor.at == cursor.buffer.size()) {
      if (cursor.next == cursor.end) continue;  // the run in memory, or a run read to its end
      TILL_RETURN_IF_ERROR(refill(i));
    }
    heads.push(i);
  }
  last = std::move(cursors.back().buffer);
  if (!out.empty()) return write(out);
  return {};
}

}  // namespace till
