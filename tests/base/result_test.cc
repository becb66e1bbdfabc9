#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace till {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return MakeError(ErrorCode::kInvalidArgument, "odd");
  return n / 2;
}

Status HalfTwice(int n, int* out) {
  auto once = Half(n);
  TILL_RETURN_IF_ERROR(once);
  auto twice = Half(*once);
  TILL_RETURN_IF_ERROR(twice);
  *out = *twice;
  return {};
}

struct Halves {
  int once = 0;
  int twice = 0;
};

Result<Halves> HalveTwice(int n) {
  Halves halves;
  TILL_ASSIGN_OR_RETURN(halves.once, Half(n));
  TILL_ASSIGN_OR_RETURN(int twice, Half(halves.once));
  halves.twice = twice;
  return halves;
}

// A value that can only be moved comes out of the Result by move.
Result<std::unique_ptr<int>> Boxed(int n) {
  TILL_ASSIGN_OR_RETURN(std::unique_ptr<int> box,
                        Result<std::unique_ptr<int>>(std::make_unique<int>(n)));
  TILL_ASSIGN_OR_RETURN(*box, Half(*box));
  return box;
}

TEST(Result, CarriesValueOrError) {
  EXPECT_EQ(*Half(4), 2);
  auto odd = Half(3);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorCodeName(odd.error().code()), "invalid_argument");
}

TEST(Result, ReturnIfErrorPropagates) {
  int out = 0;
  EXPECT_TRUE(HalfTwice(8, &out));
  EXPECT_EQ(out, 2);
  auto failed = HalfTwice(6, &out);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message(), "odd");
}

TEST(Result, AssignOrReturnAssignsOrPropagates) {
  auto halves = HalveTwice(12);
  ASSERT_TRUE(halves);
  EXPECT_EQ(halves->once, 6);
  EXPECT_EQ(halves->twice, 3);
  auto second_odd = HalveTwice(6);
  ASSERT_FALSE(second_odd);
  EXPECT_EQ(second_odd.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(second_odd.error().message(), "odd");
  EXPECT_FALSE(HalveTwice(5));
  auto box = Boxed(8);
  ASSERT_TRUE(box);
  EXPECT_EQ(**box, 4);
  EXPECT_FALSE(Boxed(7));
}

}  // namespace
}  // namespace till
