#include "landing/folder_zone.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "landing/landing_zone.h"
#include "landing/s3_zone.h"

namespace till {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A file with no inotify news counts as written once it has not changed for this long.
constexpr auto kQuietPeriod = std::chrono::seconds(1);
// A file opened for writing and never closed counts as abandoned after this long unchanged.
constexpr auto kAbandoned = std::chrono::minutes(10);

bool HasRawExtension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".csv" || extension == ".tsv";
}

// Names writers use while a file is not complete yet, and hidden files.
bool IsScratchName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.back() == '~') return true;
  for (std::string_view suffix : {".tmp", ".part", ".partial", ".crdownload", ".filepart"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
  }
  return false;
}

// A folder: inotify tells promptly when a file is closed after writing or moved in, and which
// files are open for writing; a rescan (the watcher's) catches whatever inotify missed — its
// queue can overflow, and files that were there before the watch began have no events.
class FolderZone final : public LandingZone {
 public:
  explicit FolderZone(fs::path root)
      : root_(std::move(root)), uri_(fmt::format("file://{}/", root_.string())) {
    inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_ >= 0) WatchTree(root_);
  }
  ~FolderZone() override {
    if (inotify_ >= 0) close(inotify_);
  }

  const std::string& uri() const override { return uri_; }

  Result<std::vector<LandingObject>> List() override {
    Drain();
    auto files = ListRawFiles(root_);
    TILL_RETURN_IF_ERROR(files);
    std::vector<LandingObject> objects;
    const auto now = Clock::now();
    const auto wall_now = fs::file_time_type::clock::now();
    for (FolderFile& file : *files) {
      struct stat info {};
      if (::stat(file.path.c_str(), &info) != 0) continue;  // gone since listed
      LandingObject& object = objects.emplace_back();
      object.path = file.path.string();
      object.key = std::move(file.key);
      object.size = static_cast<int64_t>(info.st_size);
      int64_t mtime_ns =
          static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
      object.version = fmt::format("{}:{}:{}", mtime_ns, info.st_size, info.st_ino);
      std::error_code ec;
      auto modified = fs::last_write_time(file.path, ec);
      auto age = ec ? std::chrono::nanoseconds(0) : wall_now - modified;
      auto state = writing_.find(object.path);
      if (state != writing_.end()) {
        // Opened for writing and not closed yet: wait for the close, unless the writer is gone.
        object.settled = now - state->second > kAbandoned;
      } else {
        object.settled = closed_.count(object.path) > 0 || age >= kQuietPeriod;
      }
    }
    return objects;
  }

  Result<LocalCopy> Fetch(const LandingObject& object) override {
    return LocalCopy(object.path, /*temporary=*/false);
  }

  std::chrono::milliseconds default_rescan() const override { return std::chrono::seconds(2); }

  bool Wait(std::chrono::milliseconds timeout) override {
    if (inotify_ < 0) {
      ::poll(nullptr, 0, static_cast<int>(timeout.count()));
      return false;
    }
    pollfd descriptor{inotify_, POLLIN, 0};
    if (::poll(&descriptor, 1, static_cast<int>(timeout.count())) <= 0) return false;
    // Let a burst of events (a copy of many files) arrive before listing.
    ::poll(nullptr, 0, 20);
    return Drain();
  }

 private:
  void WatchTree(const fs::path& folder) {
    constexpr uint32_t kMask =
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_DELETE;
    int wd = inotify_add_watch(inotify_, folder.c_str(), kMask);
    if (wd >= 0) folders_[wd] = folder;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      if (it->is_directory(ec) && !IsScratchName(it->path().filename().string())) {
        WatchTree(it->path());
      }
    }
  }

  // Reads every pending event and keeps which files are being written and which were closed.
  // True when a file was closed after writing or moved in: worth a look.
  bool Drain() {
    bool news = false;
    if (inotify_ < 0) return news;
    alignas(inotify_event) char buffer[16384];
    for (;;) {
      ssize_t got = ::read(inotify_, buffer, sizeof buffer);
      if (got <= 0) return news;
      for (char* at = buffer; at < buffer + got;) {
        auto* event = reinterpret_cast<inotify_event*>(at);
        at += sizeof(inotify_event) + event->len;
        if (event->mask & IN_Q_OVERFLOW) {
          // Events were lost: forget what they would have said; the quiet period decides.
          writing_.clear();
          news = true;
          continue;
        }
        auto folder = folders_.find(event->wd);
        if (folder == folders_.end() || event->len == 0) continue;
        fs::path path = folder->second / event->name;
        std::string key = path.string();
        if (event->mask & IN_ISDIR) {
          if (event->mask & (IN_CREATE | IN_MOVED_TO)) {
            WatchTree(path);
            news = true;
          }
          continue;
        }
        if (event->mask & (IN_CREATE | IN_MODIFY)) {
          writing_[key] = Clock::now();
          closed_.erase(key);
        } else if (event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
          writing_.erase(key);
          closed_.insert(key);
          news = true;
        } else if (event->mask & (IN_DELETE | IN_MOVED_FROM)) {
          writing_.erase(key);
          closed_.erase(key);
        }
      }
    }
  }

  fs::path root_;
  std::string uri_;
  int inotify_ = -1;
  std::unordered_map<int, fs::path> folders_;
  std::unordered_map<std::string, Clock::time_point> writing_;  // open for writing since
  std::set<std::string> closed_;  // closed after writing or moved in, since the last change
};

}  // namespace

LocalCopy::~LocalCopy() {
  if (temporary_) {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);  // after the removal: no sweep can take it meanwhile
}

Result<std::vector<FolderFile>> ListRawFiles(const fs::path& folder) {
  std::vector<FolderFile> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("cannot list {}: {}", folder.string(), ec.message()));
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& path = it->path();
    if (IsScratchName(path.filename().string())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !HasRawExtension(path)) continue;
    files.push_back(FolderFile{path, fs::relative(path, folder, ec).generic_string()});
  }
  std::sort(files.begin(), files.end(),
            [](const FolderFile& a, const FolderFile& b) { return a.key < b.key; });
  return files;
}

bool HasRawExtension(std::string_view name) { return HasRawExtension(fs::path(name)); }

Result<std::unique_ptr<LandingZone>> OpenLandingZone(const std::string& location) {
  if (location.starts_with("s3://")) return OpenS3Zone(location);
  std::string path = location;
  if (path.starts_with("file://")) path = path.substr(7);
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec || !fs::is_directory(root, ec)) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{}: not a folder", location));
  }
  return std::unique_ptr<LandingZone>(std::make_unique<FolderZone>(root));
}

}  // namespace till
