// Unit tests for the partition check of `tiers` (sema/check_tiers.h): disjointness, empty tiers,
// `otherwise`, exhaustiveness over int, float, date, enum and string domains, and constant
// classification. Patterns are built by hand with already-evaluated values; ranges point into a
// small source text so diagnostics can be checked by line and column.
#include "sema/check_tiers.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace edict::sema {
namespace {

using ast::PatternKind;

struct PatSpec {
  PatternKind kind;
  std::vector<Value> values;
  std::string text;                       // located after the arm's name
  std::vector<std::string> member_texts;  // located inside the pattern, for value_ranges
};

struct ArmSpec {
  std::string name;
  std::vector<PatSpec> patterns;
};

PatSpec Otherwise() { return {PatternKind::Otherwise, {}, "otherwise", {}}; }
PatSpec Lt(Value v, std::string text) { return {PatternKind::Lt, {std::move(v)}, text, {}}; }
PatSpec Le(Value v, std::string text) { return {PatternKind::Le, {std::move(v)}, text, {}}; }
PatSpec Gt(Value v, std::string text) { return {PatternKind::Gt, {std::move(v)}, text, {}}; }
PatSpec Ge(Value v, std::string text) { return {PatternKind::Ge, {std::move(v)}, text, {}}; }
PatSpec Excl(Value a, Value b, std::string text) {
  return {PatternKind::RangeExcl, {std::move(a), std::move(b)}, text, {}};
}
PatSpec Incl(Value a, Value b, std::string text) {
  return {PatternKind::RangeIncl, {std::move(a), std::move(b)}, text, {}};
}
// A set written inline: each member's text is located for its own range.
PatSpec Set(std::vector<Value> values, std::string text, std::vector<std::string> members) {
  return {PatternKind::Set, std::move(values), text, std::move(members)};
}

Value I(int64_t v) { return Value::Int(v); }
Value F(double v) { return Value::Float(v); }
Value S(std::string v) { return Value::String(std::move(v)); }
Value M(int64_t index) { return Value::Member(index); }
Value D(int y, int m, int d) { return Value::DateV(*MakeDate(y, m, d)); }

// Owns the source text, the AST nodes and the evaluated patterns of one `tiers` declaration.
class Harness {
 public:
  explicit Harness(std::string source) : source_(std::move(source)) {
    file_ = sources_.AddFile("t.edict", source_);
  }

  // The range of the first occurrence of `needle` at or after byte `from`.
  SourceRange Find(const std::string& needle, size_t from = 0) const {
    size_t at = source_.find(needle, from);
    EXPECT_NE(at, std::string::npos) << "`" << needle << "` not in the source";
    if (at == std::string::npos) return {};
    return {file_, static_cast<uint32_t>(at), static_cast<uint32_t>(at + needle.size())};
  }

  // An enum declared in the source (`enum E { A, B, C }`): members are found by name.
  const ast::EnumDecl* MakeEnum(const std::string& name, const std::vector<std::string>& members) {
    auto e = std::make_unique<ast::EnumDecl>(ast::DeclKind::Enum, Find("enum " + name));
    e->name = {name, Find(name, Find("enum " + name).begin + 5)};
    for (const std::string& m : members) e->members.push_back({{m, {}}, {}});
    enums_.push_back(std::move(e));
    return enums_.back().get();
  }

  // Builds the declaration and runs CheckTierPartition; returns the sorted diagnostics.
  std::vector<Diagnostic> Check(ast::Type of, std::vector<ArmSpec> arms) {
    Build(of, std::move(arms));
    CheckTierPartition(*decl_, of, values_, diags_);
    return diags_.Sorted();
  }

  int Classify(const Value& v) const { return ClassifyConstant(of_, values_, v); }

  // "E0307 3:10 message" for each diagnostic, notes as " | note 2:5 message".
  std::vector<std::string> Render(const std::vector<Diagnostic>& diags) const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags) {
      std::string s = std::string(GetKindInfo(d.kind).code) + " " + Where(d.range) + " " +
                      d.message;
      for (const DiagNote& n : d.notes) s += " | note " + Where(n.range) + " " + n.message;
      for (const std::string& h : d.help) s += " | help " + h;
      out.push_back(s);
    }
    return out;
  }

  std::vector<std::string> Run(ast::Type of, std::vector<ArmSpec> arms) {
    return Render(Check(of, std::move(arms)));
  }

  std::vector<TierArmValues>& values() { return values_; }

 private:
  std::string Where(SourceRange r) const {
    if (!r.valid()) return "-";
    LineCol lc = sources_.GetLineCol(r.file, r.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }

  void Build(ast::Type of, std::vector<ArmSpec> arms) {
    of_ = of;
    decl_ = std::make_unique<ast::TiersDecl>(Find("tiers"));
    size_t name_at = source_.find(' ', source_.find("tiers")) + 1;
    std::string name = source_.substr(name_at, source_.find(' ', name_at) - name_at);
    decl_->name = {name, Find(name, name_at)};
    decl_->of_type = of;
    size_t cursor = 0;
    for (ArmSpec& spec : arms) {
      ast::TierArm arm;
      SourceRange label = Find(spec.name + ":", cursor);
      arm.name = {spec.name, {file_, label.begin, label.end - 1}};
      cursor = label.end;
      for (PatSpec& p : spec.patterns) {
        ast::Pattern pattern;
        pattern.kind = p.kind;
        pattern.range = Find(p.text, cursor);
        cursor = pattern.range.end;
        arm.patterns.push_back(std::move(pattern));
      }
      decl_->arms.push_back(std::move(arm));
    }
    values_.clear();
    for (size_t a = 0; a < arms.size(); ++a) {
      TierArmValues arm_values;
      arm_values.arm = &decl_->arms[a];
      for (size_t i = 0; i < arms[a].patterns.size(); ++i) {
        PatSpec& spec = arms[a].patterns[i];
        TierPatternValues pv;
        pv.pattern = &decl_->arms[a].patterns[i];
        pv.values = spec.values;
        size_t from = pv.pattern->range.begin;
        for (const std::string& m : spec.member_texts) {
          SourceRange r = Find(m, from);
          pv.value_ranges.push_back(r);
          from = r.end;
        }
        arm_values.patterns.push_back(std::move(pv));
      }
      values_.push_back(std::move(arm_values));
    }
  }

  std::string source_;
  SourceManager sources_;
  FileId file_;
  DiagnosticEngine diags_{sources_};
  std::vector<std::unique_ptr<ast::EnumDecl>> enums_;
  std::unique_ptr<ast::TiersDecl> decl_;
  std::vector<TierArmValues> values_;
  ast::Type of_;
};

using Lines = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// int

constexpr const char* kBracket = R"(tiers Bracket of int {
  small:  < 1_700;
  medium: 1_700 ..< 50_000;
  large:  >= 50_000;
}
)";

TEST(CheckTiersInt, PartitionIsClean) {
  Harness h(kBracket);
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"small", {Lt(I(1700), "< 1_700")}},
                                     {"medium", {Excl(I(1700), I(50000), "1_700 ..< 50_000")}},
                                     {"large", {Ge(I(50000), ">= 50_000")}}}),
            Lines{});
  EXPECT_EQ(h.Classify(I(std::numeric_limits<int64_t>::min())), 0);
  EXPECT_EQ(h.Classify(I(1699)), 0);
  EXPECT_EQ(h.Classify(I(1700)), 1);
  EXPECT_EQ(h.Classify(I(49999)), 1);
  EXPECT_EQ(h.Classify(I(50000)), 2);
  EXPECT_EQ(h.Classify(I(std::numeric_limits<int64_t>::max())), 2);
  EXPECT_EQ(h.Classify(S("x")), -1);
}

TEST(CheckTiersInt, SingleValueGap) {
  Harness h("tiers B of int {\n  a: < 10;\n  b: >= 11;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(10), "< 10")}}, {"b", {Ge(I(11), ">= 11")}}}),
            Lines{"E0308 1:7 tiers `B` do not cover `10` | help add `otherwise` or a pattern that "
                  "covers it"});
}

TEST(CheckTiersInt, IntervalGapAndCount) {
  Harness h("tiers B of int {\n  a: 0 ..< 10;\n  b: 20 ..= 30;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(),
                  {{"a", {Excl(I(0), I(10), "0 ..< 10")}}, {"b", {Incl(I(20), I(30), "20 ..= 30")}}}),
            Lines{"E0308 1:7 tiers `B` do not cover values below `0` | note - this is the first "
                  "of 3 gaps | help add `otherwise` or a pattern that covers them"});
}

TEST(CheckTiersInt, BoundedGap) {
  Harness h("tiers B of int {\n  a: < 10;\n  b: >= 20;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(10), "< 10")}}, {"b", {Ge(I(20), ">= 20")}}}),
            Lines{"E0308 1:7 tiers `B` do not cover values from `10` to `19` | help add "
                  "`otherwise` or a pattern that covers them"});
}

TEST(CheckTiersInt, UpperGap) {
  Harness h("tiers B of int {\n  a: < 1700;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(1700), "< 1700")}}}),
            Lines{"E0308 1:7 tiers `B` do not cover values of `1700` and above | help add "
                  "`otherwise` or a pattern that covers them"});
}

TEST(CheckTiersInt, OverlappingRangesReportedAtTheLaterPattern) {
  Harness h("tiers B of int {\n  a: < 20;\n  b: 10 ..< 30;\n  c: >= 30;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(20), "< 20")}},
                                     {"b", {Excl(I(10), I(30), "10 ..< 30")}},
                                     {"c", {Ge(I(30), ">= 30")}}}),
            Lines{"E0307 3:6 every value from `10` to `19` is in both `a` and `b` | note 2:6 also "
                  "in `a` here"});
}

TEST(CheckTiersInt, OverlapWithHalfLines) {
  Harness h("tiers B of int {\n  a: <= 5;\n  b: < 3;\n  c: > 5;\n  d: >= 100;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Le(I(5), "<= 5")}},
                                     {"b", {Lt(I(3), "< 3")}},
                                     {"c", {Gt(I(5), "> 5")}},
                                     {"d", {Ge(I(100), ">= 100")}}}),
            (Lines{"E0307 3:6 every value below `3` is in both `a` and `b` | note 2:6 also in `a` "
                   "here",
                   "E0307 5:6 every value of `100` and above is in both `c` and `d` | note 4:6 "
                   "also in `c` here"}));
}

TEST(CheckTiersInt, ThirdOverlappingPatternIsCaughtToo) {
  // `b` overlaps `a`; `c` overlaps only the part of `b` that `a` does not cover.
  Harness h("tiers B of int {\n  a: < 10;\n  b: 5 ..< 20;\n  c: >= 15;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(10), "< 10")}},
                                     {"b", {Excl(I(5), I(20), "5 ..< 20")}},
                                     {"c", {Ge(I(15), ">= 15")}}}),
            (Lines{"E0307 3:6 every value from `5` to `9` is in both `a` and `b` | note 2:6 also "
                   "in `a` here",
                   "E0307 4:6 every value from `15` to `19` is in both `b` and `c` | note 3:6 also "
                   "in `b` here"}));
}

TEST(CheckTiersInt, OverlapInsideOneTierIsADuplicate) {
  Harness h("tiers B of int {\n  a: < 10 | 5 ..< 8 | {3};\n  b: >= 10;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(10), "< 10"), Excl(I(5), I(8), "5 ..< 8"),
                                            Set({I(3)}, "{3}", {"3"})}},
                                     {"b", {Ge(I(10), ">= 10")}}}),
            (Lines{"E0329 2:13 `5 ..< 8` is listed twice in `a` | note 2:6 first listed here",
                   "E0329 2:24 `3` is listed twice in `a` | note 2:6 first listed here"}));
}

TEST(CheckTiersInt, EmptyRangeMakesAnEmptyTier) {
  Harness h("tiers B of int {\n  a: < 5;\n  b: 5 ..< 5;\n  c: >= 5;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(5), "< 5")}},
                                     {"b", {Excl(I(5), I(5), "5 ..< 5")}},
                                     {"c", {Ge(I(5), ">= 5")}}}),
            Lines{"E0309 3:3 tier `b` matches nothing | note 3:6 this range is empty"});
}

TEST(CheckTiersInt, HalfLinesBeyondTheDomainAreEmpty) {
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  Harness h("tiers B of int {\n  a: < MIN;\n  b: > MAX;\n  c: <= MAX;\n  d: 9 ..= 2;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Lt(I(lo), "< MIN")}},
                                     {"b", {Gt(I(hi), "> MAX")}},
                                     {"c", {Le(I(hi), "<= MAX")}},
                                     {"d", {Incl(I(9), I(2), "9 ..= 2")}}}),
            (Lines{"E0309 2:3 tier `a` matches nothing | note 2:6 no value matches this pattern",
                   "E0309 3:3 tier `b` matches nothing | note 3:6 no value matches this pattern",
                   "E0309 5:3 tier `d` matches nothing | note 5:6 this range is empty"}));
}

TEST(CheckTiersInt, ExtremeBoundsCoverTheDomain) {
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  Harness h("tiers B of int {\n  a: {MIN};\n  b: MIN ..< MAX;\n  c: {MAX};\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Set({I(lo)}, "{MIN}", {"MIN"})}},
                                     {"b", {Excl(I(lo + 1), I(hi), "MIN ..< MAX")}},
                                     {"c", {Set({I(hi)}, "{MAX}", {"MAX"})}}}),
            Lines{});
  Harness g("tiers B of int {\n  a: > MIN;\n}\n");
  EXPECT_EQ(g.Run(ast::Type::Int(), {{"a", {Gt(I(lo), "> MIN")}}}),
            Lines{"E0308 1:7 tiers `B` do not cover `-9223372036854775808` | help add `otherwise` "
                  "or a pattern that covers it"});
}

TEST(CheckTiersInt, OtherwiseFillsTheGaps) {
  Harness h("tiers B of int {\n  a: {1, 2};\n  b: otherwise;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(),
                  {{"a", {Set({I(1), I(2)}, "{1, 2}", {"1", "2"})}}, {"b", {Otherwise()}}}),
            Lines{});
  EXPECT_EQ(h.Classify(I(2)), 0);
  EXPECT_EQ(h.Classify(I(3)), 1);
}

TEST(CheckTiersInt, OtherwiseThatMatchesNothing) {
  Harness h("tiers B of int {\n  a: < 0;\n  b: >= 0;\n  c: otherwise;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(),
                  {{"a", {Lt(I(0), "< 0")}}, {"b", {Ge(I(0), ">= 0")}}, {"c", {Otherwise()}}}),
            Lines{"E0309 4:3 tier `c` matches nothing | note 4:6 the other tiers already cover "
                  "every value"});
}

TEST(CheckTiersInt, TwoOtherwise) {
  Harness h("tiers B of int {\n  a: {1};\n  b: otherwise;\n  c: otherwise;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Int(), {{"a", {Set({I(1)}, "{1}", {"1"})}},
                                     {"b", {Otherwise()}},
                                     {"c", {Otherwise()}}}),
            Lines{"E0310 4:6 tiers `B` have more than one `otherwise` | note 3:6 the first "
                  "`otherwise` is here | help remove all but one `otherwise`"});
  EXPECT_EQ(h.Classify(I(5)), 1);
}

TEST(CheckTiersInt, UnreadablePatternsAreSkippedQuietly) {
  // After an earlier error a bound may be missing or of the wrong kind: no gap, no empty tier.
  Harness h("tiers B of int {\n  a: < X;\n  b: 1 ..< Y;\n  c: {Z};\n  d:\n}\n");
  std::vector<ArmSpec> arms = {{"a", {{PatternKind::Lt, {}, "< X", {}}}},
                               {"b", {{PatternKind::RangeExcl, {I(1)}, "1 ..< Y", {}}}},
                               {"c", {Set({S("z")}, "{Z}", {})}},
                               {"d", {}}};
  EXPECT_EQ(h.Run(ast::Type::Int(), std::move(arms)), Lines{});
  EXPECT_EQ(h.Classify(I(0)), -1);
}

TEST(CheckTiersInt, NullPatternsAndArmsDoNotCrash) {
  Harness h("tiers B of int {\n  a: < 1;\n}\n");
  h.Check(ast::Type::Int(), {{"a", {Lt(I(1), "< 1")}}});
  h.values().push_back({});               // an arm without its AST node
  h.values()[0].patterns.push_back({});  // a pattern without its AST node
  SourceManager empty_sources;
  DiagnosticEngine diags(empty_sources);
  ast::TiersDecl decl(SourceRange{});
  CheckTierPartition(decl, ast::Type::Int(), h.values(), diags);
  EXPECT_EQ(diags.error_count(), 0);
  EXPECT_EQ(h.Classify(I(0)), 0);
  EXPECT_EQ(h.Classify(I(5)), -1);
}

TEST(CheckTiersInt, UnsupportedTypesAreIgnored) {
  Harness h("tiers B of int {\n  a: < 1;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Error(), {{"a", {Lt(I(1), "< 1")}}}), Lines{});
  EXPECT_EQ(h.Run(ast::Type::Enum(nullptr), {{"a", {Lt(I(1), "< 1")}}}), Lines{});
  EXPECT_EQ(h.Classify(I(0)), -1);
}

// ---------------------------------------------------------------------------------------------
// float

TEST(CheckTiersFloat, LessAndAtLeastCoverEverything) {
  Harness h("tiers R of float {\n  low: < 1.0;\n  high: >= 1.0;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Float(), {{"low", {Lt(F(1.0), "< 1.0")}},
                                       {"high", {Ge(F(1.0), ">= 1.0")}}}),
            Lines{});
  EXPECT_EQ(h.Classify(F(std::nextafter(1.0, 0.0))), 0);
  EXPECT_EQ(h.Classify(F(1.0)), 1);
  EXPECT_EQ(h.Classify(I(1)), 1);  // an int argument widens to float
  EXPECT_EQ(h.Classify(I(0)), 0);
  EXPECT_EQ(h.Classify(F(-std::numeric_limits<double>::max())), 0);
  EXPECT_EQ(h.Classify(F(std::numeric_limits<double>::infinity())), -1);
}

TEST(CheckTiersFloat, StrictBothSidesLeaveOneValue) {
  Harness h("tiers R of float {\n  low: < 1.0;\n  high: > 1.0;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Float(), {{"low", {Lt(F(1.0), "< 1.0")}},
                                       {"high", {Gt(F(1.0), "> 1.0")}}}),
            Lines{"E0308 1:7 tiers `R` do not cover `1.0` | help add `otherwise` or a pattern "
                  "that covers it"});
}

TEST(CheckTiersFloat, IntervalGapsNameTheBoundsTheUserWrote) {
  Harness h("tiers R of float {\n  low: < 1.0;\n  high: >= 2.5;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Float(), {{"low", {Lt(F(1.0), "< 1.0")}},
                                       {"high", {Ge(F(2.5), ">= 2.5")}}}),
            Lines{"E0308 1:7 tiers `R` do not cover values from `1.0` to just below `2.5` | help "
                  "add `otherwise` or a pattern that covers them"});
  Harness g("tiers R of float {\n  low: <= 1.0;\n  high: > 2.5;\n}\n");
  EXPECT_EQ(g.Run(ast::Type::Float(), {{"low", {Le(F(1.0), "<= 1.0")}},
                                       {"high", {Gt(F(2.5), "> 2.5")}}}),
            Lines{"E0308 1:7 tiers `R` do not cover values from just above `1.0` to `2.5` | help "
                  "add `otherwise` or a pattern that covers them"});
  Harness k("tiers R of float {\n  mid: 0.0 ..< 1e26;\n}\n");
  EXPECT_EQ(k.Run(ast::Type::Float(), {{"mid", {Excl(F(0.0), F(1e26), "0.0 ..< 1e26")}}}),
            Lines{"E0308 1:7 tiers `R` do not cover values below `0.0` | note - this is the first "
                  "of 2 gaps | help add `otherwise` or a pattern that covers them"});
  Harness m("tiers R of float {\n  low: <= 0.5;\n}\n");
  EXPECT_EQ(m.Run(ast::Type::Float(), {{"low", {Le(F(0.5), "<= 0.5")}}}),
            Lines{"E0308 1:7 tiers `R` do not cover values above `0.5` | help add `otherwise` or "
                  "a pattern that covers them"});
}

TEST(CheckTiersFloat, NegativeZeroIsZero) {
  Harness h("tiers R of float {\n  a: {0.0};\n  b: {-0.0};\n  c: otherwise;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Float(), {{"a", {Set({F(0.0)}, "{0.0}", {"0.0"})}},
                                       {"b", {Set({F(-0.0)}, "{-0.0}", {"-0.0"})}},
                                       {"c", {Otherwise()}}}),
            Lines{"E0307 3:7 `0.0` is in both `a` and `b` | note 2:7 also in `a` here"});
  EXPECT_EQ(h.Classify(F(-0.0)), 0);
}

TEST(CheckTiersFloat, IntBoundsAndSubnormals) {
  // Int bounds are normally converted by the caller; accept them anyway.
  Harness h("tiers R of float {\n  neg: < 0;\n  zero: {0};\n  pos: > 0;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Float(), {{"neg", {Lt(I(0), "< 0")}},
                                       {"zero", {Set({I(0)}, "{0}", {"0"})}},
                                       {"pos", {Gt(I(0), "> 0")}}}),
            Lines{});
  EXPECT_EQ(h.Classify(F(std::numeric_limits<double>::denorm_min())), 2);
  EXPECT_EQ(h.Classify(F(-std::numeric_limits<double>::denorm_min())), 0);
  Harness g("tiers R of float {\n  neg: < 0.0;\n  pos: > 0.0;\n}\n");
  EXPECT_EQ(g.Run(ast::Type::Float(), {{"neg", {Lt(F(0.0), "< 0.0")}},
                                       {"pos", {Gt(F(0.0), "> 0.0")}}}),
            Lines{"E0308 1:7 tiers `R` do not cover `0.0` | help add `otherwise` or a pattern "
                  "that covers it"});
}

TEST(CheckTiersFloat, DuplicateIntervalInOneTierUsesPatternSyntax) {
  Harness h("tiers R of float {\n  a: < 1.5 | 0.25 ..= 2.0;\n  b: > 2.0;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Float(), {{"a", {Lt(F(1.5), "< 1.5"),
                                              Incl(F(0.25), F(2.0), "0.25 ..= 2.0")}},
                                       {"b", {Gt(F(2.0), "> 2.0")}}}),
            Lines{"E0329 2:14 `0.25 ..< 1.5` is listed twice in `a` | note 2:6 first listed here"});
}

// ---------------------------------------------------------------------------------------------
// date

TEST(CheckTiersDate, Partition) {
  Harness h("tiers Era of date {\n  old: < 2020-01-01;\n  new: >= 2020-01-01;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Date(), {{"old", {Lt(D(2020, 1, 1), "< 2020-01-01")}},
                                      {"new", {Ge(D(2020, 1, 1), ">= 2020-01-01")}}}),
            Lines{});
  EXPECT_EQ(h.Classify(D(2019, 12, 31)), 0);
  EXPECT_EQ(h.Classify(D(9999, 12, 31)), 1);
}

TEST(CheckTiersDate, GapsAreDays) {
  Harness h("tiers Era of date {\n  a: 0001-01-02 ..< 2020-01-01;\n  b: > 2020-01-31;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::Date(),
                  {{"a", {Excl(D(1, 1, 2), D(2020, 1, 1), "0001-01-02 ..< 2020-01-01")}},
                   {"b", {Gt(D(2020, 1, 31), "> 2020-01-31")}}}),
            Lines{"E0308 1:7 tiers `Era` do not cover `0001-01-01` | note - this is the first of "
                  "2 gaps | help add `otherwise` or a pattern that covers it"});
  Harness g("tiers Era of date {\n  a: < 2020-01-01;\n  b: > 2020-12-31;\n}\n");
  EXPECT_EQ(g.Run(ast::Type::Date(), {{"a", {Lt(D(2020, 1, 1), "< 2020-01-01")}},
                                      {"b", {Gt(D(2020, 12, 31), "> 2020-12-31")}}}),
            Lines{"E0308 1:7 tiers `Era` do not cover values from `2020-01-01` to `2020-12-31` | "
                  "help add `otherwise` or a pattern that covers them"});
  Harness k("tiers Era of date {\n  a: <= 9999-12-30;\n}\n");
  EXPECT_EQ(k.Run(ast::Type::Date(), {{"a", {Le(D(9999, 12, 30), "<= 9999-12-30")}}}),
            Lines{"E0308 1:7 tiers `Era` do not cover `9999-12-31` | help add `otherwise` or a "
                  "pattern that covers it"});
}

// ---------------------------------------------------------------------------------------------
// enum

constexpr const char* kCountries = R"(enum Country { US, AU, CN, RU, IR, KP, SY, CU, FR }
tiers Tier of Country {
  tier1: { US, AU, FR };
  tier2: { CN, US };
  tier3: { RU, IR, KP, SY, CU };
}
)";

TEST(CheckTiersEnum, MemberInTwoTiers) {
  Harness h(kCountries);
  auto* country = h.MakeEnum("Country", {"US", "AU", "CN", "RU", "IR", "KP", "SY", "CU", "FR"});
  EXPECT_EQ(h.Run(ast::Type::Enum(country),
                  {{"tier1", {Set({M(0), M(1), M(8)}, "{ US, AU, FR }", {"US", "AU", "FR"})}},
                   {"tier2", {Set({M(2), M(0)}, "{ CN, US }", {"CN", "US"})}},
                   {"tier3", {Set({M(3), M(4), M(5), M(6), M(7)}, "{ RU, IR, KP, SY, CU }",
                                  {"RU", "IR", "KP", "SY", "CU"})}}}),
            Lines{"E0307 4:16 `US` is in both `tier1` and `tier2` | note 3:12 also in `tier1` "
                  "here"});
  EXPECT_EQ(h.Classify(M(2)), 1);
  EXPECT_EQ(h.Classify(M(7)), 2);
  EXPECT_EQ(h.Classify(M(42)), -1);
}

TEST(CheckTiersEnum, MissingMembersAreListed) {
  Harness h(kCountries);
  auto* country = h.MakeEnum("Country", {"US", "AU", "CN", "RU", "IR", "KP", "SY", "CU", "FR"});
  EXPECT_EQ(h.Run(ast::Type::Enum(country),
                  {{"tier1", {Set({M(0), M(1)}, "{ US, AU, FR }", {"US", "AU"})}},
                   {"tier2", {Set({M(2)}, "{ CN, US }", {"CN"})}},
                   {"tier3", {Set({M(4), M(5)}, "{ RU, IR, KP, SY, CU }", {"IR", "KP"})}}}),
            Lines{"E0308 2:7 tiers `Tier` do not cover `RU`, `SY`, `CU` and `FR` | help add "
                  "`otherwise` or patterns that cover them"});

  Harness g(kCountries);
  country = g.MakeEnum("Country", {"US", "AU", "CN", "RU", "IR", "KP", "SY", "CU", "FR"});
  EXPECT_EQ(g.Run(ast::Type::Enum(country),
                  {{"tier1", {Set({M(0)}, "{ US, AU, FR }", {"US"})}},
                   {"tier2", {Set({M(2)}, "{ CN, US }", {"CN"})}},
                   {"tier3", {Set({M(7)}, "{ RU, IR, KP, SY, CU }", {"CU"})}}}),
            Lines{"E0308 2:7 tiers `Tier` do not cover `AU`, `RU`, `IR`, `KP` and 2 more | help "
                  "add `otherwise` or patterns that cover them"});

  Harness k(kCountries);
  country = k.MakeEnum("Country", {"US", "AU", "CN", "RU", "IR", "KP", "SY", "CU", "FR"});
  EXPECT_EQ(k.Run(ast::Type::Enum(country),
                  {{"tier1", {Set({M(0), M(1), M(8)}, "{ US, AU, FR }", {"US", "AU", "FR"})}},
                   {"tier2", {Set({M(2)}, "{ CN, US }", {"CN"})}},
                   {"tier3", {Set({M(3), M(5), M(6), M(7)}, "{ RU, IR, KP, SY, CU }",
                                  {"RU", "KP", "SY", "CU"})}}}),
            Lines{"E0308 2:7 tiers `Tier` do not cover `IR` | help add `otherwise` or a pattern "
                  "that covers it"});
}

TEST(CheckTiersEnum, OrderingPatternsByDeclarationOrder) {
  const char* src = R"(enum Level { l0, l1, l2, l3, l4, l5, l6 }
tiers Band of Level {
  low: < l2 | {l2};
  high: >= l3;
}
)";
  Harness h(src);
  auto* level = h.MakeEnum("Level", {"l0", "l1", "l2", "l3", "l4", "l5", "l6"});
  EXPECT_EQ(h.Run(ast::Type::Enum(level), {{"low", {Lt(M(2), "< l2"), Set({M(2)}, "{l2}", {"l2"})}},
                                           {"high", {Ge(M(3), ">= l3")}}}),
            Lines{});
  EXPECT_EQ(h.Classify(M(1)), 0);
  EXPECT_EQ(h.Classify(M(2)), 0);
  EXPECT_EQ(h.Classify(M(6)), 1);

  Harness g(src);
  level = g.MakeEnum("Level", {"l0", "l1", "l2", "l3", "l4", "l5", "l6"});
  EXPECT_EQ(g.Run(ast::Type::Enum(level), {{"low", {Lt(M(2), "< l2"), Set({M(2)}, "{l2}", {"l2"})}},
                                           {"high", {Ge(M(0), ">= l3")}}}),
            // One report per later pattern, against the first earlier one it meets (`{l2}` is
            // reported once `< l2` is fixed).
            Lines{"E0307 4:9 each of `l0` and `l1` is in both `low` and `high` | note 3:8 also in "
                  "`low` here"});

  Harness k(src);
  level = k.MakeEnum("Level", {"l0", "l1", "l2", "l3", "l4", "l5", "l6"});
  EXPECT_EQ(k.Run(ast::Type::Enum(level), {{"low", {Lt(M(0), "< l2"), Set({M(1)}, "{l2}", {"l2"})}},
                                           {"high", {Ge(M(6), ">= l3")}}}),
            Lines{"E0308 2:7 tiers `Band` do not cover `l0`, `l2`, `l3`, `l4` and `l5` | help add "
                  "`otherwise` or patterns that cover them"});
}

TEST(CheckTiersEnum, EnumWithoutMembersIsLeftToItsOwnCheck) {
  Harness h("enum E { }\ntiers T of E {\n  a: otherwise;\n}\n");
  auto* e = h.MakeEnum("E", {});
  EXPECT_EQ(h.Run(ast::Type::Enum(e), {{"a", {Otherwise()}}}), Lines{});
}

// ---------------------------------------------------------------------------------------------
// string

TEST(CheckTiersString, SetsNeedOtherwise) {
  Harness h("tiers Code of string {\n  a: {\"x\", \"y\"};\n  b: {\"z\"};\n}\n");
  EXPECT_EQ(h.Run(ast::Type::String(),
                  {{"a", {Set({S("x"), S("y")}, "{\"x\", \"y\"}", {"\"x\"", "\"y\""})}},
                   {"b", {Set({S("z")}, "{\"z\"}", {"\"z\""})}}}),
            Lines{"E0308 1:7 tiers `Code` do not cover strings other than those listed | help add "
                  "`otherwise` to classify every other string"});
  EXPECT_EQ(h.Classify(S("z")), 1);
  EXPECT_EQ(h.Classify(S("w")), -1);
}

TEST(CheckTiersString, DuplicatesAndOtherwise) {
  Harness h("tiers Code of string {\n  a: {\"x\\n\", \"y\"};\n  b: {\"x\\n\"} | otherwise;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::String(),
                  {{"a", {Set({S("x\n"), S("y")}, "{\"x\\n\", \"y\"}", {"\"x\\n\"", "\"y\""})}},
                   {"b", {Set({S("x\n")}, "{\"x\\n\"}", {"\"x\\n\""}), Otherwise()}}}),
            Lines{"E0307 3:7 `\"x\\n\"` is in both `a` and `b` | note 2:7 also in `a` here"});
  EXPECT_EQ(h.Classify(S("y")), 0);
  EXPECT_EQ(h.Classify(S("anything")), 1);
  EXPECT_EQ(h.Classify(I(1)), -1);
}

TEST(CheckTiersString, OrderingPatternsAreLeftToTheCaller) {
  Harness h("tiers Code of string {\n  a: < \"m\";\n  b: otherwise;\n}\n");
  EXPECT_EQ(h.Run(ast::Type::String(), {{"a", {Lt(S("m"), "< \"m\"")}}, {"b", {Otherwise()}}}),
            Lines{});
  EXPECT_EQ(h.Classify(S("a")), 1);
}

// ---------------------------------------------------------------------------------------------
// Scale: the check is O(n log n) in patterns and set members.

TEST(CheckTiersScale, ManyMembersAndRanges) {
  constexpr int kMembers = 250;
  std::string src = "enum Country { ";
  std::vector<std::string> names;
  for (int i = 0; i < kMembers; ++i) names.push_back("C" + std::to_string(i));
  for (const auto& n : names) src += n + ", ";
  src += "}\ntiers Tier of Country {\n";
  std::vector<ArmSpec> arms;
  for (int t = 0; t < 5; ++t) {
    std::string set = "{";
    std::vector<Value> values;
    std::vector<std::string> members;
    for (int i = t * 50; i < t * 50 + 50; ++i) {
      set += " " + names[i];
      values.push_back(M(i));
      members.push_back(names[i]);
    }
    set += " }";
    src += "  t" + std::to_string(t) + ": " + set + ";\n";
    arms.push_back({"t" + std::to_string(t), {Set(values, set, members)}});
  }
  src += "}\n";
  Harness h(src);
  auto* country = h.MakeEnum("Country", names);
  EXPECT_EQ(h.Run(ast::Type::Enum(country), arms), Lines{});
  EXPECT_EQ(h.Classify(M(249)), 4);

  // 20,000 adjacent int ranges, then the same with every range overlapping its neighbour.
  constexpr int kRanges = 20000;
  std::string isrc = "tiers Big of int {\n";
  for (int i = 0; i < kRanges; ++i) isrc += "  r" + std::to_string(i) + ": r;\n";
  isrc += "  lo: l;\n  hi: h;\n}\n";
  auto build = [&](int64_t overlap) {
    std::vector<ArmSpec> ranges;
    for (int i = 0; i < kRanges; ++i) {
      ranges.push_back({"r" + std::to_string(i), {Excl(I(i * 10), I(i * 10 + 10 + overlap), "r")}});
    }
    ranges.push_back({"lo", {Lt(I(0), "l")}});
    ranges.push_back({"hi", {Ge(I(kRanges * 10 + overlap), "h")}});
    return ranges;
  };
  auto start = std::chrono::steady_clock::now();
  Harness big(isrc);
  EXPECT_TRUE(big.Check(ast::Type::Int(), build(0)).empty());
  EXPECT_EQ(big.Classify(I(12345)), 1234);
  Harness bad(isrc);
  EXPECT_EQ(bad.Check(ast::Type::Int(), build(5)).size(), static_cast<size_t>(kRanges - 1));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

}  // namespace
}  // namespace edict::sema
