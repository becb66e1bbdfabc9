#include "base/byte_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace till {
namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, std::string path, int64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<size_t> Read(char* buffer, size_t size) override {
    for (;;) {
      ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      return MakeError(ErrorCode::kIoError,
                       fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
    }
  }

  int64_t SizeHint() const override { return size_; }

 private:
  int fd_;
  std::string path_;
  int64_t size_;
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    size_t n = std::min(size, data_.size() - offset_);
    std::memcpy(buffer, data_.data() + offset_, n);
    offset_ += n;
    return n;
  }

  int64_t SizeHint() const override { return static_cast<int64_t>(data_.size()); }

 private:
  std::string data_;
  size_t offset_ = 0;
};

class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    if (offset_ < prefix_.size()) {
      size_t n = std::min(size, prefix_.size() - offset_);
      std::memcpy(buffer, prefix_.data() + offset_, n);
      offset_ += n;
      return n;
    }
    return rest_->Read(buffer, size);
  }

  int64_t SizeHint() const override { return rest_->SizeHint(); }

 private:
  std::string prefix_;
  size_t offset_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

class CrToLfSource final : public ByteSource {
 public:
  explicit CrToLfSource(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    auto n = source_->Read(buffer, size);
    if (n) std::replace(buffer, buffer + *n, '\r', '\n');
    return n;
  }

  int64_t SizeHint() const override { return source_->SizeHint(); }

 private:
  std::unique_ptr<ByteSource> source_;
};

}  // namespace

std::unique_ptr<ByteSource> MakeCrToLfSource(std::unique_ptr<ByteSource> source) {
  return std::make_unique<CrToLfSource>(std::move(source));
}

std::unique_ptr<ByteSource> MakePrefixedSource(std::string prefix,
                                               std::unique_ptr<ByteSource> rest) {
  return std::make_unique<PrefixedSource>(std::move(prefix), std::move(rest));
}

Result<std::string> ReadPrefix(ByteSource& source, size_t size) {
  std::string prefix(size, '\0');
  size_t filled = 0;
  while (filled < size) {
    auto n = source.Read(prefix.data() + filled, size - filled);
    TILL_RETURN_IF_ERROR(n);
    if (*n == 0) break;
    filled += *n;
  }
  prefix.resize(filled);
  return prefix;
}

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. It is cleared
  // once the file is known to be a regular one, where it changes nothing anyway.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError,
                     fmt::format("{}: cannot open: {}", path, std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return MakeError(ErrorCode::kIoError,
                     fmt::format("{}: cannot open: {}", path, std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    // A FIFO, a device (/dev/zero, /dev/urandom) or a socket may never end: only regular files
    // (or links to them) are read, as a folder's scan lists them.
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: not a regular file ({}); only regular files are read", path,
                                 S_ISDIR(st.st_mode)    ? "a folder"
                                 : S_ISFIFO(st.st_mode) ? "a named pipe"
                                 : S_ISCHR(st.st_mode)  ? "a character device"
                                 : S_ISBLK(st.st_mode)  ? "a block device"
                                 : S_ISSOCK(st.st_mode) ? "a socket"
                                                        : "not a file"));
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteSource>(
      std::make_unique<FileSource>(fd, path, static_cast<int64_t>(st.st_size)));
}

std::unique_ptr<ByteSource> MakeStringSource(std::string data) {
  return std::make_unique<StringSource>(std::move(data));
}

}  // namespace till
