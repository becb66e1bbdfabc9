#include "clean/vocabulary.h"

#include <gtest/gtest.h>

#include <string>

namespace till {
namespace {

TEST(Vocabulary, MatchesCanonicalSpellingsIgnoringCaseAndSeparators) {
  Vocabulary shipping({"Same-Day", "Express", "Standard"});
  EXPECT_EQ(shipping.Match("Same-Day"), "Same-Day");
  EXPECT_EQ(shipping.Match("same day"), "Same-Day");
  EXPECT_EQ(shipping.Match("SAME_DAY"), "Same-Day");
  EXPECT_EQ(shipping.Match("express"), "Express");
  EXPECT_EQ(shipping.Match("Drone"), std::nullopt);
}

TEST(Vocabulary, FindsTheIndexOfTheFirstOfEqualSpellings) {
  Vocabulary vocabulary({"Same-Day", "same day", "Express", "Same-Day"});
  EXPECT_EQ(vocabulary.Find("Same-Day"), 0);
  EXPECT_EQ(vocabulary.Find("same day"), 1);  // exact beats folded
  EXPECT_EQ(vocabulary.Find("SAME DAY"), 0);  // folded: the first that folds alike
  EXPECT_EQ(vocabulary.Find("Express"), 2);
  EXPECT_EQ(vocabulary.Find("Drone"), -1);
  EXPECT_EQ(vocabulary.spelling(2), "Express");
}

TEST(Vocabulary, TellsApartLongSpellingsThatDifferInTheMiddle) {
  // Longer than the 16 bytes a lookup reads at its two ends.
  Vocabulary vocabulary({"Bed Bath and Beyond", "Bed Bath  or Beyond", "a", "ab", "abcd"});
  EXPECT_EQ(vocabulary.Find("Bed Bath and Beyond"), 0);
  EXPECT_EQ(vocabulary.Find("Bed Bath  or Beyond"), 1);
  EXPECT_EQ(vocabulary.Find("Bed Bath xor Beyond"), -1);
  EXPECT_EQ(vocabulary.Find("BED-BATH-AND-BEYOND"), 0);
  EXPECT_EQ(vocabulary.Find("b"), -1);
  EXPECT_EQ(vocabulary.Find("AB"), 3);
  EXPECT_EQ(vocabulary.Find("abc"), -1);
  EXPECT_EQ(vocabulary.Find(""), -1);
  EXPECT_EQ(vocabulary.Find(std::string(100, 'a')), -1);
}

TEST(Vocabulary, AnEmptyVocabularyMatchesNothing) {
  Vocabulary vocabulary;
  EXPECT_EQ(vocabulary.Find("a"), -1);
  EXPECT_EQ(vocabulary.Find(""), -1);
}

}  // namespace
}  // namespace till
