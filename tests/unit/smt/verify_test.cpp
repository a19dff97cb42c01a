// `edict verify`'s engine (compiler/smt/verify.h) on generated policies: a property planted to
// be false at exactly one request (every non-string field pinned to a random error-free request's
// value) must fail with a counterexample that has those values and on which the interpreter
// finds the property false; properties true by construction (an applying rule's outcome is at
// most the final outcome; with no rule applying the outcome is the default) must be proved.
#include <gtest/gtest.h>

#include <charconv>
#include <random>
#include <string>

#include "interp/interpreter.h"
#include "smt/verify.h"
#include "testing/compile_helpers.h"
#include "testing/policy_gen.h"

namespace edict::testing {
namespace {

// The value as an Edict literal (nullopt for strings, which the plant leaves free).
auto Literal(const pir::Module& m, pir::Type t, const pir::RtValue& v) -> std::optional<std::string> {
  switch (t.kind) {
    case pir::TypeKind::Bool: return v.i ? "true" : "false";
    case pir::TypeKind::Int:
      if (v.i == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807 - 1)";
      return v.i < 0 ? "(" + std::to_string(v.i) + ")" : std::to_string(v.i);
    case pir::TypeKind::Float: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::fabs(v.f));
      std::string s(buf, end);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      if (s.find('e') != std::string::npos && s.find('.') == std::string::npos) {
        s.insert(s.find('e'), ".0");
      }
      if (s.find("e+") != std::string::npos) s.erase(s.find("e+") + 1, 1);
      return std::signbit(v.f) ? "(-" + s + ")" : s;
    }
    case pir::TypeKind::Date: return FormatDate(Date{static_cast<int32_t>(v.i)});
    case pir::TypeKind::Enum:
      return m.enums[t.enum_id].name + "." + m.enums[t.enum_id].members[v.i];
    case pir::TypeKind::String: return std::nullopt;
  }
  return std::nullopt;
}

TEST(SmtVerifyTest, FindsPlantedCounterexamplesAndProvesTrueProperties) {
  int planted = 0, proved = 0;
  for (uint64_t seed = 4200; seed < 4210; ++seed) {
    GeneratedPolicy gen = GeneratePolicy(seed);
    EvalCompilation base = CompileForEval(gen.source);
    ASSERT_TRUE(base.pir) << "seed " << seed;
    const pir::Module& bm = *base.pir;
    // A request in force that ends in an outcome.
    std::mt19937_64 rng(seed);
    std::optional<pir::Request> req;
    for (int tries = 0; tries < 50 && !req; ++tries) {
      pir::Request r = GenerateRequest(bm, gen, rng);
      if (interp::Evaluate(bm, r).error == pir::ErrorCode::None) req = r;
    }
    if (!req) continue;
    std::string pin;
    std::vector<std::pair<size_t, pir::RtValue>> pinned;
    for (size_t f = 0; f < bm.inputs.size(); ++f) {
      auto lit = Literal(bm, bm.inputs[f].type, req->fields[f]);
      if (!lit) continue;
      pin += (pin.empty() ? "" : " and ") + bm.inputs[f].name + " == " + *lit;
      pinned.emplace_back(f, req->fields[f]);
    }
    if (pin.empty()) continue;
    std::string extra = "\nproperty planted_cx: not (" + pin + ");\n";
    const auto& members = bm.enums[bm.decision_enum].members;
    std::string none;
    for (const pir::Rule& r : bm.rules) {
      extra += "property max_" + r.name + ": applied(" + r.name + ") implies outcome >= " +
               bm.enums[bm.decision_enum].name + "." + members[r.outcome] + ";\n";
      none += (none.empty() ? "" : " and ") + std::string("not applied(") + r.name + ")";
    }
    if (!none.empty()) {
      extra += "property default_when_none: " + none + " implies outcome == " +
               bm.enums[bm.decision_enum].name + "." + members[bm.default_outcome] + ";\n";
    }
    EvalCompilation c = CompileForEval(gen.source + extra);
    ASSERT_TRUE(c.pir) << "seed " << seed << ": " << c.result.ToString() << extra;
    const pir::Module& m = *c.pir;
    smt::VerifyOptions o;
    o.timeout_ms = 3000;
    o.warnings = false;
    o.errors = seed == 4200;  // the error search is slow on arithmetic-heavy policies
    smt::VerifyReport report = smt::Verify(m, o);
    ASSERT_TRUE(report.ok) << report.error;
    for (const smt::PropertyVerdict& v : report.properties) {
      if (v.status == smt::PropertyVerdict::Status::Unknown) continue;  // a hard one: not judged
      if (v.name == "planted_cx") {
        ASSERT_EQ(v.status, smt::PropertyVerdict::Status::Failed) << "seed " << seed << extra;
        ASSERT_TRUE(v.counterexample);
        for (const auto& [f, value] : pinned) {
          EXPECT_EQ(v.counterexample->fields[f], value) << "seed " << seed << " field " << f;
        }
        pir::Result r = interp::Evaluate(m, *v.counterexample);
        ASSERT_EQ(r.error, pir::ErrorCode::None) << v.counterexample_json;
        auto [err, value] = interp::EvaluateValue(m, *v.counterexample, m.properties[0].value, &r);
        EXPECT_TRUE(err != pir::ErrorCode::None || value.i == 0) << v.counterexample_json;
        ++planted;
      } else {
        EXPECT_EQ(v.status, smt::PropertyVerdict::Status::Proved)
            << "seed " << seed << " " << v.name << ": " << v.counterexample_json << "\n"
            << gen.source << extra;
        ++proved;
      }
    }
    // Every reachable error's example really ends in that error.
    for (const smt::ReachableError& e : report.errors) {
      EXPECT_EQ(interp::Evaluate(m, e.example).error, e.code) << e.example_json;
    }
  }
  EXPECT_GT(planted, 4);
  EXPECT_GT(proved, 15);
}

}  // namespace
}  // namespace edict::testing
