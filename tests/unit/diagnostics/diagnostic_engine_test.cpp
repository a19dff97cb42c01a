#include "diagnostics/diagnostic.h"

#include "gtest/gtest.h"

namespace edict {
namespace {

TEST(DiagnosticEngineTest, SortsByLocationThenSeverity) {
  SourceManager sources;
  FileId f = sources.AddFile("a.edict", "line one\nline two\n");
  DiagnosticEngine diags(sources);
  diags.Build({f, 10, 12}, diag::UnknownName, "b").Emit();
  diags.Build({f, 0, 4}, diag::UnusedDeclaration, "let", "x").Emit();
  diags.Build({f, 0, 4}, diag::UnknownName, "a").Emit();
  auto sorted = diags.Sorted();
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[0].message, "cannot find `a` in this policy");
  EXPECT_EQ(sorted[1].severity, Severity::Warning);
  EXPECT_EQ(sorted[2].message, "cannot find `b` in this policy");
  EXPECT_EQ(diags.error_count(), 2);
  EXPECT_EQ(diags.warning_count(), 1);
}

TEST(DiagnosticEngineTest, DisabledWarningsAreDropped) {
  SourceManager sources;
  FileId f = sources.AddFile("a.edict", "x");
  DiagnosticOptions options;
  options.disabled.push_back(FindKind("unused"));
  DiagnosticEngine diags(sources, options);
  diags.Build({f, 0, 1}, diag::UnusedDeclaration, "let", "x").Emit();
  EXPECT_EQ(diags.warning_count(), 0);
  EXPECT_TRUE(diags.Sorted().empty());
}

TEST(DiagnosticEngineTest, WerrorPromotesWarnings) {
  SourceManager sources;
  FileId f = sources.AddFile("a.edict", "x");
  DiagnosticOptions options;
  options.warnings_as_errors = true;
  DiagnosticEngine diags(sources, options);
  diags.Build({f, 0, 1}, diag::UnusedDeclaration, "let", "x").Emit();
  EXPECT_EQ(diags.error_count(), 1);
}

TEST(DiagnosticEngineTest, BuilderEmitsOnDestruction) {
  SourceManager sources;
  FileId f = sources.AddFile("a.edict", "x");
  DiagnosticEngine diags(sources);
  { auto b = diags.Build({f, 0, 1}, diag::UnknownName, "x"); b.Help("h"); }
  ASSERT_EQ(diags.Sorted().size(), 1u);
  EXPECT_EQ(diags.Sorted()[0].help.at(0), "h");
}

TEST(DiagnosticEngineTest, FindKindByCodeAndFlag) {
  EXPECT_EQ(FindKind("E0201"), diag::UnknownName);
  EXPECT_EQ(FindKind("unused"), diag::UnusedDeclaration);
  EXPECT_EQ(FindKind("dangling-doc"), diag::DanglingDocComment);
  EXPECT_EQ(FindKind("nope"), DiagKind::kCount);
}

}  // namespace
}  // namespace edict
