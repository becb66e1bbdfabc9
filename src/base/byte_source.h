// A forward-only stream of bytes: a local file today, an S3 object or a socket later. Readers
// take a ByteSource so that they never depend on where the bytes come from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace till {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `size` bytes into `buffer`. Returns how many were read; 0 means end of input.
  // On failure returns kIoError and the source must not be read again.
  virtual Result<size_t> Read(char* buffer, size_t size) = 0;

  // The total number of bytes, when known in advance (a regular file); -1 otherwise.
  virtual int64_t SizeHint() const { return -1; }
};

// Opens `path` for reading. Fails with kNotFound or kIoError naming the path, and with
// kInvalidArgument when it is not a regular file (or a link to one): a FIFO or a device such as
// /dev/zero would never end. Never waits for a FIFO's writer.
Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);

// A source that yields `prefix` and then the rest of `rest`: how a caller that peeked at the
// start of a stream hands the whole stream on.
std::unique_ptr<ByteSource> MakePrefixedSource(std::string prefix,
                                               std::unique_ptr<ByteSource> rest);

// A source that yields `source` with every CR turned into LF: how a file whose lines end with
// a lone CR (old Mac exports) reads as lines.
std::unique_ptr<ByteSource> MakeCrToLfSource(std::unique_ptr<ByteSource> source);

// Reads up to `size` bytes from the start of `source` (fewer at its end).
Result<std::string> ReadPrefix(ByteSource& source, size_t size);

// A source over bytes held in memory, for tests and small inputs.
std::unique_ptr<ByteSource> MakeStringSource(std::string data);

}  // namespace till
