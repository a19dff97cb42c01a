// Every code in diagnostic_kinds.def has a lit test tests/lit/diagnostics/<code>-*.edict, and
// every such test names a code that exists (Carbon's coverage test).
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "diagnostics/diagnostic.h"
#include "gtest/gtest.h"

namespace edict {
namespace {

auto CodesWithTests() -> std::set<std::string> {
  std::set<std::string> out;
  std::filesystem::path dir = std::filesystem::path(EDICT_SOURCE_DIR) / "tests/lit/diagnostics";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 5) out.insert(name.substr(0, 5));
  }
  return out;
}

TEST(DiagnosticCoverageTest, EveryCodeHasALitTest) {
  std::set<std::string> tested = CodesWithTests();
  for (size_t i = 0; i < static_cast<size_t>(DiagKind::kCount); ++i) {
    const DiagKindInfo& info = GetKindInfo(static_cast<DiagKind>(i));
    EXPECT_TRUE(tested.count(info.code))
        << info.code << " (" << info.name << ") has no tests/lit/diagnostics/" << info.code
        << "-*.edict";
  }
}

TEST(DiagnosticCoverageTest, EveryLitTestNamesAKnownCode) {
  for (const std::string& code : CodesWithTests()) {
    EXPECT_NE(FindKind(code), DiagKind::kCount) << "tests/lit/diagnostics/" << code << "-*";
  }
}

TEST(DiagnosticCoverageTest, CodesAreUniqueAndWellFormed) {
  std::set<std::string> seen;
  std::regex shape("[EW][0-9]{4}");
  for (size_t i = 0; i < static_cast<size_t>(DiagKind::kCount); ++i) {
    const DiagKindInfo& info = GetKindInfo(static_cast<DiagKind>(i));
    EXPECT_TRUE(std::regex_match(info.code, shape)) << info.code;
    EXPECT_TRUE(seen.insert(info.code).second) << "duplicate code " << info.code;
    EXPECT_EQ(info.code[0] == 'W', info.severity == Severity::Warning) << info.code;
  }
}

TEST(DiagnosticCoverageTest, DocumentedInDiagnosticsMd) {
  std::ifstream in(std::filesystem::path(EDICT_SOURCE_DIR) / "docs/diagnostics.md");
  ASSERT_TRUE(in) << "docs/diagnostics.md is missing";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t i = 0; i < static_cast<size_t>(DiagKind::kCount); ++i) {
    const DiagKindInfo& info = GetKindInfo(static_cast<DiagKind>(i));
    EXPECT_NE(text.find(std::string("## ") + info.code), std::string::npos)
        << info.code << " is not documented in docs/diagnostics.md";
  }
}

}  // namespace
}  // namespace edict
