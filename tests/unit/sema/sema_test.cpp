// Unit tests for semantic analysis (sema/sema.h): each table case is a policy snippet and the
// exact list of diagnostic codes it must produce (errors and warnings, in reported order), so
// every code sema emits is covered, and cascades show up as extra codes.
#include "sema/sema.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "llvm/Support/Casting.h"
#include "parse/parser.h"
#include "testing/compile_helpers.h"

namespace edict::sema {
namespace {

using testing::CompileFiles;
using testing::CompileResult;
using testing::CompileString;

// A complete policy that the cases extend.
constexpr const char* kPrelude = R"(policy p;
enum Item { gpu, cpu }
decision Outcome { allow, notify, deny }
default allow;
input {
  item: Item;
  qty: int;
  d0: date = 2020-01-01;
  name: string = "x";
  ratio: float = 0.5;
  flag: bool = false;
}
)";

struct Case {
  const char* name;
  const char* body;  // appended to kPrelude
  std::vector<std::string> codes;
};

// Shown by gtest (and in ctest's test list) instead of the struct's raw bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class SemaCodesTest : public ::testing::TestWithParam<Case> {};

TEST_P(SemaCodesTest, ReportsExactlyTheExpectedCodes) {
  const Case& c = GetParam();
  CompileResult r = CompileString(std::string(kPrelude) + c.body);
  EXPECT_EQ(r.codes(), c.codes) << r.ToString();
  bool has_error = false;
  for (const std::string& code : c.codes) has_error = has_error || code[0] == 'E';
  EXPECT_EQ(r.success, !has_error) << r.ToString();
}

const Case kCases[] = {
    // Clean snippets.
    {"Clean", "rule r: item == gpu and qty > 3 => deny;\n", {}},
    {"BareMemberOnEitherSide", "rule r: gpu == item or cpu != item => deny;\n", {}},
    {"QualifiedMember", "rule r: item == Item.cpu => deny;\n", {}},
    {"IntFloatPromotion", "output o: float = qty + ratio * 2;\nrule r: o > 1 => deny;\n", {}},
    {"DivisionIsFloat", "output o: float = qty / 2;\n", {}},
    {"IfBranchesUnify", "output o: float = if flag then 1 else 2.5;\n", {}},
    {"MatchOnBool", "output o = match flag { true => 1, false => 2 };\n", {}},
    {"MatchWithWildcard", "output o = match item { gpu => Outcome.deny, _ => allow };\n", {}},
    {"MatchArmsGiveExpectedType",
     "output o: Outcome = match item { gpu => deny, cpu => allow };\n",
     {}},
    {"InConstSet", "const S: set<Item> = {gpu};\nrule r: item in S => deny;\n", {}},
    {"InSetLiteral", "rule r: item not in {gpu, cpu} or qty in {1, 2} => deny;\n", {}},
    {"BuiltIns",
     "output a = min(qty, 2) + max(1, 2, 3) + abs(qty) + floor(ratio) + ceil(ratio) + "
     "round(ratio);\noutput b = year(d0) + month(today) + day(d0) + days_between(d0, today);\n"
     "output c = max(d0, today);\n",
     {}},
    {"OrderedEnums", "rule r: item < cpu and min(item, Item.cpu) == gpu => deny;\n", {}},
    {"DeclarationOrderDoesNotMatter",
     "rule r: late > 1 => deny;\noutput late = qty + K;\n"
     "const K = 2;\n",
     {}},
    {"ConstantExpressions",
     "const A = 1 + 2 * 3 - 4 % 3;\nconst B: float = A / 2;\nconst C = if A > 3 then A else 0;\n"
     "const D = match Item.gpu { gpu => 1, cpu => 2 };\n"
     "rule r: qty > A + C + D and ratio < B => deny;\n",
     {}},
    {"ExactIntFloatComparison",
     "const X = if 9007199254740993 > 9007199254740992.0 then 1 else 1 / 0;\n"
     "rule r: qty > X => deny;\n",
     {}},
    {"RemainderOfMinByMinusOne",
     "const X = -9223372036854775808 % -1;\nrule r: qty > X => deny;\n",
     {}},
    {"TierFunction",
     "tiers Size of int { small: < 10; big: otherwise; }\n"
     "const SMALL_ONE = Size(3);\n"
     "rule r: Size(qty) == big and SMALL_ONE == small => deny;\n",
     {}},
    {"FloatTierWithIntBounds",
     "tiers Band of float { low: < 1; high: >= 1; }\nrule r: Band(ratio) == high => deny;\n",
     {}},
    {"TierOfConstSet",
     "const GPUS: set<Item> = {gpu};\ntiers Kind of Item { accel: GPUS; other: otherwise; }\n"
     "rule r: Kind(item) == accel => deny;\n",
     {}},
    {"Cap",
     "cap c { limit: 10; key: item, name; window: month; amount: qty; applies: flag;"
     " record: allow, notify; }\n"
     "rule r: exceeds(c) and usage(c) + remaining(c) < limit(c) => deny;\n",
     {}},
    {"CapRecordNone", "cap c { limit: 10; amount: 1; record: none; }\n", {}},
    {"Exemptions",
     "rule r: true => deny;\ncap c { limit: 1; amount: 1; }\n"
     "exempt a from r, c when flag;\nexempt b from a when qty > 1;\n",
     {}},
    {"BecauseInterpolation",
     "output o = qty + 1;\nconst K = 3;\n"
     "rule r: true => deny because \"{qty} {o} {K} {today} {{literal}} \\u{41}\";\n",
     {}},
    {"Property",
     "rule r: qty > 1 => deny;\n"
     "property p1: qty > 1 implies outcome == deny and applied(r);\n",
     {}},
    {"Tests",
     "rule r: qty > 1 => deny;\nconst ONLY_TESTS = 5;\n"
     "test \"t\" today 2025-01-01 {\n"
     "  check { item: gpu, qty: ONLY_TESTS, today: 2025-02-01 } usage { } -> deny by r where "
     "qty == 5;\n"
     "  decide { item: Item.cpu, qty: 0 } -> allow by nothing;\n"
     "  check { item: gpu, qty: 1 } -> error int_overflow;\n"
     "}\n",
     {}},

    // E02xx: names.
    {"UnknownName", "rule r: itm == gpu => deny;\n", {"E0201"}},
    {"UnknownNameReportedOncePerUse",
     "output a = nope + 1;\nrule r: a > 1 and a < 5 => deny;\n",
     {"E0201"}},
    {"DuplicateDecl", "output a = 1;\noutput a = 2;\n", {"E0202"}},
    {"DuplicateOfField", "output qty = 1;\n", {"E0202"}},
    {"AmbiguousMember",
     "enum Other { gpu, tpu }\noutput o = gpu;\noutput o2 = Other.tpu;\n",
     {"E0205"}},
    {"ExpectedTypeDisambiguates",
     "enum Other { gpu, tpu }\nrule r: item == gpu => deny;\noutput o2 = Other.tpu;\n",
     {}},
    {"UnknownMember", "output o = Item.tpu;\n", {"E0206"}},
    {"ReservedName", "output max = 1;\n", {"E0207"}},
    {"UnknownCap", "rule r: exceeds(r) => deny;\n", {"E0211"}},
    {"UnknownFunction", "output o = foo(1);\n", {"E0212"}},
    {"DeclMemberAmbiguity", "output cpu = 1;\nrule r: item == cpu => deny;\n", {"E0213"}},

    // E03xx: types and constants.
    {"TypeMismatch", "output o: int = 1.5;\n", {"E0301"}},
    {"ConditionNotBool", "rule r: qty => deny;\n", {"E0301"}},
    {"InvalidOperands", "output o = 1 + \"x\";\n", {"E0302"}},
    {"StringOrdering", "rule r: name < \"a\" => deny;\n", {"E0302"}},
    {"RemainderOnFloat", "output o = ratio % 2;\n", {"E0302"}},
    {"EnumsOfDifferentTypes", "rule r: item == deny => deny;\n", {"E0302"}},
    {"ErrorTypeIsSilent",
     "output a = 1 + \"x\";\nrule r: a > 1 and a * 2 == \"y\" => deny;\n",
     {"E0302"}},
    {"WrongArgCount", "output o = abs(1, 2);\n", {"E0303"}},
    {"NotConstant", "const K = qty;\noutput o = K;\n", {"E0304"}},
    {"TodayNotConstant", "const K = today;\noutput o = K;\n", {"E0304"}},
    {"SetMemberNotConstant", "rule r: 1 in {qty} => deny;\n", {"E0304"}},
    {"DivisionByZero", "const K = 1 / 0;\noutput o = K;\n", {"E0305"}},
    {"IntOverflow", "const K = 9223372036854775807 + 1;\noutput o = K;\n", {"E0305"}},
    {"AbsOverflow", "const K = abs(-9223372036854775808);\noutput o = K;\n", {"E0305"}},
    {"RemainderByZero", "const K = 3 % 0;\noutput o = K;\n", {"E0305"}},
    {"LetCycle", "output a = b;\noutput b = a;\n", {"E0306"}},
    {"ConstCycle", "const A = B + 1;\nconst B = A;\noutput o = A;\n", {"E0306"}},
    {"SelfCycle", "output a = a + 1;\n", {"E0306"}},
    {"StringOrderingPattern",
     "tiers T of string { a: < \"x\"; b: otherwise; }\n"
     "rule r: T(name) == a => deny;\n",
     {"E0311"}},
    {"NonExhaustiveMatch", "output o = match item { gpu => 1 };\n", {"E0312"}},
    {"NonExhaustiveBoolMatch", "output o = match flag { true => 1 };\n", {"E0312"}},
    {"DuplicateArm", "output o = match item { gpu => 1, gpu => 2, _ => 3 };\n", {"E0313"}},
    {"ArmAfterWildcard", "output o = match item { _ => 1, gpu => 2 };\n", {"E0313"}},
    {"UselessWildcard", "output o = match item { gpu => 1, cpu => 2, _ => 3 };\n", {"E0313"}},
    {"ExemptionCycle",
     "rule r: true => deny;\nexempt a from b, r when true;\nexempt b from a when true;\n",
     {"E0314"}},
    {"ExemptionSelfCycle", "exempt a from a when true;\n", {"E0314"}},
    {"InvalidExemptionTarget", "exempt a from Item when true;\n", {"E0315"}},
    {"UnknownExemptionTarget", "exempt a from nope when true;\n", {"E0201"}},
    {"DuplicateExemptionTarget",
     "rule r: true => deny;\nexempt a from r, r when true;\n",
     {"E0316"}},
    {"NotAnOutcome", "rule r: true => dney;\n", {"E0317"}},
    {"RecordNotAnOutcome", "cap c { limit: 1; amount: 1; record: allow, maybe; }\n", {"E0317"}},
    {"DuplicateDefault", "default deny;\n", {"E0319"}},
    {"BadValidity", "rule r effective 2025-01-01 until 2024-01-01: true => deny;\n", {"E0320"}},
    {"CapMissingAmount", "cap c { limit: 1; }\n", {"E0321"}},
    {"CapMissingLimit", "cap c { amount: 1; }\n", {"E0321"}},
    {"DuplicateCapEntry", "cap c { limit: 1; amount: 1; limit: 2; }\n", {"E0322"}},
    {"InvalidWindow", "cap c { limit: 1; amount: 1; window: weekly; }\n", {"E0323"}},
    {"FloatCapKey", "cap c { limit: 1; amount: 1; key: ratio; }\n", {"E0324"}},
    {"NegativeLimit", "cap c { limit: -1; amount: 1; }\n", {"E0325"}},
    {"CapCycle",
     "cap a { limit: usage(b); amount: 1; }\ncap b { limit: 5; amount: remaining(a); }\n",
     {"E0326"}},
    {"CapCycleThroughLet",
     "output u = usage(a);\ncap a { limit: 5; amount: 1; applies: u > 1; }\n",
     {"E0326"}},
    {"OutcomeOutsideProperty", "rule r: outcome == deny => deny;\n", {"E0327"}},
    {"AppliedOutsideProperty", "rule r: true => deny;\nrule s: applied(r) => deny;\n", {"E0327"}},
    {"ImpliesOutsideProperty", "rule r: flag implies flag => deny;\n", {"E0327"}},
    {"EmptyEnum", "enum E { }\n", {"E0328"}},
    {"DuplicateMember", "enum E { a, b, a }\noutput o = E.b;\n", {"E0329"}},
    {"SetOutsideIn", "output o = {1, 2};\n", {"E0330"}},
    {"DuplicateSetMember", "rule r: qty in {1, 1} => deny;\n", {"E0330"}},
    {"SetTypedLet", "output o: set<int> = 1;\n", {"E0331"}},
    {"UnbalancedBrace", "rule r: true => deny because \"{qty\";\n", {"E0333"}},
    {"UnmatchedClosingBrace", "rule r: true => deny because \"a } b\";\n", {"E0333"}},
    {"UnknownInterpolation", "rule r: true => deny because \"{qtty}\";\n", {"E0201"}},
    {"NotAType", "rule r: true => deny;\noutput o: r = 1;\n", {"E0335"}},
    {"NotAValue", "rule r: true => deny;\noutput o = r;\n", {"E0336"}},

    // E05xx: tests.
    {"UnknownRequestField",
     "test \"t\" { check { item: gpu, qty: 1, bogus: 1 } -> allow; }\n",
     {"E0203"}},
    {"MissingRequestField", "test \"t\" { check { item: gpu } -> allow; }\n", {"E0501"}},
    {"DuplicateRequestField",
     "test \"t\" { check { item: gpu, qty: 1, qty: 2 } -> allow; }\n",
     {"E0502"}},
    {"UnknownErrorCode", "test \"t\" { check { item: gpu, qty: 1 } -> error foo; }\n", {"E0503"}},
    {"ByNotARule", "test \"t\" { check { item: gpu, qty: 1 } -> allow by nope; }\n", {"E0504"}},
    {"UsageNotACap",
     "test \"t\" { check { item: gpu, qty: 1 } usage { nope: 1 } -> allow; }\n",
     {"E0211"}},
    {"RequestValueNotConstant",
     "test \"t\" { check { item: gpu, qty: qty } -> allow; }\n",
     {"E0304"}},
    {"RequestValueWrongType",
     "test \"t\" { check { item: gpu, qty: \"x\" } -> allow; }\n",
     {"E0301"}},

    // Warnings.
    {"UnusedLet", "let l = 1;\n", {"W0001"}},
    {"UnusedConst", "const K = 1;\n", {"W0001"}},
    {"UnusedEnum", "enum E { a }\n", {"W0001"}},
    {"UsedByBecause", "let l = 1;\nrule r: true => deny because \"{l}\";\n", {}},
};

INSTANTIATE_TEST_SUITE_P(Cases, SemaCodesTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------------------------------------
// Whole-file cases

TEST(SemaTest, MissingSingletonsAreReportedAtThePolicyName) {
  CompileResult r = CompileString("policy p;\nenum E { a }\n");
  ASSERT_EQ(r.codes(), (std::vector<std::string>{"E0318", "E0318", "E0318", "W0001"}))
      << r.ToString();
  EXPECT_EQ(r.diagnostics[0].line, 1u);
  EXPECT_EQ(r.diagnostics[0].col, 8u);
}

TEST(SemaTest, DecisionTypedFieldIsAnError) {
  CompileResult r =
      CompileString("policy p;\ndecision O { allow, deny }\ndefault allow;\ninput { o: O; }\n");
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0332"})) << r.ToString();
}

TEST(SemaTest, SetTypedFieldIsAnError) {
  CompileResult r = CompileString(
      "policy p;\ndecision O { allow, deny }\ndefault allow;\ninput { s: set<int>; }\n");
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0331"})) << r.ToString();
}

TEST(SemaTest, FieldDefaultMustBeConstant) {
  CompileResult r = CompileString(
      "policy p;\ndecision O { allow, deny }\ndefault allow;\ninput { a: int; b: int = a; }\n");
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0304"})) << r.ToString();
}

TEST(SemaTest, PolicyDatesMustBeOrdered) {
  CompileResult r = CompileString(
      "policy p effective 2025-01-01 expires 2024-01-01;\ndecision O { allow, deny }\n"
      "default allow;\ninput { a: int; }\n");
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0334"})) << r.ToString();
}

TEST(SemaTest, RuleNeverInForceWarns) {
  CompileResult r = CompileString(
      "policy p effective 2025-01-01;\ndecision O { allow, deny }\ndefault allow;\n"
      "input { a: int; }\nrule r until 2024-06-01: a > 1 => deny;\n");
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"W0003"})) << r.ToString();
  EXPECT_TRUE(r.success);
}

TEST(SemaTest, UnknownNameIsReportedAtTheName) {
  CompileResult r =
      CompileString(std::string(kPrelude) + "rule r: qty > 1 and itm == gpu => deny;\n");
  ASSERT_EQ(r.codes(), (std::vector<std::string>{"E0201"})) << r.ToString();
  EXPECT_EQ(r.diagnostics[0].line, 13u);
  EXPECT_EQ(r.diagnostics[0].col, 21u);
  ASSERT_EQ(r.diagnostics[0].help.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].help[0], "did you mean `item`?");
}

TEST(SemaTest, InterpolationErrorPointsInsideTheString) {
  CompileResult r = CompileString(std::string(kPrelude) +
                                  "rule r: true => deny because \"a \\\"q\\\" {qtty}\";\n");
  ASSERT_EQ(r.codes(), (std::vector<std::string>{"E0201"})) << r.ToString();
  // `rule r: true => deny because "a \"q\" {qtty}";` — the brace is at column 39.
  EXPECT_EQ(r.diagnostics[0].col, 39u);
}

TEST(SemaTest, CycleIsReportedAtItsFirstMember) {
  CompileResult r =
      CompileString(std::string(kPrelude) + "output b = c;\noutput a = b;\noutput c = a;\n");
  ASSERT_EQ(r.codes(), (std::vector<std::string>{"E0306"})) << r.ToString();
  EXPECT_EQ(r.diagnostics[0].line, 13u);
  EXPECT_EQ(r.diagnostics[0].notes.size(), 3u);
}

TEST(SemaTest, NonExhaustiveMatchNamesTheMissingMembers) {
  CompileResult r =
      CompileString(std::string(kPrelude) + "output o = match allow { notify => 1 };\n");
  ASSERT_EQ(r.codes(), (std::vector<std::string>{"E0312"})) << r.ToString();
  EXPECT_EQ(r.diagnostics[0].message, "`match` does not cover `allow` and `deny`");
}

TEST(SemaTest, ExemptionCycleNamesThePath) {
  CompileResult r = CompileString(std::string(kPrelude) +
                                  "exempt a from b when true;\nexempt b from c when true;\n"
                                  "exempt c from a when true;\n");
  ASSERT_EQ(r.codes(), (std::vector<std::string>{"E0314"})) << r.ToString();
  EXPECT_EQ(r.diagnostics[0].message, "exemption `a` defeats itself through `b` and `c`");
}

TEST(SemaTest, RunningExampleCompiles) {
  const char* source = R"(policy ai_diffusion version "2025-01-15" effective 2025-05-15;
import std.iso3166;
enum Item { gpu, closed_weights, open_weights }
decision Outcome { allow, notify, license_required, deny }
default allow;
input {
  destination: Country;
  headquarters: Country;
  item: Item;
  quantity: int;
  training_ops: float = 0.0;
  uveu: bool = false;
}
const LPP_LIMIT = 1_700;
tiers Tier of Country {
  tier1: { US, AU, BE, CA, DK, FI, FR, DE, IE, IT, JP, NL, NZ, NO, KR, ES, SE, TW, GB };
  tier2: otherwise;
  tier3: { CN, MO, RU, IR, KP, SY, CU, VE, BY };
}
tiers ModelClass of float {
  frontier: >= 1e26;
  other: otherwise;
}
let dest_tier = Tier(destination);
cap tier2_allocation {
  limit: 50_000;
  key: destination;
  window: year;
  amount: quantity;
  applies: item == gpu and dest_tier == tier2;
  record: allow, notify;
}
rule embargo: dest_tier == tier3 => deny
  because "{destination} is a Tier 3 destination" cite "15 CFR 744.23";
rule over_allocation: exceeds(tier2_allocation) => license_required
  cite "15 CFR 740.27";
rule lpp_notice: item == gpu and dest_tier == tier2 and quantity <= LPP_LIMIT => notify;
rule frontier_weights: item == closed_weights and ModelClass(training_ops) == frontier
                       and dest_tier != tier1 => license_required;
exempt low_processing from tier2_allocation when quantity <= LPP_LIMIT
  because "LPP orders do not count against the allocation";
exempt uveu_hq from tier2_allocation when uveu and Tier(headquarters) == tier1;
output remaining_allocation: int = remaining(tier2_allocation);
property tier3_always_denied: dest_tier == tier3 implies outcome == deny;
test "embargoed destinations are denied" {
  check { destination: CN, headquarters: US, item: gpu, quantity: 1 } -> deny by embargo;
}
test "the allocation fills up" {
  decide { destination: IN, headquarters: IN, item: gpu, quantity: 30_000 } -> allow;
  decide { destination: IN, headquarters: IN, item: gpu, quantity: 30_000 } -> license_required by over_allocation;
  check  { destination: IN, headquarters: IN, item: gpu, quantity: 1_000 } -> notify where remaining_allocation == 20_000;
}
)";
  CompileResult r = CompileString(source, "ai_diffusion.edict");
  EXPECT_TRUE(r.success) << r.ToString();
  EXPECT_TRUE(r.diagnostics.empty()) << r.ToString();
}

// ---------------------------------------------------------------------------------------------
// The checked module

TEST(SemaTest, FillsTheCheckedModule) {
  SourceManager sources;
  DiagnosticEngine diags(sources);
  FileId file = sources.AddFile("m.edict", std::string(kPrelude) +
                                               "rule r: true => deny;\n"
                                               "cap c { limit: 1; amount: 1; record: notify; }\n"
                                               "exempt z from r when flag;\n"
                                               "exempt y from z when flag;\n"
                                               "exempt x from y, c when flag;\n");
  ModuleLoader loader(sources, diags, SemaOptions{});
  auto module = parse::Parse(file, sources, diags);
  ASSERT_TRUE(module.has_value());
  auto checked = Check(*module, loader, diags);
  ASSERT_TRUE(checked.has_value());
  EXPECT_TRUE(checked->is_policy);
  EXPECT_EQ(checked->name, "p");
  ASSERT_NE(checked->decision, nullptr);
  EXPECT_EQ(checked->decision->name.name, "Outcome");
  ASSERT_NE(checked->default_decl, nullptr);
  EXPECT_EQ(checked->default_decl->member_index, 0);
  ASSERT_NE(checked->input, nullptr);
  EXPECT_TRUE(checked->scope.count("r"));
  // Defeaters come first: x defeats y, which defeats z.
  ASSERT_EQ(checked->exemption_order.size(), 3u);
  EXPECT_EQ(checked->exemption_order[0]->name.name, "x");
  EXPECT_EQ(checked->exemption_order[1]->name.name, "y");
  EXPECT_EQ(checked->exemption_order[2]->name.name, "z");
  // Annotations.
  for (const auto& d : module->decls) {
    if (const auto* cap = llvm::dyn_cast<ast::CapDecl>(d.get())) {
      EXPECT_EQ(cap->record_outcomes, std::vector<int>{1});
    }
    if (const auto* rule = llvm::dyn_cast<ast::RuleDecl>(d.get())) {
      EXPECT_EQ(rule->outcome_index, 2);
      EXPECT_EQ(rule->cond->type, ast::Type::Bool());
    }
    if (const auto* ex = llvm::dyn_cast<ast::ExemptDecl>(d.get()); ex && ex->name.name == "x") {
      ASSERT_EQ(ex->resolved_targets.size(), 2u);
      EXPECT_EQ(ex->resolved_targets[1]->kind, ast::DeclKind::Cap);
    }
  }
}

TEST(SemaTest, NameReferencesAreResolved) {
  SourceManager sources;
  DiagnosticEngine diags(sources);
  FileId file = sources.AddFile("m.edict", std::string(kPrelude) + "output o = item == cpu;\n");
  ModuleLoader loader(sources, diags, SemaOptions{});
  auto module = parse::Parse(file, sources, diags);
  ASSERT_TRUE(module.has_value());
  ASSERT_TRUE(Check(*module, loader, diags).has_value());
  const auto* out = llvm::cast<ast::ValueDecl>(module->decls.back().get());
  const auto* cmp = llvm::cast<ast::BinaryExpr>(out->value.get());
  const auto* lhs = llvm::cast<ast::NameExpr>(cmp->lhs.get());
  const auto* rhs = llvm::cast<ast::NameExpr>(cmp->rhs.get());
  EXPECT_EQ(lhs->ref.kind, ast::NameRef::Kind::Field);
  EXPECT_EQ(lhs->ref.field->name.name, "item");
  EXPECT_EQ(rhs->ref.kind, ast::NameRef::Kind::Member);
  EXPECT_EQ(rhs->ref.index, 1);
  EXPECT_EQ(out->type, ast::Type::Bool());
}

// ---------------------------------------------------------------------------------------------
// Modules

constexpr const char* kPolicyHead = "decision Outcome { allow, deny }\ndefault allow;\n";

TEST(SemaModulesTest, ImportedNamesAreVisibleBareAndQualified) {
  CompileResult r = CompileFiles({
      {"pol.edict",
       std::string("policy pol;\nimport lib;\n") + kPolicyHead +
           "input { c: Color; n: int; }\n"
           "rule r1: c == red and lib.Band(n) == lib.Band.high and n > lib.LIMIT => deny;\n"
           "rule r2: c == lib.Color.green and Band(n) == low and n < LIMIT => deny;\n"},
      {"lib.edict",
       "module lib;\nenum Color { red, green }\nconst LIMIT = 10;\n"
       "tiers Band of int { low: < LIMIT; high: otherwise; }\n"},
  });
  EXPECT_TRUE(r.success) << r.ToString();
  EXPECT_TRUE(r.diagnostics.empty()) << r.ToString();
}

TEST(SemaModulesTest, ImportsAreNotTransitive) {
  CompileResult r = CompileFiles({
      {"pol.edict", std::string("policy pol;\nimport a;\n") + kPolicyHead +
                        "input { n: int; }\nrule r: n > A + B => deny;\n"},
      {"a.edict", "module a;\nimport b;\nconst A = B;\n"},
      {"b.edict", "module b;\nconst B = 1;\n"},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0201"})) << r.ToString();
}

TEST(SemaModulesTest, DuplicateWithImportedName) {
  CompileResult r = CompileFiles({
      {"pol.edict", std::string("policy pol;\nimport a;\n") + kPolicyHead +
                        "input { n: int; }\nconst A = 2;\nrule r: n > A => deny;\n"},
      {"a.edict", "module a;\nconst A = 1;\n"},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0202"})) << r.ToString();
}

TEST(SemaModulesTest, MissingModule) {
  CompileResult r = CompileFiles({
      {"pol.edict",
       std::string("policy pol;\nimport nope;\n") + kPolicyHead + "input { n: int; }\n"},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0204"})) << r.ToString();
}

TEST(SemaModulesTest, UnreadableModule) {
  CompileResult r = CompileFiles({
      {"pol.edict",
       std::string("policy pol;\nimport dir;\n") + kPolicyHead + "input { n: int; }\n"},
      {"dir.edict/x", ""},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0001"})) << r.ToString();
}

TEST(SemaModulesTest, ModuleNameMustMatchTheFile) {
  CompileResult r = CompileFiles({
      {"pol.edict", std::string("policy pol;\nimport a;\n") + kPolicyHead +
                        "input { n: int; }\nrule r: n > X => deny;\n"},
      {"a.edict", "module other;\nconst X = 1;\n"},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0208"})) << r.ToString();
}

TEST(SemaModulesTest, ModulesHoldOnlyConstEnumTiers) {
  CompileResult r = CompileFiles({
      {"pol.edict", std::string("policy pol;\nimport a;\n") + kPolicyHead + "input { n: int; }\n"},
      {"a.edict", "module a;\nlet x = 1;\n"},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0209"})) << r.ToString();
}

TEST(SemaModulesTest, ImportCycle) {
  CompileResult r = CompileFiles({
      {"pol.edict", std::string("policy pol;\nimport a;\n") + kPolicyHead + "input { n: int; }\n"},
      {"a.edict", "module a;\nimport b;\n"},
      {"b.edict", "module b;\nimport a;\n"},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0210"})) << r.ToString();
}

TEST(SemaModulesTest, PolicyCannotBeImported) {
  CompileResult r = CompileFiles({
      {"pol.edict",
       std::string("policy pol;\nimport other;\n") + kPolicyHead + "input { n: int; }\n"},
      {"other.edict", std::string("policy other;\n") + kPolicyHead + "input { n: int; }\n"},
  });
  EXPECT_EQ(r.codes(), (std::vector<std::string>{"E0214"})) << r.ToString();
}

TEST(SemaModulesTest, StandardLibrary) {
  CompileResult r = CompileString(
      std::string("policy pol;\nimport std.iso3166;\nimport std.eu;\n") + kPolicyHead +
      "input { c: Country; }\n"
      "rule r: c in EU_MEMBERS or c == iso3166.Country.US => deny;\n");
  EXPECT_TRUE(r.success) << r.ToString();
}

}  // namespace
}  // namespace edict::sema
