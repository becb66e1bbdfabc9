#include "clean/vocabulary.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace till
