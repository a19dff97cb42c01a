#include "source/source_manager.h"

#include "gtest/gtest.h"

namespace edict {
namespace {

TEST(SourceManagerTest, LineAndColumnCountCodePoints) {
  SourceManager sm;
  FileId f = sm.AddFile("a", "ab\n\xC3\xA9x\n");  // "é" is two bytes, one column
  EXPECT_EQ(sm.GetLineCol(f, 0).line, 1u);
  EXPECT_EQ(sm.GetLineCol(f, 3).line, 2u);
  EXPECT_EQ(sm.GetLineCol(f, 5).col, 2u);  // 'x' after é
  EXPECT_EQ(sm.GetLineText(f, 2), "\xC3\xA9x");
  EXPECT_EQ(sm.GetOffset(f, 2, 2), 5u);
}

TEST(SourceManagerTest, FindsInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8("abc"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("a\xC3\xA9"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("a\xC0\x80"), 1u);      // overlong
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);    // surrogate
  EXPECT_EQ(FindInvalidUtf8("x\xE2\x82"), 1u);      // truncated
}

}  // namespace
}  // namespace edict
