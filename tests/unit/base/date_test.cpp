#include "base/date.h"

#include "gtest/gtest.h"

namespace edict {
namespace {

TEST(DateTest, RoundTripsAndValidates) {
  EXPECT_EQ(ParseDate("1970-01-01")->days, 0);
  EXPECT_EQ(FormatDate(*ParseDate("2025-05-15")), "2025-05-15");
  EXPECT_TRUE(ParseDate("2024-02-29"));
  EXPECT_FALSE(ParseDate("2025-02-29"));
  EXPECT_FALSE(ParseDate("2025-13-01"));
  EXPECT_FALSE(ParseDate("0000-01-01"));
  EXPECT_EQ(*ParseDate("0001-01-01"), kMinDate);
  EXPECT_EQ(*ParseDate("9999-12-31"), kMaxDate);
  EXPECT_EQ(ParseDate("2026-01-01")->days - ParseDate("2025-12-31")->days, 1);
}

}  // namespace
}  // namespace edict
