#include "warehouse/load/claim_runs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

namespace till {
namespace {

bool Before(const RowHash& a, const RowHash& b) {
  return std::tie(a.high, a.low) < std::tie(b.high, b.low);
}

Unexpected<Error> FileError(const std::string& what, int error) {
  return MakeError(ErrorCode::kIoError,
                   fmt::format("{} the row hashes written so far: {}", what, std::strerror(error)));
}

}  // namespace

ClaimRuns::~ClaimRuns() {
  if (fd_ >= 0) ::close(fd_);
}

Status ClaimRuns::Add(std::vector<RowHash>& hashes) {
  if (hashes.empty()) return {};
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
  std::sort(hashes.begin(), hashes.end(), Before);
  Run run{written_, hashes.size(), {}};
  run.fences.reserve((hashes.size() + kBlock - 1) / kBlock);
  for (size_t i = 0; i < hashes.size(); i += kBlock) run.fences.push_back(hashes[i]);
  const auto* bytes = reinterpret_cast<const char*>(hashes.data());
  size_t size = hashes.size() * sizeof(RowHash);
  off_t at = static_cast<off_t>(written_ * sizeof(RowHash));
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, bytes, size, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FileError("writing", n < 0 ? errno : ENOSPC);
    bytes += n;
    at += n;
    size -= static_cast<size_t>(n);
  }
  written_ += hashes.size();
  runs_.push_back(std::move(run));
  return {};
}

Result<bool> ClaimRuns::Holds(const RowHash& hash) const {
  for (const Run& run : runs_) {
    // The block that would hold it: the last whose first hash is not after it.
    const auto fence = std::upper_bound(run.fences.begin(), run.fences.end(), hash, Before);
    if (fence == run.fences.begin()) continue;
    const size_t block = static_cast<size_t>(fence - run.fences.begin()) - 1;
    const size_t count = std::min(kBlock, run.count - block * kBlock);
    block_.resize(count);
    auto* bytes = reinterpret_cast<char*>(block_.data());
    size_t size = count * sizeof(RowHash);
    off_t at = static_cast<off_t>((run.first + block * kBlock) * sizeof(RowHash));
    while (size > 0) {
      const ssize_t n = ::pread(fd_, bytes, size, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return FileError("reading", n < 0 ? errno : EIO);
      bytes += n;
      at += n;
      size -= static_cast<size_t>(n);
    }
    if (std::binary_search(block_.begin(), block_.end(), hash, Before)) return true;
  }
  return false;
}

}  // namespace till
