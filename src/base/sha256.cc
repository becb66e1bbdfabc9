#include "base/sha256.h"

#include <openssl/evp.h>

#include <vector>

namespace till {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::Update(std::string_view bytes) {
  EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size());
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->ctx, digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

Result<std::string> Sha256Of(ByteSource& source, int64_t* size) {
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  int64_t total = 0;
  for (;;) {
    auto n = source.Read(buffer.data(), buffer.size());
    if (!n) return Unexpected<Error>(n.error());
    if (*n == 0) break;
    hash.Update(std::string_view(buffer.data(), *n));
    total += static_cast<int64_t>(*n);
  }
  if (size != nullptr) *size = total;
  return hash.HexDigest();
}

namespace {

class HashingSource final : public ByteSource {
 public:
  HashingSource(std::unique_ptr<ByteSource> inner, std::string* digest)
      : inner_(std::move(inner)), digest_(digest) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    auto n = inner_->Read(buffer, size);
    if (!n) return n;
    if (*n == 0) {
      if (!done_) *digest_ = hash_.HexDigest();
      done_ = true;
    } else {
      hash_.Update(std::string_view(buffer, *n));
    }
    return n;
  }

  int64_t SizeHint() const override { return inner_->SizeHint(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string* digest_;
  Sha256 hash_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> MakeHashingSource(std::unique_ptr<ByteSource> inner,
                                              std::string* digest) {
  return std::make_unique<HashingSource>(std::move(inner), digest);
}

}  // namespace till
