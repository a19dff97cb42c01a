// Tests of LLVM code generation through the JIT (backend/jit.h), which evaluates through the C ABI
// of runtime/include/edict.h: outcomes, outputs, evaluation errors with their locations, caps,
// cap slots, the descriptor, eval_batch — and differential tests against the reference
// interpreter on the AI diffusion policy and on generated policies.
#include "backend/jit.h"

#include <dlfcn.h>
#include <unistd.h>

#include <ctime>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backend/emit.h"
#include "backend/optimize.h"
#include "backend/target.h"
#include "codegen/codegen.h"
#include "gtest/gtest.h"
#include "interp/interpreter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "pir/build_pir.h"
#include "testing/compile_helpers.h"
#include "testing/policy_gen.h"

#ifndef EDICT_SOURCE_DIR
#define EDICT_SOURCE_DIR "/work/main"
#endif

namespace edict::backend {
namespace {

using pir::ErrorCode;
using pir::RtValue;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

auto D(const char* iso) -> Date { return *ParseDate(iso); }
auto I(int64_t v) { return RtValue::Int(v); }
auto F(double v) { return RtValue::Float(v); }
auto S(std::string v) { return RtValue::Str(std::move(v)); }

auto CompilePir(const std::string& source, const std::string& path = "test.edict")
    -> std::optional<pir::Module> {
  testing::EvalCompilation c = testing::CompileForEval(source, path);
  if (!c.result.success) {
    ADD_FAILURE() << "does not compile:\n" << c.result.ToString() << source;
    return std::nullopt;
  }
  EXPECT_EQ(c.verify_error, "");
  return std::move(c.pir);
}

auto Jit(const pir::Module& m, int opt_level = 2) -> std::unique_ptr<JitPolicy> {
  auto jit = JitPolicy::Compile(m, {opt_level});
  if (!jit) {
    ADD_FAILURE() << "JIT failed: " << llvm::toString(jit.takeError());
    return nullptr;
  }
  return std::move(*jit);
}

auto MakeRequest(const pir::Module& m, const std::map<std::string, RtValue>& fields,
                 Date today = D("2025-01-01"), std::vector<int64_t> usage = {}) -> pir::Request {
  pir::Request req;
  for (const pir::InputField& in : m.inputs) {
    auto it = fields.find(in.name);
    if (it != fields.end()) {
      req.fields.push_back(it->second);
    } else {
      EXPECT_TRUE(in.default_value.has_value()) << in.name;
      req.fields.push_back(in.default_value ? interp::ConstantValue(m, *in.default_value)
                                            : RtValue{});
    }
  }
  req.today = today;
  req.usage = usage.empty() ? std::vector<int64_t>(m.caps.size(), 0) : usage;
  return req;
}

auto Describe(const pir::Module& m, const pir::Result& r) -> std::string {
  return testing::ResultToString(m, r);
}

// Field-by-field equality (pir::Location has no operator==).
auto Same(const pir::Result& a, const pir::Result& b) -> bool {
  return a.error == b.error && a.error_loc.line == b.error_loc.line &&
         a.error_loc.col == b.error_loc.col && a.outcome == b.outcome &&
         a.rules_applied == b.rules_applied && a.deciding == b.deciding &&
         a.exemptions_applied == b.exemptions_applied && a.caps_applied == b.caps_applied &&
         a.outputs == b.outputs && a.record == b.record;
}

// Evaluates both ways and requires equal results; returns the JIT's.
auto Both(const pir::Module& m, const JitPolicy& jit, const pir::Request& req) -> pir::Result {
  pir::Result expected = interp::Evaluate(m, req);
  pir::Result got = jit.Evaluate(req);
  EXPECT_TRUE(Same(got, expected)) << "jit:    " << Describe(m, got) << "\ninterp: " << Describe(m, expected)
                           << "\nrequest: " << testing::RequestToJson(m, req);
  return got;
}

// The same expression prelude as the interpreter's tests.
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

struct ExprCase {
  std::string type;
  std::string expr;
  std::map<std::string, RtValue> fields;
};

// Compiles `output o: TYPE = EXPR;` for every case into one policy per case and checks the JIT
// against the interpreter; returns the JIT results.
auto CheckExprs(const std::vector<ExprCase>& cases) -> std::vector<pir::Result> {
  std::vector<pir::Result> out;
  for (const ExprCase& c : cases) {
    std::optional<pir::Module> m =
        CompilePir(std::string(kExprPrelude) + "output o: " + c.type + " = " + c.expr + ";\n");
    if (!m) {
      out.emplace_back();
      continue;
    }
    auto jit = Jit(*m);
    if (!jit) {
      out.emplace_back();
      continue;
    }
    SCOPED_TRACE(c.expr);
    out.push_back(Both(*m, *jit, MakeRequest(*m, c.fields)));
  }
  return out;
}

constexpr const char* kSmallPolicy = R"(policy small version "v1" effective 2025-01-01 expires 2026-01-01;
enum Item { gpu, cpu }
decision Outcome { allow, notify, license_required, deny }
default allow;
input {
  who: string;
  item: Item;
  qty: int;
  vip: bool = false;
}
tiers Size of int {
  small: < 100;
  medium: 100 ..< 1_000;
  large: >= 1_000;
}
output size: Size = Size(qty);
output twice: int = qty * 2;
output label: string = if vip then "vip" else who;
cap budget {
  limit: 5_000;
  key: who, item;
  window: month;
  amount: qty;
  applies: item == gpu;
  record: allow, notify;
}
output left: int = remaining(budget);
rule big: size == large => license_required because "{qty} is large" cite "§1";
rule medium_gpu: size == medium and item == gpu => notify;
rule over: exceeds(budget) => deny;
rule banned: who in { "mallory", "trudy" } => deny;
exempt vip_pass from big, budget when vip;
)";

TEST(JitTest, OutcomesAndOutputs) {
  auto m = CompilePir(kSmallPolicy);
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  pir::Result r = Both(*m, *jit, MakeRequest(*m, {{"who", S("alice")}, {"item", I(0)}, {"qty", I(10)}}));
  EXPECT_EQ(r.error, ErrorCode::None);
  EXPECT_EQ(r.outcome, 0);  // allow
  ASSERT_EQ(r.outputs.size(), 4u);
  EXPECT_EQ(r.outputs[0].i, 0);  // small
  EXPECT_EQ(r.outputs[1].i, 20);
  EXPECT_EQ(r.outputs[2].s, "alice");
  EXPECT_EQ(r.outputs[3].i, 5000);
  EXPECT_EQ(r.record, (std::vector<int64_t>{10}));

  r = Both(*m, *jit, MakeRequest(*m, {{"who", S("bob")}, {"item", I(0)}, {"qty", I(500)}}));
  EXPECT_EQ(r.outcome, 1);  // notify by medium_gpu
  EXPECT_EQ(r.deciding, (std::vector<bool>{false, true, false, false}));

  r = Both(*m, *jit, MakeRequest(*m, {{"who", S("bob")}, {"item", I(0)}, {"qty", I(2000)}}));
  EXPECT_EQ(r.outcome, 2);  // license_required by big
  r = Both(*m, *jit,
           MakeRequest(*m, {{"who", S("bob")}, {"item", I(0)}, {"qty", I(2000)}, {"vip", I(1)}}));
  EXPECT_EQ(r.outcome, 0);  // the exemption defeats big and the cap
  EXPECT_EQ(r.exemptions_applied, (std::vector<bool>{true}));
  EXPECT_EQ(r.caps_applied, (std::vector<bool>{false}));
  EXPECT_EQ(r.outputs[2].s, "vip");
  EXPECT_EQ(r.record, (std::vector<int64_t>{-1}));

  r = Both(*m, *jit, MakeRequest(*m, {{"who", S("trudy")}, {"item", I(1)}, {"qty", I(1)}}));
  EXPECT_EQ(r.outcome, 3);  // deny by banned
  r = Both(*m, *jit, MakeRequest(*m, {{"who", S("trud")}, {"item", I(1)}, {"qty", I(1)}}));
  EXPECT_EQ(r.outcome, 0);
}

TEST(JitTest, CapsExceedRemainingAndRecord) {
  auto m = CompilePir(kSmallPolicy);
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  auto req = [&](int64_t qty, int64_t usage) {
    return MakeRequest(*m, {{"who", S("carol")}, {"item", I(0)}, {"qty", I(qty)}}, D("2025-03-17"),
                       {usage});
  };
  pir::Result r = Both(*m, *jit, req(50, 4950));  // usage + amount == limit: not exceeding
  EXPECT_EQ(r.outcome, 0);
  EXPECT_EQ(r.outputs[3].i, 50);
  EXPECT_EQ(r.record, (std::vector<int64_t>{50}));
  r = Both(*m, *jit, req(51, 4950));
  EXPECT_EQ(r.outcome, 3);  // deny by over: nothing recorded on deny
  EXPECT_EQ(r.record, (std::vector<int64_t>{-1}));
  r = Both(*m, *jit, req(1, 9000));
  EXPECT_EQ(r.outputs[3].i, 0);  // remaining never negative
  // usage + amount overflows: an error at the cap's name.
  r = Both(*m, *jit, req(10, kMax - 5));
  EXPECT_EQ(r.error, ErrorCode::IntOverflow);
  EXPECT_EQ(r.error_loc.line, 19u);
  EXPECT_EQ(r.error_loc.col, 5u);
  EXPECT_EQ(r.outcome, -1);
  EXPECT_TRUE(r.outputs.empty());
  // A negative amount.
  r = Both(*m, *jit, req(-1, 0));
  EXPECT_EQ(r.error, ErrorCode::NegativeAmount);
  EXPECT_EQ(r.error_loc.line, 19u);

  // Cap slots: keys (string, enum), the month window.
  std::vector<pir::CapSlot> slots = jit->CapSlots(req(10, 0));
  std::vector<pir::CapSlot> expected = interp::ComputeCapSlots(*m, req(10, 0));
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_TRUE(slots[0].applies);
  EXPECT_TRUE(slots[0].has_key);
  ASSERT_EQ(slots[0].key.size(), 2u);
  EXPECT_EQ(slots[0].key[0].s, "carol");
  EXPECT_EQ(slots[0].key[1].i, 0);
  EXPECT_EQ(slots[0].window_start, D("2025-03-01"));
  EXPECT_EQ(slots[0].applies, expected[0].applies);
  EXPECT_EQ(slots[0].key, expected[0].key);
  EXPECT_EQ(slots[0].window_start, expected[0].window_start);
  // A cpu order: the cap does not apply, but has its key.
  pir::Request cpu = MakeRequest(*m, {{"who", S("dave")}, {"item", I(1)}, {"qty", I(1)}}, D("2025-12-31"));
  slots = jit->CapSlots(cpu);
  EXPECT_FALSE(slots[0].applies);
  EXPECT_TRUE(slots[0].has_key);
  EXPECT_EQ(slots[0].key[0].s, "dave");
  EXPECT_EQ(slots[0].window_start, D("2025-12-01"));
  // Not in force: no slots.
  slots = jit->CapSlots(MakeRequest(*m, {{"who", S("e")}, {"item", I(0)}, {"qty", I(1)}}, D("2026-01-01")));
  EXPECT_FALSE(slots[0].applies);
  EXPECT_FALSE(slots[0].has_key);
}

TEST(JitTest, NotInForce) {
  auto m = CompilePir(kSmallPolicy);
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  for (const char* day : {"2024-12-31", "2026-01-01", "9999-12-31", "0001-01-01"}) {
    pir::Result r = Both(*m, *jit, MakeRequest(*m, {{"who", S("a")}, {"item", I(0)}, {"qty", I(1)}}, D(day)));
    EXPECT_EQ(r.error, ErrorCode::NotInForce) << day;
    EXPECT_EQ(r.error_loc.line, 0u);
  }
}

TEST(JitTest, ErrorsCarryTheirLocation) {
  const std::string policy = R"(policy errs;
decision Outcome { allow, deny }
default allow;
input { a: int; b: int; x: float; y: float; }
output sum: int = a + b;
output rem: int = a % b;
output quot: float = x / y;
output prod: float = x * y;
rule r: a * b > 10 => deny;
)";
  auto m = CompilePir(policy);
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  auto req = [&](int64_t a, int64_t b, double x, double y) {
    return MakeRequest(*m, {{"a", I(a)}, {"b", I(b)}, {"x", F(x)}, {"y", F(y)}});
  };
  pir::Result r = Both(*m, *jit, req(kMax, 1, 1, 1));
  EXPECT_EQ(r.error, ErrorCode::IntOverflow);
  EXPECT_EQ(r.error_loc.line, 5u);
  EXPECT_EQ(r.error_loc.col, 21u);
  r = Both(*m, *jit, req(7, 0, 1, 1));
  EXPECT_EQ(r.error, ErrorCode::DivisionByZero);
  EXPECT_EQ(r.error_loc.line, 6u);
  EXPECT_EQ(r.error_loc.col, 21u);
  r = Both(*m, *jit, req(1, 1, 1, -0.0));
  EXPECT_EQ(r.error, ErrorCode::DivisionByZero);
  EXPECT_EQ(r.error_loc.line, 7u);
  r = Both(*m, *jit, req(1, 1, 1e300, 1e300));
  EXPECT_EQ(r.error, ErrorCode::NonFinite);
  EXPECT_EQ(r.error_loc.line, 8u);
  r = Both(*m, *jit, req(kMax / 2, 3, 1, 1));  // the outputs pass; the rule's condition fails
  EXPECT_EQ(r.error, ErrorCode::IntOverflow);
  EXPECT_EQ(r.error_loc.line, 9u);
  r = Both(*m, *jit, req(kMin, -1, 1, 2));  // INT64_MIN % -1 == 0
  EXPECT_EQ(r.error, ErrorCode::IntOverflow);  // but kMin * -1 in the rule overflows
  r = Both(*m, *jit, req(-7, 2, 1, 2));
  EXPECT_EQ(r.error, ErrorCode::None);
  EXPECT_EQ(r.outputs[1].i, -1);
  EXPECT_EQ(r.outputs[2].f, 0.5);
}

TEST(JitTest, Expressions) {
  std::vector<ExprCase> cases = {
      {"int", "a % b", {{"a", I(kMin)}, {"b", I(-1)}}},
      {"int", "abs(a)", {{"a", I(kMin)}}},
      {"int", "abs(a)", {{"a", I(-5)}}},
      {"int", "-a", {{"a", I(kMin)}}},
      {"int", "min(a, b, 3)", {{"a", I(7)}, {"b", I(-2)}}},
      {"int", "max(a, b)", {{"a", I(7)}, {"b", I(-2)}}},
      {"float", "min(x, y)", {{"x", F(-0.0)}, {"y", F(0.0)}}},
      {"float", "max(x, a)", {{"x", F(2.5)}, {"a", I(3)}}},
      {"int", "floor(x)", {{"x", F(-2.5)}}},
      {"int", "ceil(x)", {{"x", F(-2.5)}}},
      {"int", "round(x)", {{"x", F(-2.5)}}},
      {"int", "round(x)", {{"x", F(2.5)}}},
      {"int", "round(x)", {{"x", F(9.3e18)}}},
      {"int", "floor(x)", {{"x", F(-9223372036854775808.0)}}},
      {"float", "float(a) / 3", {{"a", I(10)}}},
      {"float", "a / b", {{"a", I(1)}, {"b", I(0)}}},
      {"float", "x - y", {{"x", F(-1.7e308)}, {"y", F(1.7e308)}}},
      {"bool", "a == x", {{"a", I(9007199254740993)}, {"x", F(9007199254740992.0)}}},
      {"bool", "a > x", {{"a", I(9007199254740993)}, {"x", F(9007199254740992.0)}}},
      {"bool", "x < a", {{"a", I(9007199254740993)}, {"x", F(9007199254740992.0)}}},
      {"bool", "a < x", {{"a", I(kMax)}, {"x", F(9223372036854775808.0)}}},
      {"bool", "a >= x", {{"a", I(-3)}, {"x", F(-2.5)}}},
      {"bool", "a <= x", {{"a", I(-3)}, {"x", F(-2.5)}}},
      {"bool", "x == 0.0", {{"x", F(-0.0)}}},
      {"int", "year(d) * 10000 + month(d) * 100 + day(d)", {}},
      {"int", "year(d) * 10000 + month(d) * 100 + day(d)", {{"d", I(D("0001-01-01").days)}}},
      {"int", "year(d) * 10000 + month(d) * 100 + day(d)", {{"d", I(D("9999-12-31").days)}}},
      {"int", "year(d) * 10000 + month(d) * 100 + day(d)", {{"d", I(D("1900-03-01").days)}}},
      {"int", "days_between(d, e)", {}},
      {"bool", "d < e", {}},
      {"date", "max(d, e)", {}},
      {"bool", "s == \"hello\"", {{"s", S("hello")}}},
      {"bool", "s != \"hello\"", {{"s", S("hell")}}},
      {"bool", "s in { \"a\", \"bb\", \"ccc\", \"dddd\", \"eeeee\", \"ffffff\" }", {{"s", S("dddd")}}},
      {"bool", "s in { \"a\", \"bb\", \"ccc\", \"dddd\", \"eeeee\", \"ffffff\" }", {{"s", S("ddd")}}},
      {"bool", "s not in { \"a\", \"bb\" }", {{"s", S("")}}},
      {"bool", "a in { 1, 5, 9, 100 }", {{"a", I(9)}}},
      {"bool", "a in { 1, 5, 9, 100 }", {{"a", I(10)}}},
      {"bool", "x in { 0.5, 1.5 }", {{"x", F(1.5)}}},
      {"bool", "c in { green, blue }", {{"c", I(2)}}},
      {"int", "match c { red => 1, green | blue => a * 2 }", {{"c", I(1)}, {"a", I(21)}}},
      {"int", "match c { red => 1, _ => a * 2 }", {{"c", I(0)}, {"a", I(kMax)}}},
      {"int", "match f { true => 1, false => 2 }", {{"f", I(1)}}},
      {"string", "if f then s else \"no\"", {{"f", I(1)}, {"s", S("yes")}}},
      {"string", "match c { red => \"r\", green => s, blue => \"b\" }", {{"c", I(1)}, {"s", S("g")}}},
      {"bool", "f or a * b > 0", {{"f", I(1)}, {"a", I(kMax)}, {"b", I(2)}}},
      {"bool", "f and a * b > 0", {{"f", I(0)}, {"a", I(kMax)}, {"b", I(2)}}},
      {"bool", "not f and a * b > 0", {{"f", I(0)}, {"a", I(kMax)}, {"b", I(2)}}},
      {"int", "if a > 0 then a * b else a - b", {{"a", I(-1)}, {"b", I(kMax)}}},
  };
  CheckExprs(cases);
}

TEST(JitTest, Tiers) {
  const std::string policy = R"(policy classify;
enum Color { red, orange, yellow, green, blue, indigo, violet }
decision Outcome { allow, deny }
default allow;
input { n: int; x: float; d: date; s: string; c: Color; }
tiers Band of int { low: < 0; zero: { 0 }; mid: 1 ..= 9; high: >= 10; }
tiers Ratio of float { tiny: < 0.001; some: 0.001 ..< 0.5; most: otherwise; }
tiers Era of date { before: < 2000-01-01; y2k: 2000-01-01 ..< 2010-01-01; after: otherwise; }
tiers Name of string { staff: { "ann", "bob", "cy", "dee", "eve", "fay" }; guest: otherwise; }
tiers Warm of Color { warm: { red, orange, yellow }; cold: otherwise; }
tiers Wide of int { w0: < -100; w1: -100 ..< -50; w2: -50 ..< -10; w3: -10 ..< -5; w4: -5 ..< 0;
  w5: 0 ..< 5; w6: 5 ..< 10; w7: 10 ..< 50; w8: 50 ..< 100; w9: 100 ..< 200; w10: 200 ..< 300;
  w11: 300 ..< 400; w12: 400 ..< 500; w13: 500 ..< 600; w14: 600 ..< 700; w15: 700 ..< 800;
  w16: 800 ..< 900; w17: { 950, 960 }; w18: otherwise; }
output band: Band = Band(n);
output ratio: Ratio = Ratio(x);
output era: Era = Era(d);
output name: Name = Name(s);
output warm: Warm = Warm(c);
output wide: Wide = Wide(n);
)";
  auto m = CompilePir(policy);
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  std::mt19937_64 rng(7);
  const std::vector<int64_t> ns = {kMin, -101, -100, -99, -51, -50, -11, -10, -6, -5, -1, 0, 1, 4, 5,
                                   9, 10, 49, 50, 99, 100, 899, 900, 949, 950, 951, 960, kMax};
  const std::vector<double> xs = {-1e300, -0.0, 0.0, 0.00099999, 0.001, 0.4999999, 0.5, 1e300};
  const std::vector<const char*> ds = {"0001-01-01", "1999-12-31", "2000-01-01", "2009-12-31",
                                       "2010-01-01", "9999-12-31"};
  const std::vector<const char*> ss = {"", "ann", "an", "anne", "fay", "zed", "cy", "dee"};
  for (int k = 0; k < 400; ++k) {
    pir::Request req = MakeRequest(
        *m, {{"n", I(ns[rng() % ns.size()])},
             {"x", F(xs[rng() % xs.size()])},
             {"d", I(D(ds[rng() % ds.size()]).days)},
             {"s", S(ss[rng() % ss.size()])},
             {"c", I(static_cast<int64_t>(rng() % 7))}});
    Both(*m, *jit, req);
  }
}

TEST(JitTest, ValidityOfRulesAndEvaluationOrder) {
  // Rules out of force are not evaluated; the first error in root order wins.
  const std::string policy = R"(policy order;
decision Outcome { allow, deny }
default allow;
input { a: int; b: int; }
output o: int = a + 1;
rule early until 2025-01-01: a * b > 0 => deny;
rule late effective 2025-06-01: a - b > 0 => deny;
exempt e from late when b % a == 0;
)";
  auto m = CompilePir(policy);
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  for (const char* day : {"2024-06-01", "2025-03-01", "2025-07-01"}) {
    for (int64_t a : {kMin, kMax, int64_t{0}, int64_t{2}, int64_t{-1}}) {
      for (int64_t b : {kMin, kMax, int64_t{0}, int64_t{3}}) {
        Both(*m, *jit, MakeRequest(*m, {{"a", I(a)}, {"b", I(b)}}, D(day)));
      }
    }
  }
}

TEST(JitTest, Descriptor) {
  auto m = CompilePir(kSmallPolicy, "small.edict");
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  const edict_module& d = jit->descriptor();
  EXPECT_EQ(d.abi_version, 1u);
  EXPECT_EQ(d.struct_size, sizeof(edict_module));
  EXPECT_STREQ(d.name, "small");
  EXPECT_STREQ(d.version, "v1");
  EXPECT_STREQ(d.source_path, "small.edict");
  EXPECT_EQ(d.source_hash, m->source_hash);
  EXPECT_EQ(d.flags, EDICT_HAS_EFFECTIVE | EDICT_HAS_UNTIL);
  EXPECT_EQ(d.effective, D("2025-01-01").days);
  EXPECT_EQ(d.expires, D("2026-01-01").days);
  ASSERT_EQ(d.field_count, 4u);
  EXPECT_STREQ(d.fields[0].name, "who");
  EXPECT_EQ(d.fields[0].type.kind, EDICT_TYPE_STRING);
  EXPECT_EQ(d.fields[0].offset, 0u);
  EXPECT_EQ(d.fields[1].offset, 16u);
  EXPECT_EQ(d.fields[1].type.kind, EDICT_TYPE_ENUM);
  EXPECT_STREQ(d.enums[d.fields[1].type.enum_id].name, "Item");
  EXPECT_STREQ(d.enums[d.fields[1].type.enum_id].members[1], "cpu");
  EXPECT_EQ(d.fields[3].has_default, 1u);
  EXPECT_EQ(d.fields[3].default_value.i, 0);
  EXPECT_EQ(d.input_size, 40u);
  EXPECT_STREQ(d.enums[d.decision_enum].members[d.default_outcome], "allow");
  ASSERT_EQ(d.rule_count, 4u);
  EXPECT_STREQ(d.rules[0].name, "big");
  EXPECT_EQ(d.rules[0].outcome, 2);
  EXPECT_STREQ(d.rules[0].explanation.because, "{qty} is large");
  EXPECT_STREQ(d.rules[0].explanation.cite, "§1");
  ASSERT_EQ(d.rules[0].explanation.piece_count, 3u);
  EXPECT_EQ(d.rules[0].explanation.pieces[1].kind, EDICT_PIECE_FIELD);
  EXPECT_EQ(d.rules[0].explanation.pieces[1].index, 2);
  EXPECT_EQ(d.rules[1].explanation.because, nullptr);
  EXPECT_EQ(d.rules[0].defeated_by_count, 1u);
  ASSERT_EQ(d.exemption_count, 1u);
  EXPECT_EQ(d.exemptions[0].target_rule_count, 1u);
  EXPECT_EQ(d.exemptions[0].target_cap_count, 1u);
  ASSERT_EQ(d.cap_count, 1u);
  EXPECT_STREQ(d.caps[0].name, "budget");
  EXPECT_EQ(d.caps[0].window, EDICT_WINDOW_MONTH);
  EXPECT_EQ(d.caps[0].key_count, 2u);
  EXPECT_EQ(d.caps[0].key_types[0].kind, EDICT_TYPE_STRING);
  EXPECT_EQ(d.caps[0].record[1], 1);
  EXPECT_EQ(d.caps[0].record[2], 0);
  EXPECT_EQ(d.key_count, 2u);
  ASSERT_EQ(d.output_count, 4u);
  EXPECT_STREQ(d.outputs[2].name, "label");
  EXPECT_EQ(d.outputs[2].type.kind, EDICT_TYPE_STRING);
  EXPECT_EQ(d.result_size % 8, 0u);
  EXPECT_EQ(d.rules_applied_offset, 16u);
}

TEST(JitTest, EvalBatchMatchesEval) {
  auto m = CompilePir(kSmallPolicy);
  ASSERT_TRUE(m);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  const edict_module& d = jit->descriptor();
  std::mt19937_64 rng(3);
  const size_t n = 200;
  std::vector<pir::Request> reqs;
  const std::vector<std::string> names = {"alice", "bob", "mallory", "trudy", ""};
  for (size_t k = 0; k < n; ++k) {
    reqs.push_back(MakeRequest(
        *m, {{"who", S(names[rng() % names.size()])}, {"item", I(static_cast<int64_t>(rng() % 2))},
             {"qty", I(static_cast<int64_t>(rng() % 3000) - 10)}, {"vip", I(static_cast<int64_t>(rng() % 2))}},
        Date{D("2024-12-01").days + static_cast<int32_t>(rng() % 500)},
        {static_cast<int64_t>(rng() % 6000)}));
  }
  std::vector<uint64_t> inputs(n * d.input_size / 8), results(n * d.result_size / 8);
  std::vector<int64_t> usage;
  std::vector<int32_t> today;
  for (size_t k = 0; k < n; ++k) {
    jit->EncodeInput(reqs[k], reinterpret_cast<char*>(inputs.data()) + k * d.input_size);
    usage.push_back(reqs[k].usage[0]);
    today.push_back(reqs[k].today.days);
  }
  size_t errors = d.eval_batch(n, inputs.data(), usage.data(), today.data(), results.data());
  size_t expected_errors = 0;
  for (size_t k = 0; k < n; ++k) {
    pir::Result single = Both(*m, *jit, reqs[k]);
    expected_errors += single.error != ErrorCode::None;
    EXPECT_TRUE(Same(jit->DecodeResult(reinterpret_cast<char*>(results.data()) + k * d.result_size), single));
  }
  EXPECT_EQ(errors, expected_errors);
  EXPECT_GT(errors, 0u);
  EXPECT_LT(errors, n);
}

// ---- The AI diffusion policy ---------------------------------------------------------------

auto ReadFile(const std::string& path) -> std::string {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* const kAiDiffusion = EDICT_SOURCE_DIR "/policies/ai_diffusion/2025-01-15.edict";

auto RandomAiRequest(const pir::Module& m, std::mt19937_64& rng) -> pir::Request {
  static const std::vector<std::string> consignees = {"a", "in-lab", "", "cn-sub", "x-y-z"};
  static const std::vector<int64_t> tpps = {0, 1, 4800, 1000000, 26899999, 26900000, 26900001,
                                            500000000, 790000000, 790000001, kMax, -1};
  static const std::vector<double> ops = {0.0, 5e25, 9.99e25, 1e26, 1.0000000000000001e26, 3e26, 1e300};
  int32_t country_enum = m.inputs[0].type.enum_id;
  int64_t countries = static_cast<int64_t>(m.enums[country_enum].members.size());
  pir::Request req;
  req.fields = {I(static_cast<int64_t>(rng() % countries)),
                I(static_cast<int64_t>(rng() % countries)),
                S(consignees[rng() % consignees.size()]),
                I(static_cast<int64_t>(rng() % 3)),
                I(rng() % 4 == 0 ? static_cast<int64_t>(rng() % 1000000000) : tpps[rng() % tpps.size()]),
                I(static_cast<int64_t>(rng() % 3)),
                F(ops[rng() % ops.size()])};
  req.today = Date{D("2025-01-01").days + static_cast<int32_t>(rng() % 800)};
  static const std::vector<int64_t> usages = {0, 1, 26900000, 789000000, 790000000, kMax};
  req.usage = {usages[rng() % usages.size()], usages[rng() % usages.size()]};
  return req;
}

TEST(JitTest, AiDiffusionMatchesInterpreter) {
  auto m = CompilePir(ReadFile(kAiDiffusion), kAiDiffusion);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->inputs.size(), 7u);
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  std::mt19937_64 rng(2025);
  std::map<int, int> outcomes;
  int errors = 0;
  for (int k = 0; k < 20000; ++k) {
    pir::Request req = RandomAiRequest(*m, rng);
    pir::Result r = Both(*m, *jit, req);
    if (r.error != ErrorCode::None) {
      ++errors;
    } else {
      ++outcomes[r.outcome];
    }
    std::vector<pir::CapSlot> got = jit->CapSlots(req), want = interp::ComputeCapSlots(*m, req);
    ASSERT_EQ(got.size(), want.size());
    for (size_t c = 0; c < got.size(); ++c) {
      EXPECT_EQ(got[c].applies, want[c].applies);
      EXPECT_EQ(got[c].has_key, want[c].has_key);
      EXPECT_EQ(got[c].key, want[c].key);
      EXPECT_EQ(got[c].window_start, want[c].window_start);
    }
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_EQ(outcomes.size(), 4u);  // every outcome happens
  EXPECT_GT(errors, 0);            // and errors too (negative amounts, overflowing usage)
}

TEST(JitTest, AiDiffusionOptLevels) {
  auto m = CompilePir(ReadFile(kAiDiffusion), kAiDiffusion);
  ASSERT_TRUE(m);
  for (int level : {0, 1, 3}) {
    auto jit = Jit(*m, level);
    ASSERT_TRUE(jit);
    std::mt19937_64 rng(level);
    for (int k = 0; k < 2000 && !::testing::Test::HasFailure(); ++k) Both(*m, *jit, RandomAiRequest(*m, rng));
  }
}

// Not a timed test (DESIGN: timing belongs in bench/): prints the JIT compile time for the notes.
TEST(JitTest, AiDiffusionCompileTime) {
  auto m = CompilePir(ReadFile(kAiDiffusion), kAiDiffusion);
  ASSERT_TRUE(m);
  double best = 1e9;
  JitTimings best_t;
  for (int k = 0; k < 5; ++k) {
    auto jit = Jit(*m);
    ASSERT_TRUE(jit);
    if (jit->timings().total_ms < best) {
      best = jit->timings().total_ms;
      best_t = jit->timings();
    }
  }
  std::printf("[ jit      ] ai_diffusion JIT compile at -O2: %.1f ms (codegen %.1f, optimize %.1f, "
              "machine code + link %.1f), thread CPU time, best of 5\n",
              best_t.total_ms, best_t.codegen_ms, best_t.optimize_ms, best_t.jit_ms);
  // A rough per-evaluation time through the ABI, also for the notes only.
  auto jit = Jit(*m);
  const edict_module& d = jit->descriptor();
  std::mt19937_64 rng(1);
  const size_t n = 4096;
  std::vector<pir::Request> reqs;
  for (size_t k = 0; k < n; ++k) {
    reqs.push_back(RandomAiRequest(*m, rng));
    reqs.back().usage = {0, 0};
  }
  std::vector<uint64_t> inputs(n * d.input_size / 8 + 1), results(n * d.result_size / 8 + 1);
  std::vector<int32_t> today;
  for (size_t k = 0; k < n; ++k) {
    jit->EncodeInput(reqs[k], reinterpret_cast<char*>(inputs.data()) + k * d.input_size);
    today.push_back(reqs[k].today.days);
  }
  // Thread CPU time: the test machine may be busy.
  auto cpu_ns = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  };
  double t0 = cpu_ns();
  const int rounds = 200;
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < n; ++k) {
      d.eval(reinterpret_cast<char*>(inputs.data()) + k * d.input_size, nullptr, today[k],
             reinterpret_cast<edict_result*>(reinterpret_cast<char*>(results.data()) + k * d.result_size));
    }
  }
  double t1 = cpu_ns();
  for (int r = 0; r < rounds; ++r) d.eval_batch(n, inputs.data(), nullptr, today.data(), results.data());
  double t2 = cpu_ns();
  double per = (t1 - t0) / (rounds * n);
  double per_batch = (t2 - t1) / (rounds * n);
  // The same request over and over: no branch mispredictions.
  double t3 = cpu_ns();
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < n; ++k) {
      d.eval(inputs.data(), nullptr, today[0], reinterpret_cast<edict_result*>(results.data()));
    }
  }
  double per_same = (cpu_ns() - t3) / (rounds * n);
  std::printf("[ jit      ] ai_diffusion eval (thread CPU time): %.1f ns/request (eval, random "
              "requests), %.1f ns/request (eval_batch), %.1f ns/request (one request repeated)\n",
              per, per_batch, per_same);
}

// ---- Generated policies ---------------------------------------------------------------------

TEST(JitTest, GeneratedPoliciesMatchInterpreter) {
  int compiled = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    testing::GeneratedPolicy p = testing::GeneratePolicy(seed);
    testing::EvalCompilation c = testing::CompileForEval(p.source, "gen.edict");
    if (!c.result.success || !c.pir) continue;  // the generator's own tests cover this
    ++compiled;
    const pir::Module& m = *c.pir;
    auto jit = Jit(m);
    ASSERT_TRUE(jit) << p.source;
    std::mt19937_64 rng(seed * 7919);
    for (int k = 0; k < 300; ++k) {
      pir::Request req = testing::GenerateRequest(m, p, rng);
      pir::Result want = interp::Evaluate(m, req);
      pir::Result got = jit->Evaluate(req);
      ASSERT_TRUE(Same(got, want)) << "seed " << seed << "\njit:    " << Describe(m, got)
                           << "\ninterp: " << Describe(m, want)
                           << "\nrequest: " << testing::RequestToJson(m, req) << "\n"
                           << p.source;
      std::vector<pir::CapSlot> gs = jit->CapSlots(req), ws = interp::ComputeCapSlots(m, req);
      for (size_t s = 0; s < gs.size(); ++s) {
        ASSERT_EQ(gs[s].applies, ws[s].applies) << "seed " << seed << " cap " << s;
        ASSERT_EQ(gs[s].has_key, ws[s].has_key) << "seed " << seed << " cap " << s;
        ASSERT_EQ(gs[s].key, ws[s].key) << "seed " << seed << " cap " << s;
        ASSERT_EQ(gs[s].window_start, ws[s].window_start) << "seed " << seed << " cap " << s;
      }
    }
  }
  EXPECT_GT(compiled, 40);
}

// ---- Object emission ------------------------------------------------------------------------

TEST(JitTest, EmitsObjectAssemblyAndIr) {
  auto m = CompilePir(kSmallPolicy);
  ASSERT_TRUE(m);
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> ir = codegen::Codegen(*m, ctx);
  auto tm = CreateHostTargetMachine(2);
  ASSERT_TRUE(static_cast<bool>(tm)) << llvm::toString(tm.takeError());
  ConfigureModule(*ir, **tm);
  Optimize(*ir, tm->get(), 2);
  std::string text;
  llvm::raw_string_ostream ll(text);
  ll << *ir;
  EXPECT_NE(text.find("@edict_module_v1()"), std::string::npos);
  EXPECT_NE(text.find("@edict_small_eval("), std::string::npos);
  llvm::SmallString<0> obj, asm_text;
  llvm::raw_svector_ostream obj_os(obj), asm_os(asm_text);
  ASSERT_FALSE(static_cast<bool>(Emit(*ir, **tm, EmitKind::Object, obj_os)));
  EXPECT_GT(obj.size(), 1000u);
  EXPECT_EQ(obj.substr(0, 4), "\x7f" "ELF");
  ASSERT_FALSE(static_cast<bool>(Emit(*ir, **tm, EmitKind::Assembly, asm_os)));
  EXPECT_NE(asm_text.str().find("edict_module_v1"), std::string::npos);
}

// The object `edict build` will link: `cc -shared obj builtins.a` gives a loadable module whose
// edict_module_v1 evaluates like the JIT.
TEST(JitTest, ObjectLinksIntoLoadableSharedLibrary) {
#ifndef EDICT_BUILTINS_ARCHIVE
  GTEST_SKIP() << "no builtins archive in this build";
#else
  if (std::system("cc --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no cc";
  auto m = CompilePir(ReadFile(kAiDiffusion), kAiDiffusion);
  ASSERT_TRUE(m);
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> ir = codegen::Codegen(*m, ctx);
  auto tm = CreateHostTargetMachine(2);
  ASSERT_TRUE(static_cast<bool>(tm)) << llvm::toString(tm.takeError());
  ConfigureModule(*ir, **tm);
  Optimize(*ir, tm->get(), 2);
  std::string dir = ::testing::TempDir() + "edict-aot-" + std::to_string(::getpid());
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string obj = dir + "/ai_diffusion.o", so = dir + "/libai_diffusion.so";
  llvm::Error e = EmitToFile(*ir, **tm, EmitKind::Object, obj);
  ASSERT_FALSE(static_cast<bool>(e)) << llvm::toString(std::move(e));
  std::string link = "cc -shared -o " + so + " " + obj + " " EDICT_BUILTINS_ARCHIVE;
  ASSERT_EQ(std::system(link.c_str()), 0) << link;
  void* lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto get = reinterpret_cast<edict_module_v1_fn>(dlsym(lib, "edict_module_v1"));
  ASSERT_NE(get, nullptr);
  const edict_module* d = get();
  EXPECT_EQ(d->abi_version, static_cast<uint32_t>(EDICT_ABI_VERSION));
  EXPECT_EQ(d->struct_size, sizeof(edict_module));
  EXPECT_STREQ(d->name, "ai_diffusion");
  auto jit = Jit(*m);
  ASSERT_TRUE(jit);
  std::mt19937_64 rng(99);
  for (int k = 0; k < 2000; ++k) {
    pir::Request req = RandomAiRequest(*m, rng);
    std::vector<uint64_t> input(d->input_size / 8 + 1), result(d->result_size / 8 + 1);
    jit->EncodeInput(req, input.data());
    d->eval(input.data(), req.usage.data(), req.today.days,
            reinterpret_cast<edict_result*>(result.data()));
    pir::Result aot = jit->DecodeResult(result.data());
    ASSERT_TRUE(Same(aot, interp::Evaluate(*m, req))) << Describe(*m, aot);
  }
  dlclose(lib);
  std::system(("rm -rf " + dir).c_str());
#endif
}

}  // namespace
}  // namespace edict::backend
