// Tests for `edict fmt` (format/formatter.h) and the AST dumper (ast/ast_dumper.h): exact layout
// of each construct, minimal parentheses, comments kept exactly once, and on every .edict file of
// the repository: idempotence, same AST, same comments.
#include "format/formatter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ast/ast_dumper.h"
#include "diagnostics/diagnostic.h"
#include "parse/parser.h"
#include "source/source_manager.h"

namespace edict::format {
namespace {

// One parsed file, kept alive with its SourceManager.
struct Parsed {
  SourceManager sources;
  std::optional<ast::Module> module;
  int errors = 0;
};

auto ParseText(const std::string& text, const std::string& path = "test.edict")
    -> std::unique_ptr<Parsed> {
  auto p = std::make_unique<Parsed>();
  FileId file = p->sources.AddFile(path, text);
  DiagnosticEngine diags(p->sources);
  p->module = parse::Parse(file, p->sources, diags);
  p->errors = diags.error_count();
  return p;
}

// Formats `text`, failing the test when it does not parse.
auto Fmt(const std::string& text) -> std::string {
  auto p = ParseText(text);
  EXPECT_EQ(p->errors, 0) << text;
  if (!p->module) return "<parse failed>";
  return Format(*p->module, p->sources);
}

auto CommentTexts(const ast::Module& m) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const ast::Comment& c : m.comments) out.push_back(c.text);
  return out;
}

// Formatting `text` keeps its AST and comments, and formatting the result changes nothing.
void ExpectStable(const std::string& text, const std::string& what) {
  auto first = ParseText(text, what);
  ASSERT_TRUE(first->module) << what;
  ASSERT_EQ(first->errors, 0) << what;
  std::string once = Format(*first->module, first->sources);
  auto second = ParseText(once, what + " (formatted)");
  ASSERT_TRUE(second->module) << what << "\n" << once;
  ASSERT_EQ(second->errors, 0) << what << ": formatted text does not parse\n" << once;
  EXPECT_EQ(Format(*second->module, second->sources), once) << what << ": not idempotent";
  EXPECT_EQ(ast::Dump(*second->module, nullptr), ast::Dump(*first->module, nullptr))
      << what << ": formatting changed the AST";
  std::vector<std::string> before = CommentTexts(*first->module);
  std::vector<std::string> after = CommentTexts(*second->module);
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, before) << what << ": comments lost or duplicated";
  std::istringstream lines(once);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(line.empty() || (line.back() != ' ' && line.back() != '\t'))
        << what << ": trailing whitespace in `" << line << "`";
  }
}

constexpr const char* kPrelude =
    "policy p;\n"
    "decision Outcome { allow, notify, deny }\n"
    "default allow;\n"
    "input {\n"
    "  q: int;\n"
    "  r: float;\n"
    "  c: Country;\n"
    "}\n";

// Formats kPrelude + `decls` and returns what follows the prelude.
auto FmtDecls(const std::string& decls) -> std::string {
  std::string out = Fmt(std::string(kPrelude) + decls);
  std::string prelude = kPrelude;
  if (out.compare(0, prelude.size(), prelude) != 0) return "<prelude changed>\n" + out;
  return out.substr(prelude.size());
}

TEST(FormatterTest, NormalizesHeaderAndSpacing) {
  EXPECT_EQ(Fmt("policy  p  expires 2030-01-01 effective 2025-05-15 version \"1\";"
                "decision O {a,b} default a; input { x : int ; }"),
            "policy p version \"1\" effective 2025-05-15 expires 2030-01-01;\n"
            "decision O { a, b }\n"
            "default a;\n"
            "input {\n"
            "  x: int;\n"
            "}\n");
}

TEST(FormatterTest, KeepsOneBlankLineBetweenDeclarations) {
  EXPECT_EQ(Fmt("\n\npolicy p;\n\n\n\nenum E { a }\nenum F { b }\n\n\n"),
            "policy p;\n\nenum E { a }\nenum F { b }\n");
}

TEST(FormatterTest, BreaksEnumWithDocCommentsOrWhenTooLong) {
  EXPECT_EQ(Fmt("module m; enum E { a, /// the b\n b }"),
            "module m;\nenum E {\n  a,\n  /// the b\n  b,\n}\n");
  std::string members;
  for (int i = 0; i < 12; ++i) members += "member_number_" + std::to_string(i) + ", ";
  std::string out = Fmt("module m; enum E { " + members + "}");
  EXPECT_EQ(out.substr(0, 38), "module m;\nenum E {\n  member_number_0,\n");
  EXPECT_NE(out.find("  member_number_11,\n}\n"), std::string::npos) << out;
}

TEST(FormatterTest, PrintsEveryDeclarationKind) {
  EXPECT_EQ(
      FmtDecls("import std.iso3166;"
               "const LIMIT : int = 1_700;"
               "let t = Tier(c);"
               "output rem: int = remaining(cp);"
               "tiers Tier of Country { one: { US, GB }; two: otherwise; }"
               "tiers Size of int { s: < 1_700; m: 1_700 ..< 50_000 | 60_000 ..= 70_000; "
               "l: >= 50_000; }"
               "cap cp { limit: 50_000; key: c, q; window: year; amount: q; "
               "applies: q > 1; record: allow, notify; }"
               "rule r effective 2025-01-01 until 2026-01-01: q > 1 => deny cite \"c\" "
               "because \"b\";"
               "exempt e from r, cp when q < 5 because \"x\";"
               "property pr: q > 1 implies outcome == deny;"
               "test \"t\" today 2025-02-01 { check { q: 1, c: US, today: 2025-03-01 } "
               "usage { cp: 5 } -> deny by r where rem == 0; decide {} -> error "
               "int_overflow; check { q: 2 } -> allow by nothing; }"),
      "import std.iso3166;\n"
      "const LIMIT: int = 1_700;\n"
      "let t = Tier(c);\n"
      "output rem: int = remaining(cp);\n"
      "tiers Tier of Country {\n"
      "  one: { US, GB };\n"
      "  two: otherwise;\n"
      "}\n"
      "tiers Size of int {\n"
      "  s: < 1_700;\n"
      "  m: 1_700 ..< 50_000 | 60_000 ..= 70_000;\n"
      "  l: >= 50_000;\n"
      "}\n"
      "cap cp {\n"
      "  limit: 50_000;\n"
      "  key: c, q;\n"
      "  window: year;\n"
      "  amount: q;\n"
      "  applies: q > 1;\n"
      "  record: allow, notify;\n"
      "}\n"
      "rule r effective 2025-01-01 until 2026-01-01: q > 1 => deny because \"b\" cite \"c\";\n"
      "exempt e from r, cp when q < 5 because \"x\";\n"
      "property pr: q > 1 implies outcome == deny;\n"
      "test \"t\" today 2025-02-01 {\n"
      "  check { q: 1, c: US, today: 2025-03-01 } usage { cp: 5 } -> deny by r where rem == 0;\n"
      "  decide {} -> error int_overflow;\n"
      "  check { q: 2 } -> allow by nothing;\n"
      "}\n");
}

TEST(FormatterTest, KeepsLiteralTextAndPrintsDatesIso) {
  EXPECT_EQ(FmtDecls("const A = 1_000 + 2.50 + 1e26 + 7.5% + 1_0.2_5e-3;"
                     "const D = 2025-05-15;"
                     "const S = \"a\\u{41}\\\"\";"),
            "const A = 1_000 + 2.50 + 1e26 + 7.5% + 1_0.2_5e-3;\n"
            "const D = 2025-05-15;\n"
            "const S = \"a\\u{41}\\\"\";\n");
}

TEST(FormatterTest, UsesMinimalParentheses) {
  EXPECT_EQ(FmtDecls("const A = ((1 + 2)) * 3 - (4 - 5) - (-6) % 7;"
                     "const B = (1 - 2) - 3;"
                     "let x = (not (q > 1)) and (q < 5 or r > 1.5%) or (q == 2 and true);"
                     "let y = (q == 1) == true;"
                     "property p1: (q > 1 implies q > 0) implies (q > 2 implies true);"
                     "let z = -(q + 1) * -q;"),
            "const A = (1 + 2) * 3 - (4 - 5) - -6 % 7;\n"
            "const B = 1 - 2 - 3;\n"
            "let x = not q > 1 and (q < 5 or r > 1.5%) or q == 2 and true;\n"
            "let y = (q == 1) == true;\n"
            "property p1: (q > 1 implies q > 0) implies q > 2 implies true;\n"
            "let z = -(q + 1) * -q;\n");
}

TEST(FormatterTest, ParenthesizesIfAndMatchOnlyBeforeMoreExpression) {
  EXPECT_EQ(FmtDecls("let a = (if q > 1 then 1 else 2) + 3;"
                     "let b = 3 + (if q > 1 then 1 else 2);"
                     "let m = (match c { US => 1, _ => 2 }) * 2;"
                     "let n = if q > 1 then 1 else if q > 2 then 2 else 3;"),
            "let a = (if q > 1 then 1 else 2) + 3;\n"
            "let b = 3 + if q > 1 then 1 else 2;\n"
            "let m = (match c { US => 1, _ => 2 }) * 2;\n"
            "let n = if q > 1 then 1 else if q > 2 then 2 else 3;\n");
}

TEST(FormatterTest, WrapsLongConditionsAndMovesExplanationToContinuationLines) {
  EXPECT_EQ(FmtDecls("rule long_rule_name: q > 100000000 and q < 200000000000 and c in {US, GB} "
                     "and q != 12345678 and r > 2.5 => deny because \"a reason\";"),
            "rule long_rule_name: q > 100000000 and q < 200000000000 and c in { US, GB } and q != "
            "12345678\n"
            "    and r > 2.5 => deny\n"
            "  because \"a reason\";\n");
  EXPECT_EQ(FmtDecls("exempt some_exemption from first_rule, second_rule when q > 100000000 and "
                     "q < 200000000000 and r < 2.5;"),
            "exempt some_exemption from first_rule, second_rule\n"
            "  when q > 100000000 and q < 200000000000 and r < 2.5;\n");
}

TEST(FormatterTest, BreaksLongSetsOnePerLine) {
  std::string members;
  for (int i = 0; i < 30; ++i) members += "M" + std::to_string(i) + ", ";
  std::string out = FmtDecls("const S = { " + members + "};");
  EXPECT_EQ(out.substr(0, 24), "const S = {\n  M0,\n  M1,\n") << out;
  EXPECT_NE(out.find("  M29,\n};\n"), std::string::npos) << out;
}

TEST(FormatterTest, FillsLongRequestsAndPutsArrowOnContinuationLine) {
  EXPECT_EQ(FmtDecls("test \"t\" { check { q: 100000000, r: 2.5, c: US, q: 200000000, "
                     "r: 3.5, c: GB, q: 300000000 } -> deny by some_rule where q > 1; }"),
            "test \"t\" {\n"
            "  check { q: 100000000, r: 2.5, c: US, q: 200000000, r: 3.5, c: GB, q: 300000000 }\n"
            "    -> deny by some_rule where q > 1;\n"
            "}\n");
}

TEST(FormatterTest, KeepsEveryComment) {
  std::string src =
      "// file comment\n"
      "\n"
      "\n"
      "/// The policy.\n"
      "policy p; // after header\n"
      "decision Outcome { allow, deny } /* after decision */\n"
      "default allow;\n"
      "input { // after brace\n"
      "  /// Doc of q.\n"
      "  q: int; // after q\n"
      "  // end of input\n"
      "}\n"
      "const S = { 1, // one\n"
      "  2 };\n"
      "rule r: q > 1 // inside the rule\n"
      "  and q < 5 => deny;\n"
      "// end of file\n";
  EXPECT_EQ(Fmt(src),
            "// file comment\n"
            "\n"
            "/// The policy.\n"
            "policy p; // after header\n"
            "decision Outcome { allow, deny } /* after decision */\n"
            "default allow;\n"
            "input {\n"
            "  // after brace\n"
            "  /// Doc of q.\n"
            "  q: int; // after q\n"
            "  // end of input\n"
            "}\n"
            "const S = {\n"
            "  1, // one\n"
            "  2,\n"
            "};\n"
            "// inside the rule\n"
            "rule r: q > 1 and q < 5 => deny;\n"
            "// end of file\n");
  ExpectStable(src, "comments");
}

TEST(FormatterTest, KeepsDocCommentsAttached) {
  std::string src = std::string(kPrelude) +
                    "/// Doc of r.\n"
                    "rule r: q > 1 /* moved out */ => deny;\n"
                    "enum E {\n"
                    "  /// Doc of a.\n"
                    "  a,\n"
                    "  b,\n"
                    "}\n";
  ExpectStable(src, "doc comments");
  std::string out = Fmt(src);
  EXPECT_NE(out.find("/* moved out */\n/// Doc of r.\nrule r: q > 1 => deny;\n"), std::string::npos)
      << out;
}

TEST(FormatterTest, IsStableOnTrickyInputs) {
  const char* cases[] = {
      "policy p; decision O { a, b, } default a; input {}",
      "module m; enum E { // only a comment\n}",
      "module m; /* a\n   multi-line\n   block */ enum E { a }",
      "policy p;\r\ndecision O { a }\r\ndefault a;\r\n// crlf\r\n",
      "policy p; decision O { a } default a; input { q: int; }\n"
      "let m = match q > 1 {\n  // first\n  true => 1, // one\n  /* rest */ _ => 2,\n};",
      "policy p; decision O { a } default a; input { q: int; }\n"
      "test \"t\" { check { q: 1, /* c */ } -> a; check { // x\n } -> a where q > 1; }",
      "policy p; decision O { a } default a; input { q: int; }\n"
      "let n = -9223372036854775808; let k = - -q; let j = --q;",
  };
  for (const char* src : cases) ExpectStable(src, src);
}

TEST(FormatterTest, IsStableOnEveryRepositoryFile) {
  namespace fs = std::filesystem;
  fs::path root = EDICT_SOURCE_DIR;
  int files = 0;
  for (const char* dir : {"policies", "stdlib", "tests", "docs", "bench"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".edict") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      auto parsed = ParseText(text.str(), entry.path().string());
      // Files that are meant not to parse (diagnostics tests) have nothing to format.
      if (!parsed->module || parsed->errors > 0) continue;
      ++files;
      ExpectStable(text.str(), entry.path().string());
    }
  }
  EXPECT_GT(files, 0);
}

TEST(AstDumperTest, DumpsValuesNotRawText) {
  auto a = ParseText("module m; const A = 1_000 + 50%; const B = \"\\u{41}\";");
  auto b = ParseText("module m;\nconst A = 1000 + 0.5;\nconst B = \"A\";\n");
  ASSERT_TRUE(a->module && b->module);
  std::string da = ast::Dump(*a->module, nullptr);
  std::string db = ast::Dump(*b->module, nullptr);
  // Only the percent flag differs.
  EXPECT_NE(da.find("IntLit 1000"), std::string::npos) << da;
  EXPECT_NE(da.find("FloatLit 0.5 percent"), std::string::npos) << da;
  EXPECT_NE(db.find("FloatLit 0.5\n"), std::string::npos) << db;
  EXPECT_NE(da.find("StringLit \"A\""), std::string::npos) << da;
}

TEST(AstDumperTest, PrintsRangesOnlyWithSources) {
  auto p = ParseText("module m;\nconst A = 1 + 2;\n");
  ASSERT_TRUE(p->module);
  EXPECT_EQ(ast::Dump(*p->module, nullptr),
            "Module\n"
            "  ModuleHeader m\n"
            "  Const A\n"
            "    Binary +\n"
            "      IntLit 1\n"
            "      IntLit 2\n");
  std::string with = ast::Dump(*p->module, &p->sources);
  EXPECT_NE(with.find("  Const A @2:1-2:17\n"), std::string::npos) << with;
  EXPECT_NE(with.find("    Binary + @2:11-2:16\n"), std::string::npos) << with;
}

}  // namespace
}  // namespace edict::format
