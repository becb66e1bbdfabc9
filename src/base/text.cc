#include "base/text.h"

#include <cstdint>
#include <cstring>

namespace till {

size_t FoldKeyTo(std::string_view text, char* out, size_t capacity) {
  size_t n = 0;
  auto put = [&](unsigned char c) {
    if (n < capacity) out[n] = static_cast<char>(c);
    ++n;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '_' || c == '-') continue;
    if (c >= 'A' && c <= 'Z') {
      put(static_cast<unsigned char>(c + ('a' - 'A')));
    } else if (c == 0xC3 && i + 1 < text.size()) {
      // U+00C0..U+00DE (except U+00D7, the multiplication sign) are upper-case Latin-1
      // letters whose lower-case form is 0x20 higher, in the same two-byte sequence.
      auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97)
        next = static_cast<unsigned char>(next + 0x20);
      put(c);
      put(next);
      ++i;
    } else {
      put(c);
    }
  }
  return n;
}

std::string FoldKey(std::string_view text) {
  // Folding never lengthens the text, so one pass into a buffer of its size is enough.
  std::string key(text.size(), '\0');
  key.resize(FoldKeyTo(text, key.data(), key.size()));
  return key;
}

namespace {

// The length of the well-formed UTF-8 sequence at `p` (no overlong forms, no surrogates,
// nothing past U+10FFFF, no NUL), or 0 when there is none.
int SequenceLength(const unsigned char* p, const unsigned char* end) {
  unsigned char c = *p;
  if (c < 0x80) return c == 0 ? 0 : 1;
  int extra;
  uint32_t code;
  if (c >= 0xC2 && c <= 0xDF) {
    extra = 1;
    code = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    extra = 2;
    code = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    extra = 3;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (end - p <= extra) return 0;
  for (int k = 1; k <= extra; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    code = (code << 6) | (p[k] & 0x3F);
  }
  if ((extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000) || code > 0x10FFFF ||
      (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return extra + 1;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  // Fast path: eight ASCII bytes at a time, none of them NUL (a zero byte is found with the
  // classic "has zero byte" bit trick).
  // After a multi-byte sequence it returns to the fast path: a name with one accented letter
  // should not send the rest of its record down the byte-by-byte path.
  while (p < end) {
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      bool non_ascii = (word & 0x8080808080808080ull) != 0;
      bool has_zero = ((word - 0x0101010101010101ull) & ~word & 0x8080808080808080ull) != 0;
      if (non_ascii || has_zero) break;
      p += 8;
    }
    if (p == end) break;
    int length = SequenceLength(p, end);
    if (length == 0) return false;
    p += length;
  }
  return true;
}

std::string ReplaceInvalidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    int length = SequenceLength(p, end);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(length));
      p += length;
    }
  }
  return out;
}

std::string CollapseSpaces(std::string_view text) {
  text = TrimAscii(text);
  std::string out;
  out.reserve(text.size());
  bool in_space = false;
  for (char c : text) {
    if (IsAsciiSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace till
