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

// Passes `inner` through, hashing the bytes as they are read: at the end of input *digest gets
// their hash (and stays empty until then). How a load checks that the bytes it read are the
// bytes it hashed before, when the file may change in between.
std::unique_ptr<ByteSource> MakeHashingSource(std::unique_ptr<ByteSource> inner,
                                              std::string* digest);

}  // namespace till
