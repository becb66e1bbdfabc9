// Small text helpers shared by every stage. All work on UTF-8 bytes and allocate only where
// they return a std::string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace till {

// True for ASCII white space: space, tab, CR, LF, FF, VT.
inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// Removes leading and trailing ASCII white space (space, tab, CR, LF, FF, VT). Inline: the
// cleaner trims every field of every row, and most fields have nothing to trim.
inline std::string_view TrimAscii(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsAsciiSpace(text[begin])) ++begin;
  while (end > begin && IsAsciiSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// Returns the key under which spellings of one name compare equal: letters lower-cased (ASCII
// and the Latin-1 letters À–Þ), and spaces, tabs, underscores and hyphens removed. So
// "Same-Day", "same day" and "SAME_DAY" fold alike, and so do "Düsseldorf" and "DÜSSELDORF".
std::string FoldKey(std::string_view text);

// FoldKey without allocating: writes the first min(capacity, length) bytes of FoldKey(text) to
// `out` and returns the key's full length (which may exceed `capacity`, as with snprintf).
size_t FoldKeyTo(std::string_view text, char* out, size_t capacity);

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing past
// U+10FFFF) and holds no NUL byte.
bool IsValidUtf8(std::string_view text);

// `text` with each byte that starts no well-formed sequence (and each NUL) replaced by U+FFFD,
// for stores that take only valid UTF-8 text.
std::string ReplaceInvalidUtf8(std::string_view text);

// Collapses every run of ASCII white space inside `text` to one space and trims both ends.
std::string CollapseSpaces(std::string_view text);

}  // namespace till
