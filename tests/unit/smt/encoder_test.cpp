// The SMT encoding (compiler/smt/encoder.h) against the reference interpreter: on random
// well-typed policies (tests/unit/testing/policy_gen.h) and random requests, the request's
// variables are fixed, Z3 solves, and the error code, outcome, applying rules, deciding rules,
// applying exemptions and caps read from the model must equal interp::Evaluate's result exactly.
// Also a few hand-written policies aimed at the corners (overflow order, float rounding, dates).
//
// Knobs (environment): EDICT_SMT_POLICIES, EDICT_SMT_REQUESTS, EDICT_SMT_SEED_BASE.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "interp/interpreter.h"
#include "smt/encoder.h"
#include "testing/compile_helpers.h"
#include "testing/policy_gen.h"

namespace edict::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// What the encoding says about `req`, in the interpreter's Result shape (outputs and record
// are not encoded and stay empty).
struct SmtResult {
  pir::ErrorCode error = pir::ErrorCode::None;
  int32_t outcome = -1;
  std::vector<bool> rules, deciding, exemptions, caps;
};

auto SolveFixed(smt::Encoding& e, const pir::Request& req) -> SmtResult {
  z3::solver s(e.ctx());
  s.add(e.Fix(req));
  EXPECT_EQ(s.check(), z3::sat);
  z3::model m = s.get_model();
  SmtResult r;
  r.error = static_cast<pir::ErrorCode>(smt::ModelInt(m, e.error) & 0xff);
  if (r.error != pir::ErrorCode::None) return r;
  unsigned w = e.outcome.get_sort().bv_size();
  r.outcome = static_cast<int32_t>(smt::ModelInt(m, e.outcome) & ((int64_t{1} << w) - 1));
  auto read = [&](const std::vector<z3::expr>& xs, std::vector<bool>& out) {
    for (const z3::expr& x : xs) out.push_back(m.eval(x, true).is_true());
  };
  read(e.rule_applies, r.rules);
  read(e.deciding, r.deciding);
  read(e.exemption_applies, r.exemptions);
  read(e.cap_applies, r.caps);
  return r;
}

// Compares one request; returns a failure description or "".
auto Compare(const pir::Module& m, smt::Encoding& e, const pir::Request& req) -> std::string {
  pir::Result want = interp::Evaluate(m, req);
  SmtResult got = SolveFixed(e, req);
  auto describe = [&] {
    return "request " + RequestToJson(m, req) + "\ninterpreter: " + ResultToString(m, want);
  };
  if (got.error != want.error) {
    return "error " + std::string(pir::Spelling(got.error)) + " != interpreter's " +
           pir::Spelling(want.error) + "\n" + describe();
  }
  if (want.error != pir::ErrorCode::None) return "";
  if (got.outcome != want.outcome) return "outcome differs\n" + describe();
  if (got.rules != want.rules_applied) return "applying rules differ\n" + describe();
  if (got.deciding != want.deciding) return "deciding rules differ\n" + describe();
  if (got.exemptions != want.exemptions_applied) return "exemptions differ\n" + describe();
  if (got.caps != want.caps_applied) return "caps differ\n" + describe();
  return "";
}

TEST(SmtEncoderTest, MatchesInterpreterOnRandomPolicies) {
  const int policies = EnvInt("EDICT_SMT_POLICIES", 60);
  const int requests = EnvInt("EDICT_SMT_REQUESTS", 12);
  const uint64_t base = static_cast<uint64_t>(EnvInt("EDICT_SMT_SEED_BASE", 7000));
  int compared = 0, errors = 0, outcomes = 0;
  for (int p = 0; p < policies; ++p) {
    uint64_t seed = base + static_cast<uint64_t>(p);
    GeneratedPolicy gen = GeneratePolicy(seed);
    EvalCompilation c = CompileForEval(gen.source);
    ASSERT_TRUE(c.pir) << "seed " << seed << ": " << c.result.ToString();
    const pir::Module& m = *c.pir;
    z3::context ctx;
    smt::StringUniverse strings = smt::MakeStringUniverse({&m});
    smt::Encoding e(ctx, m, strings);
    std::mt19937_64 rng(seed);
    for (int q = 0; q < requests; ++q) {
      pir::Request req = GenerateRequest(m, gen, rng);
      std::string problem = Compare(m, e, req);
      ASSERT_EQ(problem, "") << "seed " << seed << "\n" << gen.source;
      pir::Result r = interp::Evaluate(m, req);
      ++compared;
      (r.error != pir::ErrorCode::None ? errors : outcomes)++;
    }
  }
  // The comparison must cover both kinds of result.
  EXPECT_GT(errors, compared / 20);
  EXPECT_GT(outcomes, compared / 4);
}

// Corners written by hand: the first error in evaluation order, exact int/float comparison,
// float rounding, civil dates, cap arithmetic and string matching.
TEST(SmtEncoderTest, MatchesInterpreterOnCorners) {
  const char* source = R"(
policy corners version "1" effective 2020-01-01 expires 2030-01-01;
decision D { ok, warn, stop }
default ok;
enum E { a, b, c }
input {
  i: int;
  j: int;
  f: float;
  d: date;
  s: string;
  e: E;
  flag: bool;
}
tiers T of float { low: < 0.5; high: otherwise; }
output sum: int = i + j;
output ratio: float = f / 3.0;
output y: int = year(d) * 10000 + month(d) * 100 + day(d);
cap budget { limit: 100; key: s; window: month; amount: j; applies: e != c; record: ok; }
rule r1: i * 3 > j => warn;
rule r2: float(i) == f => stop;
rule r3: round(f) == 2 and T(f) == high => warn;
rule r4: exceeds(budget) => stop;
rule r5: s in {"x", "y"} and flag => warn;
rule r6: i % j == 1 => stop;
rule r7 effective 2025-01-01: days_between(d, today) > 30 => warn;
exempt e1 from r1 when e == b;
)";
  EvalCompilation c = CompileForEval(source);
  ASSERT_TRUE(c.pir) << c.result.ToString();
  const pir::Module& m = *c.pir;
  z3::context ctx;
  smt::StringUniverse strings = smt::MakeStringUniverse({&m});
  smt::Encoding e(ctx, m, strings);
  auto req = [&](int64_t i, int64_t j, double f, const char* d, const char* s, int e_,
                 bool flag, const char* today, int64_t usage) {
    pir::Request r;
    r.fields = {pir::RtValue::Int(i),
                pir::RtValue::Int(j),
                pir::RtValue::Float(f),
                pir::RtValue::Int(ParseDate(d)->days),
                pir::RtValue::Str(s),
                pir::RtValue::Int(e_),
                pir::RtValue::Int(flag ? 1 : 0)};
    r.today = *ParseDate(today);
    r.usage = {usage};
    return r;
  };
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  std::vector<pir::Request> cases = {
      req(1, 2, 1.0, "2024-02-29", "x", 0, true, "2025-03-01", 0),
      req(kMax, 1, 0.0, "2024-02-29", "x", 0, true, "2025-03-01", 0),       // sum overflows
      req(kMax / 2, 2, 0.0, "0001-01-01", "z", 1, false, "2025-03-01", 0),  // i*3 overflows
      req(9007199254740993, 0, 9007199254740992.0, "9999-12-31", "y", 2, true, "2029-12-31", 5),
      req(2, 0, 2.5, "2000-03-01", "", 0, false, "2021-06-01", 99),     // i % 0
      req(3, 2, 2.4999999999999996, "1900-02-28", "x", 2, true, "2020-01-01", 0),
      req(1, 50, -1.5, "2024-12-31", "q", 1, true, "2026-01-01", kMax - 10),  // usage overflow
      req(1, -1, 1e308, "2024-12-31", "q", 0, true, "2026-01-01", 0),  // negative amount
      req(kMin, -1, -0.0, "1970-01-01", "y", 0, true, "2031-01-01", 0),  // not in force
      req(0, 1, 1.0, "2025-01-01", "x", 0, true, "2025-03-01", 100),   // exceeds
      req(4, 3, 0.5, "1600-02-29", "y", 0, true, "2025-01-01", 0),
  };
  for (const pir::Request& r : cases) EXPECT_EQ(Compare(m, e, r), "");
}

}  // namespace
}  // namespace edict::testing
