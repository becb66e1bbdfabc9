// Streaming SHA-256, the content hash that identifies a raw file in the lineage records.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/result.h"

namespace till {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Returns the digest as 64 lower-case hex digits. The object must not be updated afterwards.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Hashes everything `source` yields, counting the bytes into *size.
Result<std::string> Sha256Of(ByteSource& source, int64_t* size);

}  // namespace till
