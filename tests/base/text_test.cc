#include "base/text.h"

#include <gtest/gtest.h>

namespace till {
namespace {

TEST(TrimAscii, RemovesSpacesTabsAndLineEnds) {
  EXPECT_EQ(TrimAscii("  a b \t\r\n"), "a b");
  EXPECT_EQ(TrimAscii(""), "");
  EXPECT_EQ(TrimAscii(" \t "), "");
}

TEST(FoldKey, IgnoresCaseSpacesHyphensAndUnderscores) {
  EXPECT_EQ(FoldKey("Same-Day"), FoldKey("same day"));
  EXPECT_EQ(FoldKey("SAME_DAY"), "sameday");
  EXPECT_EQ(FoldKey("Transaction_ID"), FoldKey("transaction id"));
  EXPECT_NE(FoldKey("Cash"), FoldKey("Cas"));
}

TEST(FoldKey, FoldsLatin1Letters) {
  EXPECT_EQ(FoldKey("DÜSSELDORF"), FoldKey("Düsseldorf"));
  EXPECT_EQ(FoldKey("MÜNSTER"), "münster");
}

TEST(FoldKeyTo, WritesWhatFitsAndReturnsTheFullLength) {
  char buffer[4];
  EXPECT_EQ(FoldKeyTo("Same-Day", buffer, sizeof buffer), 7u);
  EXPECT_EQ(std::string_view(buffer, 4), "same");
  EXPECT_EQ(FoldKeyTo("A b", buffer, sizeof buffer), 2u);
  EXPECT_EQ(std::string_view(buffer, 2), "ab");
}

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("Düsseldorf"));
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));      // euro sign
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // emoji
  EXPECT_TRUE(IsValidUtf8("Miss Brittany M\xC3\xBCller, 8853 Michael Harbor Suite 756"));
}

TEST(IsValidUtf8, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8(std::string_view("a\0b", 3)));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("D\xFCsseldorf"));     // Latin-1, not UTF-8
  // Faults after a multi-byte sequence, where the check goes back to eight bytes at a time.
  EXPECT_FALSE(IsValidUtf8("M\xC3\xBCller, 8853 Michael \xFF Harbor Suite"));
  EXPECT_FALSE(IsValidUtf8(std::string_view("M\xC3\xBCller, 8853 Mich\0el Harbor", 30)));
}

TEST(CollapseSpaces, FoldsRunsAndTrims) {
  EXPECT_EQ(CollapseSpaces("  Soft \t Drink "), "Soft Drink");
}

}  // namespace
}  // namespace till
