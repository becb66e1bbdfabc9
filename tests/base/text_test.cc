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

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("Düsseldorf"));
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));      // euro sign
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // emoji
}

TEST(IsValidUtf8, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8(std::string_view("a\0b", 3)));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("D\xFCsseldorf"));     // Latin-1, not UTF-8
}

TEST(CollapseSpaces, FoldsRunsAndTrims) {
  EXPECT_EQ(CollapseSpaces("  Soft \t Drink "), "Soft Drink");
}

}  // namespace
}  // namespace till
