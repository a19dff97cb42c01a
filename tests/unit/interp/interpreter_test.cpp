// Unit tests for the reference interpreter (interp/interpreter.h): every Op's semantics and error
// code, the evaluation order of roots, caps, exemptions, validity, explanations and the cap-slot
// entry points. Each test compiles a small policy from a string, lowers it with BuildPir and
// evaluates requests on it.
#include "interp/interpreter.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "gtest/gtest.h"
#include "parse/parser.h"
#include "pir/build_pir.h"
#include "sema/sema.h"
#include "source/source_manager.h"

#ifndef EDICT_STDLIB_DIR
#define EDICT_STDLIB_DIR "/work/main/stdlib"
#endif

namespace edict::interp {
namespace {

using pir::ErrorCode;
using pir::RtValue;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Compiles `source` (a whole policy) and lowers it; fails the test on a compile error or an
// invalid module.
auto Compile(const std::string& source) -> std::optional<pir::Module> {
  SourceManager sources;
  DiagnosticEngine diags(sources, DiagnosticOptions{.error_limit = 0});
  sema::ModuleLoader loader(sources, diags, sema::SemaOptions{EDICT_STDLIB_DIR});
  FileId file = sources.AddFile("test.edict", source);
  std::optional<ast::Module> module = parse::Parse(file, sources, diags);
  if (!module) {
    ADD_FAILURE() << "does not parse:\n" << source;
    return std::nullopt;
  }
  std::optional<sema::CheckedModule> checked = sema::Check(*module, loader, diags);
  if (!checked || diags.has_errors()) {
    std::string messages;
    for (const Diagnostic& d : diags.Sorted()) messages += d.message + "\n";
    ADD_FAILURE() << "does not compile:\n" << messages << source;
    return std::nullopt;
  }
  pir::Module m = pir::BuildPir(*checked, sources);
  std::string problem = pir::Verify(m);
  EXPECT_EQ(problem, "");
  return m;
}

auto D(const char* iso) -> Date { return *ParseDate(iso); }

// The inputs every expression test can use, with their defaults.
constexpr const char* kExprPrelude = R"(policy p;
enum Color { red, green, blue }
decision Outcome { allow, deny }
default allow;
input {
  a: int = 0;
  b: int = 0;
  x: float = 0.0;
  y: float = 0.0;
  d: date = 2024-02-29;
  e: date = 2024-03-01;
  s: string = "";
  c: Color = red;
  f: bool = false;
}
)";

// A request for `m` with the given fields (by name; others take their defaults).
auto MakeRequest(const pir::Module& m, const std::map<std::string, RtValue>& fields,
                 Date today = D("2025-01-01")) -> pir::Request {
  pir::Request req;
  for (const pir::InputField& in : m.inputs) {
    auto it = fields.find(in.name);
    if (it != fields.end()) {
      req.fields.push_back(it->second);
    } else {
      EXPECT_TRUE(in.default_value.has_value()) << in.name;
      req.fields.push_back(in.default_value ? ConstantValue(m, *in.default_value) : RtValue{});
    }
  }
  req.today = today;
  req.usage.assign(m.caps.size(), 0);
  return req;
}

struct ExprResult {
  ErrorCode error = ErrorCode::None;
  RtValue value;
  pir::Location loc;
};

// Evaluates `output o: TYPE = EXPR;` over kExprPrelude's inputs.
auto EvalExpr(const std::string& type, const std::string& expr,
              const std::map<std::string, RtValue>& fields = {}) -> ExprResult {
  std::optional<pir::Module> m =
      Compile(std::string(kExprPrelude) + "output o: " + type + " = " + expr + ";\n");
  if (!m) return {ErrorCode::BadRequest, {}, {}};
  pir::Result r = Evaluate(*m, MakeRequest(*m, fields));
  ExprResult out;
  out.error = r.error;
  out.loc = r.error_loc;
  if (r.error == ErrorCode::None) out.value = r.outputs.at(0);
  return out;
}

auto I(int64_t v) { return RtValue::Int(v); }
auto F(double v) { return RtValue::Float(v); }
auto S(std::string v) { return RtValue::Str(std::move(v)); }

auto IntOf(const std::string& expr, const std::map<std::string, RtValue>& fields = {}) -> int64_t {
  ExprResult r = EvalExpr("int", expr, fields);
  EXPECT_EQ(r.error, ErrorCode::None) << expr;
  return r.value.i;
}
auto FloatOf(const std::string& expr, const std::map<std::string, RtValue>& fields = {}) -> double {
  ExprResult r = EvalExpr("float", expr, fields);
  EXPECT_EQ(r.error, ErrorCode::None) << expr;
  return r.value.f;
}
auto BoolOf(const std::string& expr, const std::map<std::string, RtValue>& fields = {}) -> bool {
  ExprResult r = EvalExpr("bool", expr, fields);
  EXPECT_EQ(r.error, ErrorCode::None) << expr;
  return r.value.i != 0;
}
auto ErrorOf(const std::string& type, const std::string& expr,
             const std::map<std::string, RtValue>& fields = {}) -> ErrorCode {
  return EvalExpr(type, expr, fields).error;
}

// --- Int arithmetic -------------------------------------------------------------------------

TEST(InterpreterTest, IntArithmeticIsChecked) {
  EXPECT_EQ(IntOf("a + b", {{"a", I(2)}, {"b", I(3)}}), 5);
  EXPECT_EQ(IntOf("a - b", {{"a", I(2)}, {"b", I(3)}}), -1);
  EXPECT_EQ(IntOf("a * b", {{"a", I(-4)}, {"b", I(3)}}), -12);
  EXPECT_EQ(ErrorOf("int", "a + b", {{"a", I(kMax)}, {"b", I(1)}}), ErrorCode::IntOverflow);
  EXPECT_EQ(ErrorOf("int", "a - b", {{"a", I(kMin)}, {"b", I(1)}}), ErrorCode::IntOverflow);
  EXPECT_EQ(ErrorOf("int", "a * b", {{"a", I(kMax / 2 + 1)}, {"b", I(2)}}), ErrorCode::IntOverflow);
  EXPECT_EQ(ErrorOf("int", "-a", {{"a", I(kMin)}}), ErrorCode::IntOverflow);
  EXPECT_EQ(IntOf("-a", {{"a", I(kMax)}}), -kMax);
}

TEST(InterpreterTest, RemainderTruncatesTowardZero) {
  EXPECT_EQ(IntOf("a % b", {{"a", I(7)}, {"b", I(3)}}), 1);
  EXPECT_EQ(IntOf("a % b", {{"a", I(-7)}, {"b", I(3)}}), -1);
  EXPECT_EQ(IntOf("a % b", {{"a", I(7)}, {"b", I(-3)}}), 1);
  EXPECT_EQ(IntOf("a % b", {{"a", I(kMin)}, {"b", I(-1)}}), 0);
  EXPECT_EQ(ErrorOf("int", "a % b", {{"a", I(7)}, {"b", I(0)}}), ErrorCode::DivisionByZero);
}

TEST(InterpreterTest, AbsOfIntMinOverflows) {
  EXPECT_EQ(IntOf("abs(a)", {{"a", I(-5)}}), 5);
  EXPECT_EQ(IntOf("abs(a)", {{"a", I(kMax)}}), kMax);
  EXPECT_EQ(ErrorOf("int", "abs(a)", {{"a", I(kMin)}}), ErrorCode::IntOverflow);
}

// --- Float arithmetic -----------------------------------------------------------------------

TEST(InterpreterTest, FloatArithmetic) {
  EXPECT_EQ(FloatOf("x + y", {{"x", F(0.5)}, {"y", F(0.25)}}), 0.75);
  EXPECT_EQ(FloatOf("x - y", {{"x", F(0.5)}, {"y", F(0.25)}}), 0.25);
  EXPECT_EQ(FloatOf("x * y", {{"x", F(0.5)}, {"y", F(0.25)}}), 0.125);
  EXPECT_EQ(FloatOf("x / y", {{"x", F(1.0)}, {"y", F(4.0)}}), 0.25);
  EXPECT_EQ(FloatOf("a / b", {{"a", I(7)}, {"b", I(2)}}), 3.5);  // int / int is float
  EXPECT_EQ(FloatOf("-x", {{"x", F(1.5)}}), -1.5);
  EXPECT_EQ(FloatOf("abs(x)", {{"x", F(-1.5)}}), 1.5);
  EXPECT_EQ(FloatOf("a + x", {{"a", I(1)}, {"x", F(0.5)}}), 1.5);  // int promotes
}

TEST(InterpreterTest, FloatDivisionByZeroAndNonFinite) {
  EXPECT_EQ(ErrorOf("float", "x / y", {{"x", F(1.0)}, {"y", F(0.0)}}), ErrorCode::DivisionByZero);
  EXPECT_EQ(ErrorOf("float", "x / y", {{"x", F(0.0)}, {"y", F(0.0)}}), ErrorCode::DivisionByZero);
  EXPECT_EQ(ErrorOf("float", "x / y", {{"x", F(1.0)}, {"y", F(-0.0)}}), ErrorCode::DivisionByZero);
  EXPECT_EQ(ErrorOf("float", "a / b", {{"a", I(1)}, {"b", I(0)}}), ErrorCode::DivisionByZero);
  EXPECT_EQ(ErrorOf("float", "x * y", {{"x", F(1e300)}, {"y", F(1e300)}}), ErrorCode::NonFinite);
  EXPECT_EQ(ErrorOf("float", "x + y", {{"x", F(1.7e308)}, {"y", F(1.7e308)}}),
            ErrorCode::NonFinite);
  EXPECT_EQ(ErrorOf("float", "x - y", {{"x", F(-1.7e308)}, {"y", F(1.7e308)}}),
            ErrorCode::NonFinite);
  EXPECT_EQ(ErrorOf("float", "x / y", {{"x", F(1e300)}, {"y", F(1e-300)}}), ErrorCode::NonFinite);
}

TEST(InterpreterTest, FloorCeilRoundToInt) {
  EXPECT_EQ(IntOf("floor(x)", {{"x", F(-0.5)}}), -1);
  EXPECT_EQ(IntOf("ceil(x)", {{"x", F(-0.5)}}), 0);
  EXPECT_EQ(IntOf("ceil(x)", {{"x", F(1.25)}}), 2);
  EXPECT_EQ(IntOf("round(x)", {{"x", F(2.5)}}), 3);  // half away from zero
  EXPECT_EQ(IntOf("round(x)", {{"x", F(-2.5)}}), -3);
  EXPECT_EQ(IntOf("round(x)", {{"x", F(2.4999)}}), 2);
  EXPECT_EQ(IntOf("floor(a)", {{"a", I(kMin)}}), kMin);  // identity on int
  EXPECT_EQ(IntOf("floor(x)", {{"x", F(-9223372036854775808.0)}}), kMin);
  EXPECT_EQ(ErrorOf("int", "floor(x)", {{"x", F(9223372036854775808.0)}}), ErrorCode::IntOverflow);
  EXPECT_EQ(ErrorOf("int", "ceil(x)", {{"x", F(-1e19)}}), ErrorCode::IntOverflow);
  EXPECT_EQ(ErrorOf("int", "round(x)", {{"x", F(1e300)}}), ErrorCode::IntOverflow);
}

// --- Comparisons ----------------------------------------------------------------------------

TEST(InterpreterTest, IntFloatComparisonIsExact) {
  // 2^53 + 1 is not a double: casting it would make it equal to 2^53.
  std::map<std::string, RtValue> big = {{"a", I(9007199254740993)}, {"x", F(9007199254740992.0)}};
  EXPECT_FALSE(BoolOf("a == x", big));
  EXPECT_TRUE(BoolOf("a > x", big));
  EXPECT_TRUE(BoolOf("x < a", big));
  // INT64_MAX converts to 2^63, yet is below it.
  EXPECT_TRUE(BoolOf("a < x", {{"a", I(kMax)}, {"x", F(9223372036854775808.0)}}));
  EXPECT_TRUE(BoolOf("a == x", {{"a", I(kMin)}, {"x", F(-9223372036854775808.0)}}));
  EXPECT_TRUE(BoolOf("a > x", {{"a", I(kMin)}, {"x", F(-1e19)}}));
  EXPECT_TRUE(BoolOf("a < x", {{"a", I(2)}, {"x", F(2.5)}}));
  EXPECT_TRUE(BoolOf("a > x", {{"a", I(-2)}, {"x", F(-2.5)}}));
  EXPECT_TRUE(BoolOf("a == x", {{"a", I(3)}, {"x", F(3.0)}}));
  EXPECT_TRUE(BoolOf("a != x", {{"a", I(3)}, {"x", F(3.0000000000000004)}}));
  EXPECT_TRUE(BoolOf("x == y", {{"x", F(-0.0)}, {"y", F(0.0)}}));
  EXPECT_TRUE(BoolOf("a == x", {{"a", I(0)}, {"x", F(-0.0)}}));
}

TEST(InterpreterTest, CompareIntFloatEdges) {
  EXPECT_EQ(CompareIntFloat(0, 0.5), -1);
  EXPECT_EQ(CompareIntFloat(0, -0.5), 1);
  EXPECT_EQ(CompareIntFloat(-1, -0.5), -1);
  EXPECT_EQ(CompareIntFloat(kMax, 9.2233720368547758e18), -1);
  EXPECT_EQ(CompareIntFloat(kMin, -9.2233720368547758e18), 0);
  EXPECT_EQ(CompareIntFloat(kMin, -1.7e308), 1);
  EXPECT_EQ(CompareIntFloat(kMax, 1.7e308), -1);
}

TEST(InterpreterTest, ComparesEveryType) {
  EXPECT_TRUE(BoolOf("a <= b", {{"a", I(3)}, {"b", I(3)}}));
  EXPECT_TRUE(BoolOf("d < e"));
  EXPECT_TRUE(BoolOf("c < blue", {{"c", RtValue::Int(1)}}));
  EXPECT_TRUE(BoolOf("c >= green", {{"c", RtValue::Int(1)}}));
  EXPECT_TRUE(BoolOf("s == \"abc\"", {{"s", S("abc")}}));
  EXPECT_TRUE(BoolOf("s != \"abd\"", {{"s", S("abc")}}));
  EXPECT_TRUE(BoolOf("f == false"));
  EXPECT_TRUE(BoolOf("not f"));
}

// --- Built-ins ------------------------------------------------------------------------------

TEST(InterpreterTest, MinMax) {
  EXPECT_EQ(IntOf("min(a, b, 7)", {{"a", I(9)}, {"b", I(-2)}}), -2);
  EXPECT_EQ(IntOf("max(a, b, 7)", {{"a", I(9)}, {"b", I(-2)}}), 9);
  EXPECT_EQ(FloatOf("min(a, x)", {{"a", I(3)}, {"x", F(1.5)}}), 1.5);
  EXPECT_EQ(FloatOf("max(a, x)", {{"a", I(3)}, {"x", F(1.5)}}), 3.0);
  EXPECT_TRUE(BoolOf("max(d, e) == e"));
  EXPECT_TRUE(BoolOf("min(c, green) == red"));
  // Ties keep the first operand: -0.0 stays -0.0.
  EXPECT_TRUE(std::signbit(FloatOf("min(x, y)", {{"x", F(-0.0)}, {"y", F(0.0)}})));
  EXPECT_FALSE(std::signbit(FloatOf("max(x, y)", {{"x", F(0.0)}, {"y", F(-0.0)}})));
}

TEST(InterpreterTest, DateFunctions) {
  EXPECT_EQ(IntOf("year(d)"), 2024);
  EXPECT_EQ(IntOf("month(d)"), 2);
  EXPECT_EQ(IntOf("day(d)"), 29);
  EXPECT_EQ(IntOf("days_between(d, e)"), 1);
  EXPECT_EQ(IntOf("days_between(e, d)"), -1);
  EXPECT_EQ(IntOf("days_between(d, today)"), 307);  // 2024-02-29 → 2025-01-01
  EXPECT_EQ(IntOf("days_between(0001-01-01, 9999-12-31)"), 3652058);
}

TEST(InterpreterTest, InSet) {
  EXPECT_TRUE(BoolOf("a in {1, 5, 9}", {{"a", I(5)}}));
  EXPECT_FALSE(BoolOf("a in {1, 5, 9}", {{"a", I(6)}}));
  EXPECT_TRUE(BoolOf("a not in {1, 5, 9}", {{"a", I(6)}}));
  EXPECT_TRUE(BoolOf("x in {0.5, 1.5}", {{"x", F(1.5)}}));
  EXPECT_TRUE(BoolOf("x in {0.0}", {{"x", F(-0.0)}}));
  EXPECT_TRUE(BoolOf("s in {\"b\", \"a\"}", {{"s", S("a")}}));
  EXPECT_FALSE(BoolOf("s in {\"b\", \"a\"}", {{"s", S("c")}}));
  EXPECT_TRUE(BoolOf("c in {blue, green}", {{"c", I(2)}}));
  EXPECT_TRUE(BoolOf("d in {2024-02-29}"));
}

// --- Control flow ---------------------------------------------------------------------------

TEST(InterpreterTest, AndOrSelectSwitchAreLazy) {
  std::map<std::string, RtValue> zero = {{"a", I(1)}, {"b", I(0)}};
  EXPECT_FALSE(BoolOf("f and a % b == 0", zero));
  EXPECT_TRUE(BoolOf("not f or a % b == 0", zero));
  EXPECT_EQ(ErrorOf("bool", "not f and a % b == 0", zero), ErrorCode::DivisionByZero);
  EXPECT_EQ(ErrorOf("bool", "f or a % b == 0", zero), ErrorCode::DivisionByZero);
  EXPECT_EQ(IntOf("if f then a % b else 4", zero), 4);
  EXPECT_EQ(IntOf("if not f then 3 else a % b", zero), 3);
  EXPECT_EQ(IntOf("match c { red => 1, green => a % b, _ => 3 }", zero), 1);
  EXPECT_EQ(IntOf("match c { red => 1, green => a % b, _ => 3 }", {{"c", I(2)}, {"b", I(0)}}), 3);
  EXPECT_EQ(
      ErrorOf("int", "match c { red => 1, green => a % b, _ => 3 }", {{"c", I(1)}, {"b", I(0)}}),
      ErrorCode::DivisionByZero);
  EXPECT_EQ(IntOf("match f { true => a % b, false => 2 }", zero), 2);
}

// --- Tiers ----------------------------------------------------------------------------------

TEST(InterpreterTest, ClassifiesEveryDomain) {
  std::optional<pir::Module> m = Compile(R"(policy p;
enum Color { red, green, blue }
decision Outcome { allow, deny }
default allow;
input { n: int; x: float; s: string; c: Color; d: date; }
tiers Size of int { small: < 10; mid: 10 ..< 100 | 200 ..= 300; big: otherwise; }
tiers Frac of float { low: < 0.5; high: >= 0.5; }
tiers Name of string { ab: { "a", "b" }; rest: otherwise; }
tiers Warm of Color { warm: { red }; cold: otherwise; }
tiers Era of date { old: < 2000-01-01; new: otherwise; }
output size: Size = Size(n);
output frac: Frac = Frac(x);
output name: Name = Name(s);
output warm: Warm = Warm(c);
output era: Era = Era(d);
)");
  ASSERT_TRUE(m);
  auto outputs = [&](int64_t n, double x, const char* s, int64_t c, const char* d) {
    pir::Result r = Evaluate(
        *m,
        MakeRequest(*m, {{"n", I(n)}, {"x", F(x)}, {"s", S(s)}, {"c", I(c)}, {"d", I(D(d).days)}}));
    EXPECT_EQ(r.error, ErrorCode::None);
    std::vector<int64_t> v;
    for (const RtValue& o : r.outputs) v.push_back(o.i);
    return v;
  };
  EXPECT_EQ(outputs(9, 0.49999, "a", 0, "1999-12-31"), (std::vector<int64_t>{0, 0, 0, 0, 0}));
  EXPECT_EQ(outputs(10, 0.5, "b", 1, "2000-01-01"), (std::vector<int64_t>{1, 1, 0, 1, 1}));
  EXPECT_EQ(outputs(99, 1e300, "c", 2, "2000-01-01"), (std::vector<int64_t>{1, 1, 1, 1, 1}));
  EXPECT_EQ(outputs(100, -1e300, "", 0, "0001-01-01")[0], 2);  // the gap goes to otherwise
  EXPECT_EQ(outputs(250, 0.0, "", 0, "0001-01-01")[0], 1);
  EXPECT_EQ(outputs(301, 0.0, "", 0, "0001-01-01")[0], 2);
  EXPECT_EQ(outputs(kMin, 0.0, "", 0, "0001-01-01")[0], 0);
  EXPECT_EQ(outputs(kMax, -0.0, "", 0, "0001-01-01")[1], 0);
}

// --- Policies: rules, exemptions, validity, order -------------------------------------------

TEST(InterpreterTest, OutcomeIsTheMostRestrictiveAndDecidingRulesMatchIt) {
  std::optional<pir::Module> m = Compile(R"(policy p;
decision Outcome { allow, notify, deny }
default allow;
input { n: int; }
rule small: n > 0 => notify;
rule big: n > 10 => deny;
rule huge: n > 100 => deny;
)");
  ASSERT_TRUE(m);
  pir::Result r = Evaluate(*m, MakeRequest(*m, {{"n", I(50)}}));
  EXPECT_EQ(r.outcome, 2);
  EXPECT_EQ(r.rules_applied, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(r.deciding, (std::vector<bool>{false, true, false}));
  r = Evaluate(*m, MakeRequest(*m, {{"n", I(0)}}));
  EXPECT_EQ(r.outcome, 0);  // the default
  EXPECT_EQ(r.deciding, (std::vector<bool>{false, false, false}));
}

TEST(InterpreterTest, ExemptionsDefeatRulesAndOtherExemptions) {
  std::optional<pir::Module> m = Compile(R"(policy p;
decision Outcome { allow, deny }
default allow;
input { n: int; vip: bool; banned: bool; }
rule r: n > 10 => deny;
exempt vip_pass from r when vip;
exempt ban from vip_pass when banned;
)");
  ASSERT_TRUE(m);
  auto run = [&](bool vip, bool banned) {
    return Evaluate(*m, MakeRequest(*m, {{"n", I(20)}, {"vip", I(vip)}, {"banned", I(banned)}}));
  };
  EXPECT_EQ(run(false, false).outcome, 1);
  pir::Result r = run(true, false);
  EXPECT_EQ(r.outcome, 0);
  EXPECT_EQ(r.exemptions_applied, (std::vector<bool>{true, false}));
  r = run(true, true);
  EXPECT_EQ(r.outcome, 1);
  EXPECT_EQ(r.exemptions_applied, (std::vector<bool>{false, true}));
}

TEST(InterpreterTest, ValidityOfPolicyRulesAndExemptions) {
  std::optional<pir::Module> m = Compile(R"(policy p effective 2025-01-01 expires 2026-01-01;
decision Outcome { allow, deny }
default allow;
input { n: int; z: int; }
rule early until 2025-06-01: n % z == 0 => deny;
rule late effective 2025-06-01: n > 0 => deny;
exempt pass from late effective 2025-09-01 when n % z == 1;
)");
  ASSERT_TRUE(m);
  std::map<std::string, RtValue> zero = {{"n", I(1)}, {"z", I(0)}};
  EXPECT_EQ(Evaluate(*m, MakeRequest(*m, zero, D("2024-12-31"))).error, ErrorCode::NotInForce);
  EXPECT_EQ(Evaluate(*m, MakeRequest(*m, zero, D("2026-01-01"))).error, ErrorCode::NotInForce);
  // `early` is in force: its condition divides by zero.
  EXPECT_EQ(Evaluate(*m, MakeRequest(*m, zero, D("2025-01-01"))).error, ErrorCode::DivisionByZero);
  // Neither `early` nor `pass` is in force: no condition divides.
  pir::Result r = Evaluate(*m, MakeRequest(*m, zero, D("2025-06-01")));
  EXPECT_EQ(r.error, ErrorCode::None);
  EXPECT_EQ(r.rules_applied, (std::vector<bool>{false, true}));
  // `pass` is in force from September.
  EXPECT_EQ(Evaluate(*m, MakeRequest(*m, zero, D("2025-09-01"))).error, ErrorCode::DivisionByZero);
  r = Evaluate(*m, MakeRequest(*m, {{"n", I(4)}, {"z", I(3)}}, D("2025-12-31")));
  EXPECT_EQ(r.outcome, 0);  // 4 % 3 == 1: `pass` defeats `late`
}

TEST(InterpreterTest, ErrorsFollowRootOrderAndLeaveAnEmptyResult) {
  // Outputs come first, whatever the declaration order; then rules, then exemptions, then caps.
  std::optional<pir::Module> m = Compile(R"(policy p;
decision Outcome { allow, deny }
default allow;
input { a: int; b: int; x: float; }
rule r: a % b == 0 => deny;
exempt e from r when a * a > 0;
output o: float = x / 0.0;
)");
  ASSERT_TRUE(m);
  pir::Result r = Evaluate(*m, MakeRequest(*m, {{"a", I(kMax)}, {"b", I(0)}, {"x", F(1)}}));
  EXPECT_EQ(r.error, ErrorCode::DivisionByZero);
  EXPECT_EQ(r.error_loc.line, 7u);
  EXPECT_EQ(r.error_loc.col, 21u);
  EXPECT_EQ(r.outcome, -1);
  EXPECT_TRUE(r.rules_applied.empty() && r.deciding.empty() && r.exemptions_applied.empty() &&
              r.caps_applied.empty() && r.outputs.empty() && r.record.empty());
  r = Evaluate(*m, MakeRequest(*m, {{"a", I(kMax)}, {"b", I(0)}, {"x", F(0)}}));
  EXPECT_EQ(r.error, ErrorCode::DivisionByZero);  // x / 0.0 first, even 0.0 / 0.0
  // Without the output, the rule's condition comes before the exemption's, whatever the
  // declaration order.
  std::optional<pir::Module> m2 = Compile(R"(policy p;
decision Outcome { allow, deny }
default allow;
input { a: int; b: int; }
exempt e from r when a * a > 0;
rule r: a % b == 0 => deny;
)");
  ASSERT_TRUE(m2);
  r = Evaluate(*m2, MakeRequest(*m2, {{"a", I(kMax)}, {"b", I(0)}}));
  EXPECT_EQ(r.error, ErrorCode::DivisionByZero);  // the rule's condition before the exemption's
  EXPECT_EQ(r.error_loc.line, 6u);
  r = Evaluate(*m2, MakeRequest(*m2, {{"a", I(kMax)}, {"b", I(1)}}));
  EXPECT_EQ(r.error, ErrorCode::IntOverflow);
  EXPECT_EQ(r.error_loc.line, 5u);
}

TEST(InterpreterTest, LetsAreEvaluatedOnlyWhenUsed) {
  std::optional<pir::Module> m = Compile(R"(policy p;
decision Outcome { allow, deny }
default allow;
input { a: int; b: int; flag: bool; }
let q: int = a % b;
rule r: flag and q == 0 => deny;
)");
  ASSERT_TRUE(m);
  EXPECT_EQ(Evaluate(*m, MakeRequest(*m, {{"a", I(1)}, {"b", I(0)}, {"flag", I(0)}})).error,
            ErrorCode::None);
  EXPECT_EQ(Evaluate(*m, MakeRequest(*m, {{"a", I(1)}, {"b", I(0)}, {"flag", I(1)}})).error,
            ErrorCode::DivisionByZero);
}

// --- Caps -----------------------------------------------------------------------------------

constexpr const char* kCapPolicy = R"(policy p;
decision Outcome { allow, notify, deny }
default allow;
input { who: string; n: int; lim: int; vip: bool; on: bool = true; }
cap quota {
  limit: lim;
  key: who;
  window: month;
  amount: n;
  applies: on;
  record: allow, notify;
}
exempt vip_pass from quota when vip;
rule over: exceeds(quota) => deny;
output used: int = usage(quota);
output left: int = remaining(quota);
output cap_limit: int = limit(quota);
)";

auto CapRequest(const pir::Module& m, int64_t n, int64_t lim, int64_t usage, bool vip = false)
    -> pir::Request {
  pir::Request req =
      MakeRequest(m, {{"who", S("w")}, {"n", I(n)}, {"lim", I(lim)}, {"vip", I(vip)}});
  req.usage[0] = usage;
  return req;
}

TEST(InterpreterTest, CapExceedsUsageRemainingLimitAndRecord) {
  std::optional<pir::Module> m = Compile(kCapPolicy);
  ASSERT_TRUE(m);
  pir::Result r = Evaluate(*m, CapRequest(*m, 5, 10, 5));  // 5 + 5 == 10 does not exceed
  EXPECT_EQ(r.outcome, 0);
  EXPECT_EQ(r.caps_applied, (std::vector<bool>{true}));
  EXPECT_EQ(r.record, (std::vector<int64_t>{5}));
  EXPECT_EQ(r.outputs, (std::vector<RtValue>{I(5), I(5), I(10)}));
  r = Evaluate(*m, CapRequest(*m, 6, 10, 5));
  EXPECT_EQ(r.outcome, 2);
  EXPECT_EQ(r.record, (std::vector<int64_t>{-1}));  // deny is not recorded
  r = Evaluate(*m, CapRequest(*m, 6, 10, 50));
  EXPECT_EQ(r.outputs[1], I(0));  // remaining is never negative
  // A defeated cap does not apply: it never exceeds and records nothing.
  r = Evaluate(*m, CapRequest(*m, 600, 10, 5, /*vip=*/true));
  EXPECT_EQ(r.outcome, 0);
  EXPECT_EQ(r.caps_applied, (std::vector<bool>{false}));
  EXPECT_EQ(r.record, (std::vector<int64_t>{-1}));
}

TEST(InterpreterTest, CapErrors) {
  std::optional<pir::Module> m = Compile(kCapPolicy);
  ASSERT_TRUE(m);
  pir::Result r = Evaluate(*m, CapRequest(*m, 1, -1, 0));
  EXPECT_EQ(r.error, ErrorCode::NegativeLimit);
  EXPECT_EQ(r.error_loc.line, 5u);  // the cap's name
  EXPECT_EQ(r.error_loc.col, 5u);
  EXPECT_EQ(Evaluate(*m, CapRequest(*m, -1, 10, 0)).error, ErrorCode::NegativeAmount);
  EXPECT_EQ(Evaluate(*m, CapRequest(*m, kMax, 10, 1)).error, ErrorCode::IntOverflow);
  // A cap that does not apply evaluates no amount; its limit is still read by the outputs.
  EXPECT_EQ(Evaluate(*m, CapRequest(*m, -1, 10, 0, /*vip=*/true)).error, ErrorCode::None);
  EXPECT_EQ(Evaluate(*m, CapRequest(*m, 1, -1, 0, /*vip=*/true)).error, ErrorCode::NegativeLimit);
}

TEST(InterpreterTest, ComputeCapSlots) {
  std::optional<pir::Module> m = Compile(R"(policy p;
decision Outcome { allow, deny }
default allow;
input { who: string; a: int; b: int; on: bool; }
cap by_who { limit: 10; key: who, a % b; window: quarter; amount: 1; applies: on; }
cap total { limit: 10; amount: 1; }
)");
  ASSERT_TRUE(m);
  pir::Request req =
      MakeRequest(*m, {{"who", S("w")}, {"a", I(7)}, {"b", I(4)}, {"on", I(1)}}, D("2025-08-17"));
  std::vector<pir::CapSlot> slots = ComputeCapSlots(*m, req);
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_TRUE(slots[0].applies && slots[0].has_key);
  EXPECT_EQ(slots[0].key, (std::vector<RtValue>{S("w"), I(3)}));
  EXPECT_EQ(slots[0].window_start, D("2025-07-01"));
  EXPECT_TRUE(slots[1].applies);
  EXPECT_TRUE(slots[1].key.empty());
  EXPECT_EQ(slots[1].window_start, kMinDate);
  req.fields[3] = I(0);  // `on` is false: the cap does not apply, but its key is still read
  slots = ComputeCapSlots(*m, req);
  EXPECT_FALSE(slots[0].applies);
  EXPECT_TRUE(slots[0].has_key);
  EXPECT_EQ(slots[0].key, (std::vector<RtValue>{S("w"), I(3)}));
  req.fields[2] = I(0);  // the key divides by zero: no key, and never a failure
  req.fields[3] = I(1);
  slots = ComputeCapSlots(*m, req);
  EXPECT_FALSE(slots[0].applies);
  EXPECT_FALSE(slots[0].has_key);
  EXPECT_TRUE(slots[1].applies);
  // Not in force: every slot is empty.
  std::optional<pir::Module> old = Compile(R"(policy p expires 2000-01-01;
decision Outcome { allow, deny }
default allow;
input { n: int; }
cap total { limit: 10; amount: n; }
)");
  ASSERT_TRUE(old);
  slots = ComputeCapSlots(*old, MakeRequest(*old, {{"n", I(1)}}));
  EXPECT_FALSE(slots[0].applies || slots[0].has_key);
}

TEST(InterpreterTest, ResolveCapUsageFollowsCapDependencies) {
  // `second` applies only while `first` has room, so its slot depends on first's usage.
  std::optional<pir::Module> m = Compile(R"(policy p;
decision Outcome { allow, deny }
default allow;
input { n: int; }
cap first { limit: 10; amount: n; }
cap second { limit: 100; amount: n; applies: not exceeds(first); }
rule r: exceeds(second) => deny;
)");
  ASSERT_TRUE(m);
  pir::Request req = MakeRequest(*m, {{"n", I(5)}});
  std::vector<pir::CapSlot> slots = ResolveCapUsage(
      *m, req, [](int32_t c, const pir::CapSlot&) -> int64_t { return c == 0 ? 8 : 99; });
  EXPECT_TRUE(slots[0].applies);
  EXPECT_FALSE(slots[1].applies);  // 8 + 5 > 10
  EXPECT_TRUE(slots[1].has_key);   // usage is read even so
  EXPECT_EQ(req.usage, (std::vector<int64_t>{8, 99}));
  EXPECT_EQ(Evaluate(*m, req).outcome, 0);
  slots = ResolveCapUsage(
      *m, req, [](int32_t c, const pir::CapSlot&) -> int64_t { return c == 0 ? 3 : 99; });
  EXPECT_TRUE(slots[1].applies);            // 3 + 5 <= 10
  EXPECT_EQ(Evaluate(*m, req).outcome, 1);  // 99 + 5 > 100
}

// --- Explanations and values ----------------------------------------------------------------

TEST(InterpreterTest, FormatBecauseFormatsEveryTypeAndErrors) {
  std::optional<pir::Module> m = Compile(R"(policy p;
enum Color { red, green }
decision Outcome { allow, deny }
default allow;
input { c: Color; n: int; x: float; s: string; f: bool; z: int; }
let q: int = n % z;
rule r: n > 0 => deny
  because "{c} {n} {x} {today} {s} {f} {{literal}} {q}!";
)");
  ASSERT_TRUE(m);
  pir::Request req = MakeRequest(
      *m,
      {{"c", I(1)}, {"n", I(-42)}, {"x", F(0.1)}, {"s", S("raw \"s\"")}, {"f", I(1)}, {"z", I(0)}});
  EXPECT_EQ(FormatBecause(*m, m->rules[0].explanation, req),
            "green -42 0.1 2025-01-01 raw \"s\" true {literal} <error division_by_zero>!");
  EXPECT_EQ(FormatValue(*m, {pir::TypeKind::Float}, F(3e26)), "3e+26");
  EXPECT_EQ(FormatValue(*m, {pir::TypeKind::Float}, F(1263.5)), "1263.5");
  EXPECT_EQ(FormatValue(*m, {pir::TypeKind::Int}, I(kMin)), "-9223372036854775808");
}

TEST(InterpreterTest, EvaluateValueReadsPropertiesFromTheResult) {
  std::optional<pir::Module> m = Compile(R"(policy p;
decision Outcome { allow, deny }
default allow;
input { n: int; }
rule r: n > 1 => deny;
cap c { limit: 5; amount: n; }
exempt e from c when n > 3;
property p1: n > 1 implies outcome == deny;
property p2: applied(r) and applied(c) and not applied(e);
)");
  ASSERT_TRUE(m);
  pir::Request req = MakeRequest(*m, {{"n", I(2)}});
  pir::Result r = Evaluate(*m, req);
  auto [e1, v1] = EvaluateValue(*m, req, m->properties[0].value, &r);
  EXPECT_EQ(e1, ErrorCode::None);
  EXPECT_EQ(v1.i, 1);
  auto [e2, v2] = EvaluateValue(*m, req, m->properties[1].value, &r);
  EXPECT_EQ(v2.i, 1);
  // Without a result, `outcome` and `applied` are computed.
  auto [e3, v3] = EvaluateValue(*m, req, m->properties[1].value, nullptr);
  EXPECT_EQ(v3.i, 1);
  pir::Result fake = r;
  fake.outcome = 0;
  EXPECT_EQ(EvaluateValue(*m, req, m->properties[0].value, &fake).second.i, 0);
}

}  // namespace
}  // namespace edict::interp
