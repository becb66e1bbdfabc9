#include "serve/cube_file.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include "base/sha256.h"

namespace till {
namespace {

constexpr char kMagic[8] = {'T', 'I', 'L', 'L', 'C', 'U', 'B', 'E'};
constexpr size_t kHeaderBytes =
    sizeof(kMagic) + sizeof(uint32_t) + sizeof(uint64_t) + sizeof(uint32_t);

struct FileCloser {
  void operator()(FILE* file) const {
    if (file) std::fclose(file);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

}  // namespace

// Written by hand rather than with a serialization library: the cube is a few flat arrays, and
// writing them as they lie in memory (one fwrite each) is what makes reading them back run at
// disk speed; a schema'd format would copy every value once more.
class CubeFileWriter {
 public:
  explicit CubeFileWriter(FILE* file) : file_(file) {}

  void Bytes(const void* data, size_t size) {
    if (size == 0 || !ok_) return;
    ok_ = std::fwrite(data, 1, size, file_) == size;
    crc_ = crc32_z(crc_, static_cast<const Bytef*>(data), size);
    size_ += size;
  }
  template <typename T>
  void Value(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    Bytes(&value, sizeof(value));
  }
  template <typename T>
  void Vector(const std::vector<T>& values) {
    Value<uint64_t>(values.size());
    Bytes(values.data(), values.size() * sizeof(T));
  }
  void String(std::string_view text) {
    Value<uint64_t>(text.size());
    Bytes(text.data(), text.size());
  }
  void Strings(const std::vector<std::string>& texts) {
    Value<uint64_t>(texts.size());
    for (const std::string& text : texts) String(text);
  }

  bool ok() const { return ok_; }
  uint64_t size() const { return size_; }
  uint32_t crc() const { return static_cast<uint32_t>(crc_); }

 private:
  FILE* file_;
  bool ok_ = true;
  uLong crc_ = crc32_z(0, nullptr, 0);
  uint64_t size_ = 0;
};

namespace {

// A column of a large cube is tens of megabytes, allocated and filled once: taken in 2 MiB pages
// rather than 4 KiB ones, its first touch faults 512 times less often, which was most of the time
// of reading a file of millions of sales back (where transparent huge pages are left to
// madvise). A hint: without huge pages, nothing changes.
void AdviseHugePages(void* data, size_t size) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  if (size < 2 * kHugePage) return;
  const auto begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const auto end = (reinterpret_cast<uintptr_t>(data) + size) & ~(kHugePage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

// Reads what CubeFileWriter wrote. Every count is checked against the bytes the header says are
// left before anything is allocated, so a damaged count fails instead of asking for terabytes.
class CubeFileReader {
 public:
  CubeFileReader(FILE* file, uint64_t size) : file_(file), left_(size) {}

  bool Bytes(void* data, size_t size) {
    if (!ok_ || size > left_) return ok_ = false;
    if (size == 0) return true;
    if (std::fread(data, 1, size, file_) != size) return ok_ = false;
    crc_ = crc32_z(crc_, static_cast<const Bytef*>(data), size);
    left_ -= size;
    return true;
  }
  template <typename T>
  T Value() {
    T value{};
    Bytes(&value, sizeof(value));
    return value;
  }
  // A count of items of `item_bytes` each that the rest of the payload can hold.
  size_t Count(size_t item_bytes) {
    const auto count = Value<uint64_t>();
    if (!ok_ || (item_bytes != 0 && count > left_ / item_bytes)) {
      ok_ = false;
      return 0;
    }
    return static_cast<size_t>(count);
  }
  template <typename T>
  void Vector(std::vector<T>& values) {
    const size_t count = Count(sizeof(T));
    values.reserve(count);
    AdviseHugePages(values.data(), count * sizeof(T));
    values.resize(count);
    Bytes(values.data(), values.size() * sizeof(T));
  }
  void String(std::string& text) {
    const size_t count = Count(1);
    text.reserve(count);
    AdviseHugePages(text.data(), count);
    text.resize(count);
    Bytes(text.data(), text.size());
  }
  void Strings(std::vector<std::string>& texts) {
    // Each string takes at least its 8-byte length.
    texts.resize(Count(sizeof(uint64_t)));
    for (std::string& text : texts) String(text);
  }
  void Fail() { ok_ = false; }

  bool ok() const { return ok_; }
  uint64_t left() const { return left_; }
  uint32_t crc() const { return static_cast<uint32_t>(crc_); }

 private:
  FILE* file_;
  uint64_t left_;
  bool ok_ = true;
  uLong crc_ = crc32_z(0, nullptr, 0);
};

namespace {

void WriteColumn(CubeFileWriter& out, const NarrowColumn& column, const auto& narrow,
                 const auto& medium, const auto& wide) {
  out.Value<uint8_t>(column.width());
  switch (column.width()) {
    case 1:
      out.Vector(narrow);
      break;
    case 2:
      out.Vector(medium);
      break;
    default:
      out.Vector(wide);
      break;
  }
}

}  // namespace

Status CubeFile::Write(const std::string& path, const Cube& cube,
                       const std::vector<LoadedFile>& files) {
  const std::string temporary = fmt::format("{}.{}.tmp", path, getpid());
  auto fail = [&](std::string_view what) {
    std::string message =
        fmt::format("cannot write the cube file {}: {}: {}", path, what, std::strerror(errno));
    std::remove(temporary.c_str());
    return MakeError(ErrorCode::kIoError, std::move(message));
  };
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
  }
  File file(std::fopen(temporary.c_str(), "wb"));
  if (!file) return fail("open");
  // The header's size and checksum are written once the payload is.
  std::vector<char> header(kHeaderBytes, 0);
  if (std::fwrite(header.data(), 1, header.size(), file.get()) != header.size()) {
    return fail("write");
  }
  CubeFileWriter out(file.get());
  out.Value<uint64_t>(files.size());
  for (const LoadedFile& loaded : files) {
    out.Value<int64_t>(loaded.file_id);
    out.String(loaded.sha256);
    out.Value<int64_t>(loaded.rows_loaded);
    out.String(loaded.started_at);
  }
  auto column = [&](const NarrowColumn& c) { WriteColumn(out, c, c.narrow_, c.medium_, c.wide_); };
  out.Value<uint64_t>(cube.rows());
  column(cube.day_);
  out.Value<int32_t>(cube.base_day_);
  column(cube.customer_);
  for (const NarrowColumn& codes : cube.codes_) column(codes);
  column(cube.quantity_);
  out.Value<uint8_t>(cube.fraction_bits_);
  out.Vector(cube.amount_fixed_);
  out.Vector(cube.amount_whole_);
  out.Vector(cube.amount_fraction_);
  for (const Cube::Table& table : cube.tables_) {
    out.Value<uint8_t>(table.source);
    out.Strings(table.members);
    out.Vector(table.member_of);
  }
  out.Vector(cube.customer_first_day_);
  out.String(cube.customer_ids_.bytes_);
  out.Vector(cube.customer_ids_.ends_);
  column(cube.transaction_);
  out.String(cube.transaction_ids_.bytes_);
  out.Vector(cube.transaction_ids_.ends_);
  out.Value<uint8_t>(cube.first_day_.has_value());
  out.Value<int32_t>(cube.first_day_.value_or(0));
  out.Value<uint8_t>(cube.last_day_.has_value());
  out.Value<int32_t>(cube.last_day_.value_or(0));
  for (const auto& keys : cube.source_keys_) out.Vector(keys);
  for (const auto& labels : cube.source_labels_) out.Strings(labels);
  if (!out.ok()) return fail("write");

  char* at = header.data();
  std::memcpy(at, kMagic, sizeof(kMagic));
  at += sizeof(kMagic);
  const uint32_t version = kVersion;
  std::memcpy(at, &version, sizeof(version));
  at += sizeof(version);
  const uint64_t size = out.size();
  std::memcpy(at, &size, sizeof(size));
  at += sizeof(size);
  const uint32_t crc = out.crc();
  std::memcpy(at, &crc, sizeof(crc));
  if (std::fseek(file.get(), 0, SEEK_SET) != 0 ||
      std::fwrite(header.data(), 1, header.size(), file.get()) != header.size() ||
      std::fflush(file.get()) != 0 || fsync(fileno(file.get())) != 0) {
    return fail("write");
  }
  if (std::fclose(file.release()) != 0) return fail("close");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return fail("rename");
  return {};
}

Result<CubeFile::Contents> CubeFile::Read(const std::string& path) {
  auto refuse = [&](std::string_view why) {
    return MakeError(ErrorCode::kBadFormat, fmt::format("cube file {}: {}", path, why));
  };
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return MakeError(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError,
                     fmt::format("cube file {}: {}", path, std::strerror(errno)));
  }
  char header[kHeaderBytes];
  if (std::fread(header, 1, sizeof(header), file.get()) != sizeof(header)) {
    return refuse("shorter than its header");
  }
  if (std::memcmp(header, kMagic, sizeof(kMagic)) != 0) return refuse("not a cube file");
  uint32_t version = 0;
  uint64_t size = 0;
  uint32_t crc = 0;
  std::memcpy(&version, header + sizeof(kMagic), sizeof(version));
  std::memcpy(&size, header + sizeof(kMagic) + sizeof(version), sizeof(size));
  std::memcpy(&crc, header + sizeof(kMagic) + sizeof(version) + sizeof(size), sizeof(crc));
  if (version != kVersion) {
    return refuse(fmt::format("format version {}, not {}", version, kVersion));
  }
  std::error_code error;
  const auto file_size = std::filesystem::file_size(path, error);
  if (error || file_size != kHeaderBytes + size) {
    return refuse(
        fmt::format("{} bytes, not the {} its header says", file_size, kHeaderBytes + size));
  }

  CubeFileReader in(file.get(), size);
  Contents contents;
  contents.files.resize(in.Count(sizeof(int64_t) * 2 + sizeof(uint64_t) * 2));
  for (LoadedFile& loaded : contents.files) {
    loaded.file_id = in.Value<int64_t>();
    in.String(loaded.sha256);
    loaded.rows_loaded = in.Value<int64_t>();
    in.String(loaded.started_at);
  }
  auto cube = std::make_shared<Cube>();
  const auto rows = in.Value<uint64_t>();
  auto column = [&](NarrowColumn& c) {
    c.width_ = in.Value<uint8_t>();
    switch (c.width_) {
      case 1:
        in.Vector(c.narrow_);
        c.size_ = c.narrow_.size();
        break;
      case 2:
        in.Vector(c.medium_);
        c.size_ = c.medium_.size();
        break;
      case 4:
        in.Vector(c.wide_);
        c.size_ = c.wide_.size();
        break;
      default:
        in.Fail();
        break;
    }
    if (c.size_ != rows) in.Fail();
  };
  column(cube->day_);
  cube->base_day_ = in.Value<int32_t>();
  column(cube->customer_);
  for (NarrowColumn& codes : cube->codes_) column(codes);
  column(cube->quantity_);
  cube->fraction_bits_ = in.Value<uint8_t>();
  in.Vector(cube->amount_fixed_);
  in.Vector(cube->amount_whole_);
  in.Vector(cube->amount_fraction_);
  const bool fixed = cube->amount_fixed_.size() == rows && cube->amount_whole_.empty() &&
                     cube->amount_fraction_.empty() && cube->fraction_bits_ <= 64;
  const bool split = cube->amount_fixed_.empty() && cube->amount_whole_.size() == rows &&
                     cube->amount_fraction_.size() == rows;
  if (!fixed && !split && rows != 0) in.Fail();
  for (Cube::Table& table : cube->tables_) {
    const auto source = in.Value<uint8_t>();
    if (source >= Cube::kSourceCount) in.Fail();
    table.source = static_cast<Cube::Source>(source);
    in.Strings(table.members);
    in.Vector(table.member_of);
  }
  in.Vector(cube->customer_first_day_);
  in.String(cube->customer_ids_.bytes_);
  in.Vector(cube->customer_ids_.ends_);
  column(cube->transaction_);
  in.String(cube->transaction_ids_.bytes_);
  in.Vector(cube->transaction_ids_.ends_);
  if (in.Value<uint8_t>()) {
    cube->first_day_ = in.Value<int32_t>();
  } else {
    in.Value<int32_t>();
  }
  if (in.Value<uint8_t>()) {
    cube->last_day_ = in.Value<int32_t>();
  } else {
    in.Value<int32_t>();
  }
  for (auto& keys : cube->source_keys_) in.Vector(keys);
  for (auto& labels : cube->source_labels_) in.Strings(labels);
  if (!in.ok() || in.left() != 0) return refuse("damaged: its parts do not add up to its size");
  if (in.crc() != crc) return refuse("damaged: its checksum does not match");
  contents.cube = std::move(cube);
  return contents;
}

std::string DefaultCubeFile(std::string_view warehouse_description) {
  if (warehouse_description.starts_with("sqlite:")) {
    return fmt::format("{}.cube", warehouse_description.substr(7));
  }
  std::string directory;
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache) {
    directory = cache;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    directory = fmt::format("{}/.cache", home);
  } else {
    directory = "/tmp";
  }
  Sha256 hash;
  hash.Update(warehouse_description);
  return fmt::format("{}/till/cube-{}.cube", directory, hash.HexDigest().substr(0, 16));
}

}  // namespace till
