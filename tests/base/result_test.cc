#include "base/result.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace till
