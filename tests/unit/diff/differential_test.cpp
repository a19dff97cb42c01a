// Differential tests of the evaluation engines on random well-typed policies and requests
// (tests/unit/testing/policy_gen.h): the reference interpreter (compiler/interp/) and the LLVM JIT
// (compiler/backend/jit.h) must return identical results — outcome, deciding rules, applied
// rules/exemptions/caps, outputs, recorded amounts, error code and error location — and identical
// cap slots, on every request, through the single-request entry point and through eval_batch.
// Float outputs must also agree on the sign of zero (`-0.0` prints differently from `0.0`).
//
// Until the JIT exists this runs the interpreter alone against properties that hold for every
// engine (determinism, result shapes, the outcome rule of LANGUAGE.md §6, cap slots agreeing with
// the result, error results being empty). The JIT comparison switches on by itself once
// backend/jit.h exists and the build has an `edict::backend` library (EDICT_HAVE_JIT).
//
// Knobs (environment): EDICT_DIFF_POLICIES, EDICT_DIFF_REQUESTS, EDICT_DIFF_SEED_BASE. On a
// mismatch the test prints the seed, a reduced policy and the request as JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "pir/eval.h"
#include "pir/pir.h"
#include "testing/compile_helpers.h"
#include "testing/policy_gen.h"

#if defined(EDICT_HAVE_JIT) && __has_include("backend/jit.h")
#include "backend/jit.h"
#define EDICT_DIFF_WITH_JIT 1
#else
#define EDICT_DIFF_WITH_JIT 0
#endif

namespace edict::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// ---------------------------------------------------------------------------------------------
// The engines under test.

#if EDICT_DIFF_WITH_JIT
// The one place that knows the JIT's API: compile a module, evaluate a request, compute cap
// slots. Adjust here when backend/jit.h changes.
class JitUnderTest {
 public:
  static std::unique_ptr<JitUnderTest> Compile(const pir::Module& m, std::string& error,
                                               int opt_level = 2) {
    backend::JitOptions options;
    options.opt_level = opt_level;
    auto jit = backend::JitPolicy::Create(m, error, options);
    if (!jit) return nullptr;
    auto out = std::make_unique<JitUnderTest>();
    out->jit_ = std::move(jit);
    return out;
  }
  pir::Result Evaluate(const pir::Request& req) { return jit_->Evaluate(req); }
  std::vector<pir::CapSlot> CapSlots(const pir::Request& req) { return jit_->ComputeCapSlots(req); }
  double compile_ms() const { return jit_->timings().total_ms; }

  // All of `reqs` in one call of the descriptor's eval_batch; `errors` is what it returns.
  std::vector<pir::Result> EvaluateBatch(const std::vector<pir::Request>& reqs, size_t caps,
                                         size_t& errors) {
    const edict_module& d = jit_->descriptor();
    const size_t n = reqs.size();
    std::vector<uint64_t> inputs((n * d.input_size) / 8 + 1);
    std::vector<uint64_t> results((n * d.result_size) / 8 + 1);
    std::vector<int64_t> usage;
    std::vector<int32_t> today;
    for (size_t k = 0; k < n; ++k) {
      jit_->EncodeInput(reqs[k], reinterpret_cast<char*>(inputs.data()) + k * d.input_size);
      for (size_t c = 0; c < caps; ++c) usage.push_back(reqs[k].usage[c]);
      today.push_back(reqs[k].today.days);
    }
    errors = d.eval_batch(n, inputs.data(), caps ? usage.data() : nullptr, today.data(),
                          results.data());
    std::vector<pir::Result> out;
    for (size_t k = 0; k < n; ++k) {
      out.push_back(
          jit_->DecodeResult(reinterpret_cast<const char*>(results.data()) + k * d.result_size));
    }
    return out;
  }

 private:
  std::unique_ptr<backend::JitPolicy> jit_;
};
#endif

// ---------------------------------------------------------------------------------------------
// Comparing and printing.

std::string SlotsToString(const pir::Module& m, const std::vector<pir::CapSlot>& slots) {
  std::string out = "[";
  for (size_t c = 0; c < slots.size(); ++c) {
    if (c) out += "; ";
    out += c < m.caps.size() ? m.caps[c].name : "#" + std::to_string(c);
    if (!slots[c].applies) {
      out += ": -";
    } else {
      out += ": key(";
      for (size_t k = 0; k < slots[c].key.size(); ++k) {
        const pir::RtValue& v = slots[c].key[k];
        out += (k ? ", " : "") + (v.s.empty() ? std::to_string(v.i) : "\"" + v.s + "\"");
      }
      out += ")";
    }
    out += " from " + FormatDate(slots[c].window_start);
  }
  return out + "]";
}

// pir::Result's == plus the sign of zero in float outputs (`-0.0` and `0.0` print differently).
bool SameResult(const pir::Result& a, const pir::Result& b) {
  if (!(a == b)) return false;
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    if (std::signbit(a.outputs[i].f) != std::signbit(b.outputs[i].f)) return false;
  }
  return true;
}

bool SameSlots(const std::vector<pir::CapSlot>& a, const std::vector<pir::CapSlot>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].applies != b[i].applies || !(a[i].window_start == b[i].window_start)) return false;
    if (a[i].applies && a[i].key != b[i].key) return false;
  }
  return true;
}

// Properties of a result that hold for every engine (LANGUAGE.md §6, §9; interpreter.h's
// contract for error results). Returns "" or what is wrong.
std::string CheckResult(const pir::Module& m, const pir::Request& req, const pir::Result& r) {
  const int32_t outcomes = static_cast<int32_t>(m.enums[m.decision_enum].members.size());
  auto in_force = [&](const pir::Validity& v) {
    return !(v.effective && req.today < *v.effective) && !(v.until && !(req.today < *v.until));
  };
  const bool policy_in_force = in_force(m.validity);
  size_t outputs = 0;
  for (const pir::Let& l : m.lets) outputs += l.is_output ? 1 : 0;

  if (!policy_in_force) {
    if (r.error != pir::ErrorCode::NotInForce) return "policy not in force, but no not_in_force";
    if (r.error_loc.line != 0 || r.error_loc.col != 0) return "not_in_force with a location";
  } else if (r.error == pir::ErrorCode::NotInForce) {
    return "not_in_force on a day the policy is in force";
  }
  if (r.error != pir::ErrorCode::None) {
    if (r.outcome != -1) return "error result with an outcome";
    if (!r.rules_applied.empty() || !r.deciding.empty() || !r.exemptions_applied.empty() ||
        !r.caps_applied.empty() || !r.outputs.empty() || !r.record.empty()) {
      return "error result with non-empty vectors";
    }
    switch (r.error) {
      case pir::ErrorCode::IntOverflow:
      case pir::ErrorCode::DivisionByZero:
      case pir::ErrorCode::NonFinite:
      case pir::ErrorCode::NegativeAmount:
      case pir::ErrorCode::NegativeLimit:
      case pir::ErrorCode::NotInForce:
        break;
      default:
        return std::string("unexpected error code ") + pir::Spelling(r.error);
    }
    if (r.error != pir::ErrorCode::NotInForce && r.error_loc.line == 0) {
      return "evaluation error without a location";
    }
    return "";
  }
  if (r.rules_applied.size() != m.rules.size() || r.deciding.size() != m.rules.size() ||
      r.exemptions_applied.size() != m.exemptions.size() ||
      r.caps_applied.size() != m.caps.size() || r.outputs.size() != outputs ||
      r.record.size() != m.caps.size()) {
    return "result vectors of the wrong size";
  }
  if (r.outcome < 0 || r.outcome >= outcomes) return "outcome out of range";
  int32_t worst = -1;
  for (size_t i = 0; i < m.rules.size(); ++i) {
    if (r.rules_applied[i]) {
      if (!in_force(m.rules[i].validity)) return "rule " + m.rules[i].name + " applied out of force";
      worst = std::max(worst, m.rules[i].outcome);
      for (int32_t e : m.rules[i].defeated_by) {
        if (r.exemptions_applied[e]) {
          return "rule " + m.rules[i].name + " applied although " + m.exemptions[e].name +
                 " defeats it";
        }
      }
    }
    bool deciding = r.rules_applied[i] && m.rules[i].outcome == r.outcome;
    if (r.deciding[i] != deciding) return "deciding[" + m.rules[i].name + "] is wrong";
  }
  if (r.outcome != (worst >= 0 ? worst : m.default_outcome)) {
    return "outcome is not the most restrictive applying rule's (or the default)";
  }
  for (size_t i = 0; i < m.exemptions.size(); ++i) {
    if (!r.exemptions_applied[i]) continue;
    if (!in_force(m.exemptions[i].validity)) {
      return "exemption " + m.exemptions[i].name + " applied out of force";
    }
    for (int32_t e : m.exemptions[i].defeated_by) {
      if (r.exemptions_applied[e]) return "exemption " + m.exemptions[i].name + " defeated but applied";
    }
  }
  for (size_t c = 0; c < m.caps.size(); ++c) {
    for (int32_t e : m.caps[c].defeated_by) {
      if (r.caps_applied[c] && r.exemptions_applied[e]) {
        return "cap " + m.caps[c].name + " defeated but applied";
      }
    }
    bool records = r.caps_applied[c] && m.caps[c].record[r.outcome];
    if (records ? r.record[c] < 0 : r.record[c] != -1) {
      return "record[" + m.caps[c].name + "] = " + std::to_string(r.record[c]) +
             " does not match the cap applying and recording this outcome";
    }
  }
  return "";
}

// Cap slots against the (error-free) result of the same request.
std::string CheckSlots(const pir::Module& m, const pir::Request& req, const pir::Result& r,
                       const std::vector<pir::CapSlot>& slots) {
  if (slots.size() != m.caps.size()) return "wrong number of cap slots";
  for (size_t c = 0; c < m.caps.size(); ++c) {
    if (!(slots[c].window_start == pir::WindowStart(m.caps[c].window, req.today))) {
      return "cap " + m.caps[c].name + ": wrong window start";
    }
    if (slots[c].applies && slots[c].key.size() != m.caps[c].keys.size()) {
      return "cap " + m.caps[c].name + ": wrong number of key values";
    }
    if (r.error == pir::ErrorCode::None && slots[c].applies != r.caps_applied[c]) {
      return "cap " + m.caps[c].name + ": slot.applies differs from the result's caps_applied";
    }
    if (r.error == pir::ErrorCode::NotInForce && slots[c].applies) {
      return "cap " + m.caps[c].name + ": a slot applies on a day the policy is not in force";
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Cases and reduction.

struct Case {
  GeneratedPolicy policy;
  EvalCompilation compiled;
};

std::optional<Case> MakeCase(uint64_t seed, std::string& problem) {
  Case c;
  c.policy = GeneratePolicy(seed);
  c.compiled = CompileForEval(c.policy.source, "gen.edict");
  if (!c.compiled.result.success) {
    problem = "does not compile:\n" + c.compiled.result.ToString();
    return std::nullopt;
  }
  if (!c.compiled.verify_error.empty()) {
    problem = "pir::Verify: " + c.compiled.verify_error;
    return std::nullopt;
  }
  return c;
}

// Drops declarations from `policy` while `still_fails` holds for the request (re-targeted at
// the smaller policy by field and cap names). Returns the reduced source.
using FailurePredicate = std::function<bool(const pir::Module&, const pir::Request&)>;

std::string Reduce(const GeneratedPolicy& policy, const pir::Module& module,
                   const pir::Request& request, const FailurePredicate& still_fails,
                   pir::Request* reduced_request = nullptr) {
  std::vector<std::string> decls = policy.decls;
  bool changed = true;
  int attempts = 0;
  while (changed && attempts < 400) {
    changed = false;
    for (size_t i = 0; i < decls.size(); ++i) {
      if (!IsRemovableDecl(decls[i])) continue;
      std::vector<std::string> fewer = decls;
      fewer.erase(fewer.begin() + static_cast<ptrdiff_t>(i));
      ++attempts;
      EvalCompilation c = CompileForEval(AssemblePolicy(policy.header, fewer), "gen.edict");
      if (!c.result.success || !c.verify_error.empty()) continue;
      pir::Request req = RemapRequest(module, request, *c.pir);
      if (!still_fails(*c.pir, req)) continue;
      decls = std::move(fewer);
      changed = true;
      --i;
    }
  }
  std::string source = AssemblePolicy(policy.header, decls);
  if (reduced_request) {
    EvalCompilation c = CompileForEval(source, "gen.edict");
    if (c.pir) *reduced_request = RemapRequest(module, request, *c.pir);
  }
  return source;
}

std::string Repro(const Case& c, const pir::Request& req, const FailurePredicate& still_fails) {
  const pir::Module& m = *c.compiled.pir;
  pir::Request reduced_req = req;
  std::string reduced = Reduce(c.policy, m, req, still_fails, &reduced_req);
  EvalCompilation rc = CompileForEval(reduced, "gen.edict");
  std::string out = "seed " + std::to_string(c.policy.seed) + "\n---- reduced policy ----\n" +
                    reduced + "---- request ----\n" +
                    RequestToJson(rc.pir ? *rc.pir : m, reduced_req) + "\n";
  if (rc.pir) {
    out += "---- interpreter on the reduced case ----\n" +
           ResultToString(*rc.pir, interp::Evaluate(*rc.pir, reduced_req)) + "\n";
  }
  out += "---- original request ----\n" + RequestToJson(m, req) + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// The tests.

struct Config {
  int policies;
  int requests;
  uint64_t seed_base;
};

Config GetConfig(int default_policies, int default_requests) {
  return {EnvInt("EDICT_DIFF_POLICIES", default_policies),
          EnvInt("EDICT_DIFF_REQUESTS", default_requests),
          static_cast<uint64_t>(EnvInt("EDICT_DIFF_SEED_BASE", 100'000))};
}

// Interpreter-only properties, with the JIT comparison on top when the JIT is built.
TEST(DifferentialTest, EnginesAgreeOnRandomPoliciesAndRequests) {
  const Config cfg = GetConfig(240, 48);
  ASSERT_GE(static_cast<int64_t>(cfg.policies) * cfg.requests, 10'000)
      << "the differential test must cover at least 10,000 policy/request pairs";
  auto start = std::chrono::steady_clock::now();
  int pairs = 0, failures = 0, jit_compiled = 0;
  double jit_ms[4] = {0, 0, 0, 0};
  int jit_count[4] = {0, 0, 0, 0};
  const int kMaxReported = 5;
  auto report = [&](const std::string& what, const Case& c, const pir::Request& req,
                    const FailurePredicate& still_fails) {
    ++failures;
    if (failures <= kMaxReported) ADD_FAILURE() << what << "\n" << Repro(c, req, still_fails);
  };

  for (int p = 0; p < cfg.policies; ++p) {
    const uint64_t seed = cfg.seed_base + static_cast<uint64_t>(p);
    std::string problem;
    std::optional<Case> c = MakeCase(seed, problem);
    if (!c) {
      ++failures;
      if (failures <= kMaxReported) {
        ADD_FAILURE() << "seed " << seed << ": " << problem << "\n" << GeneratePolicy(seed).source;
      }
      continue;
    }
    const pir::Module& m = *c->compiled.pir;
#if EDICT_DIFF_WITH_JIT
    std::string jit_error;
    // Optimisation levels rotate over the seeds, half at -O0 (fast to compile), half at -O2
    // and -O3 (EDICT_DIFF_JIT_OPT=N pins one).
    static const int kOptBySeed[4] = {0, 2, 0, 3};
    const int opt = EnvInt("EDICT_DIFF_JIT_OPT", -1) >= 0 ? EnvInt("EDICT_DIFF_JIT_OPT", 2)
                                                          : kOptBySeed[seed % 4];
    std::unique_ptr<JitUnderTest> jit = JitUnderTest::Compile(m, jit_error, opt);
    if (!jit) {
      ++failures;
      if (failures <= kMaxReported) {
        ADD_FAILURE() << "seed " << seed << ": the JIT cannot compile the policy: " << jit_error
                      << "\n" << c->policy.source;
      }
      continue;
    }
    ++jit_compiled;
    jit_ms[opt] += jit->compile_ms();
    ++jit_count[opt];
#endif
    std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ULL + 1);
    std::vector<pir::Request> batch_requests;
    std::vector<pir::Result> batch_expected;
    for (int q = 0; q < cfg.requests; ++q) {
      pir::Request req = GenerateRequest(m, c->policy, rng);
      ++pairs;
      pir::Result r = interp::Evaluate(m, req);
      batch_requests.push_back(req);
      batch_expected.push_back(r);
      std::vector<pir::CapSlot> slots = interp::ComputeCapSlots(m, req);

      // Deterministic.
      if (pir::Result again = interp::Evaluate(m, req); !SameResult(again, r)) {
        report("interpreter is not deterministic:\n  first:  " + ResultToString(m, r) +
                   "\n  second: " + ResultToString(m, again),
               *c, req, [](const pir::Module& mm, const pir::Request& rr) {
                 return !(interp::Evaluate(mm, rr) == interp::Evaluate(mm, rr));
               });
        continue;
      }
      // Engine-independent properties.
      if (std::string bad = CheckResult(m, req, r); !bad.empty()) {
        report("interpreter result breaks an invariant: " + bad + "\n  result: " +
                   ResultToString(m, r),
               *c, req, [bad](const pir::Module& mm, const pir::Request& rr) {
                 return CheckResult(mm, rr, interp::Evaluate(mm, rr)) == bad;
               });
        continue;
      }
      if (std::string bad = CheckSlots(m, req, r, slots); !bad.empty()) {
        report("interpreter cap slots break an invariant: " + bad + "\n  result: " +
                   ResultToString(m, r) + "\n  slots:  " + SlotsToString(m, slots),
               *c, req, [bad](const pir::Module& mm, const pir::Request& rr) {
                 return CheckSlots(mm, rr, interp::Evaluate(mm, rr),
                                   interp::ComputeCapSlots(mm, rr)) == bad;
               });
        continue;
      }
#if EDICT_DIFF_WITH_JIT
      pir::Result jr = jit->Evaluate(req);
      if (!SameResult(jr, r)) {
        report("interpreter and JIT (-O" + std::to_string(opt) + ") disagree:\n  interp: " + ResultToString(m, r) +
                   "\n  jit:    " + ResultToString(m, jr),
               *c, req, [opt](const pir::Module& mm, const pir::Request& rr) {
                 std::string e;
                 auto j = JitUnderTest::Compile(mm, e, opt);
                 return j && !SameResult(j->Evaluate(rr), interp::Evaluate(mm, rr));
               });
        continue;
      }
      std::vector<pir::CapSlot> jslots = jit->CapSlots(req);
      if (!SameSlots(jslots, slots)) {
        report("interpreter and JIT compute different cap slots:\n  interp: " +
                   SlotsToString(m, slots) + "\n  jit:    " + SlotsToString(m, jslots),
               *c, req, [opt](const pir::Module& mm, const pir::Request& rr) {
                 std::string e;
                 auto j = JitUnderTest::Compile(mm, e, opt);
                 return j && !SameSlots(j->CapSlots(rr), interp::ComputeCapSlots(mm, rr));
               });
        continue;
      }
#endif
    }
#if EDICT_DIFF_WITH_JIT
    // The batch entry point agrees with the interpreter on the same requests.
    size_t batch_errors = 0;
    std::vector<pir::Result> batch = jit->EvaluateBatch(batch_requests, m.caps.size(), batch_errors);
    size_t expected_errors = 0;
    for (size_t k = 0; k < batch.size(); ++k) {
      const pir::Result& r = batch_expected[k];
      expected_errors += r.error != pir::ErrorCode::None ? 1 : 0;
      if (!SameResult(batch[k], r)) {
        report("interpreter and JIT eval_batch (-O" + std::to_string(opt) + ", request " +
                   std::to_string(k) + " of " + std::to_string(batch.size()) +
                   ") disagree:\n  interp: " + ResultToString(m, r) +
                   "\n  batch:  " + ResultToString(m, batch[k]),
               *c, batch_requests[k], [opt](const pir::Module& mm, const pir::Request& rr) {
                 std::string e;
                 auto j = JitUnderTest::Compile(mm, e, opt);
                 size_t errs = 0;
                 return j && !SameResult(j->EvaluateBatch({rr}, mm.caps.size(), errs)[0],
                                         interp::Evaluate(mm, rr));
               });
        break;
      }
    }
    if (batch_errors != expected_errors) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << ": eval_batch reports " << batch_errors
                    << " errors, the interpreter has " << expected_errors;
    }
#endif
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ diff     ] %d policies (seeds %llu…), %d requests, %s, %d failures, %.1f s\n",
              cfg.policies, static_cast<unsigned long long>(cfg.seed_base), pairs,
              EDICT_DIFF_WITH_JIT ? "interpreter vs JIT" : "interpreter only (no JIT in this build)",
              failures, secs);
  for (int o = 0; o < 4; ++o) {
    if (jit_count[o] > 0) {
      std::printf("[ diff     ] JIT -O%d: %d policies, %.1f ms per compile\n", o, jit_count[o],
                  jit_ms[o] / jit_count[o]);
    }
  }
  EXPECT_EQ(failures, 0) << failures << " failing cases (first " << kMaxReported << " shown)";
  if (EDICT_DIFF_WITH_JIT) {
    EXPECT_EQ(jit_compiled, cfg.policies);
  }
}

// The reducer that shrinks failing cases for the report works: a request failing with
// division_by_zero keeps failing on a much smaller policy.
TEST(DifferentialTest, ReducerShrinksAFailingCase) {
  const Config cfg = GetConfig(200, 32);
  for (int p = 0; p < cfg.policies; ++p) {
    const uint64_t seed = cfg.seed_base + static_cast<uint64_t>(p);
    std::string problem;
    std::optional<Case> c = MakeCase(seed, problem);
    ASSERT_TRUE(c) << "seed " << seed << ": " << problem;
    const pir::Module& m = *c->compiled.pir;
    std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ULL + 1);
    for (int q = 0; q < cfg.requests; ++q) {
      pir::Request req = GenerateRequest(m, c->policy, rng);
      if (interp::Evaluate(m, req).error != pir::ErrorCode::DivisionByZero) continue;
      auto still_fails = [](const pir::Module& mm, const pir::Request& rr) {
        return interp::Evaluate(mm, rr).error == pir::ErrorCode::DivisionByZero;
      };
      pir::Request reduced_req;
      std::string reduced = Reduce(c->policy, m, req, still_fails, &reduced_req);
      EvalCompilation rc = CompileForEval(reduced, "gen.edict");
      ASSERT_TRUE(rc.pir) << reduced << rc.result.ToString();
      EXPECT_TRUE(still_fails(*rc.pir, reduced_req)) << reduced;
      EXPECT_LT(reduced.size(), c->policy.source.size() * 3 / 4)
          << "original:\n" << c->policy.source << "reduced:\n" << reduced;
      return;
    }
  }
  FAIL() << "no request ended in division_by_zero";
}

// The generator must keep reaching the interesting paths: evaluation errors of every kind,
// requests out of force, caps exceeded, rules, exemptions and caps applying. Prints the
// histogram; the minimums keep the generator from silently degrading.
TEST(DifferentialTest, GeneratedCasesCoverErrorPaths) {
  const Config cfg = GetConfig(200, 32);
  std::map<std::string, int> hist, policy_hist;
  int total = 0;
  for (int p = 0; p < cfg.policies; ++p) {
    const uint64_t seed = cfg.seed_base + static_cast<uint64_t>(p);
    std::string problem;
    std::optional<Case> c = MakeCase(seed, problem);
    ASSERT_TRUE(c) << "seed " << seed << ": " << problem;
    const pir::Module& m = *c->compiled.pir;
    // Shapes that the compiled code lowers differently (searches instead of compares).
    bool large_tier = false, large_strings = false;
    for (const pir::Tiers& t : m.tiers) {
      large_tier = large_tier || t.intervals.size() > 16;
      large_strings = large_strings || t.string_members.size() > 4;
    }
    for (const pir::ConstSet& set : m.sets) large_strings = large_strings || set.strings.size() > 4;
    policy_hist["policies with a tier of > 16 intervals"] += large_tier ? 1 : 0;
    policy_hist["policies with > 4 strings in a set or tier"] += large_strings ? 1 : 0;
    std::vector<pir::ValueId> exceeds;
    for (size_t i = 0; i < m.insts.size(); ++i) {
      if (m.insts[i].op == pir::Op::CapExceeds) exceeds.push_back(static_cast<pir::ValueId>(i));
    }
    std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ULL + 1);
    for (int q = 0; q < cfg.requests; ++q) {
      pir::Request req = GenerateRequest(m, c->policy, rng);
      pir::Result r = interp::Evaluate(m, req);
      ++total;
      if (r.error != pir::ErrorCode::None) {
        ++hist[std::string("error ") + pir::Spelling(r.error)];
        continue;
      }
      ++hist["ok"];
      auto any = [](const std::vector<bool>& v) {
        return std::find(v.begin(), v.end(), true) != v.end();
      };
      if (any(r.rules_applied)) ++hist["ok: some rule applies"];
      else ++hist["ok: default outcome"];
      if (any(r.exemptions_applied)) ++hist["ok: some exemption applies"];
      if (any(r.caps_applied)) ++hist["ok: some cap applies"];
      if (std::any_of(r.record.begin(), r.record.end(), [](int64_t x) { return x > 0; })) {
        ++hist["ok: records an amount > 0"];
      }
      bool exceeded = false;
      for (pir::ValueId v : exceeds) {
        auto [code, value] = interp::EvaluateValue(m, req, v, &r);
        if (code == pir::ErrorCode::None && value.i != 0) exceeded = true;
      }
      if (exceeded) ++hist["ok: exceeds(C) is true"];
    }
  }
  std::string text;
  for (const auto& [k, v] : hist) {
    char line[128];
    std::snprintf(line, sizeof line, "  %-30s %6d  %5.1f%%\n", k.c_str(), v, 100.0 * v / total);
    text += line;
  }
  for (const auto& [k, v] : policy_hist) {
    char line[128];
    std::snprintf(line, sizeof line, "  %-42s %4d of %d\n", k.c_str(), v, cfg.policies);
    text += line;
    EXPECT_GE(v * 10, cfg.policies) << "too few " << k;
  }
  std::printf("[ coverage ] %d requests over %d policies:\n%s", total, cfg.policies, text.c_str());
  // Minimum shares, in per mille of all requests.
  const std::pair<const char*, int> kMinimum[] = {
      {"ok", 300},
      {"ok: some rule applies", 150},
      {"ok: default outcome", 20},
      {"ok: some exemption applies", 20},
      {"ok: some cap applies", 50},
      {"ok: records an amount > 0", 10},
      {"ok: exceeds(C) is true", 10},
      {"error int_overflow", 20},
      {"error division_by_zero", 10},
      {"error non_finite", 5},
      {"error not_in_force", 20},
      {"error negative_amount", 5},
      {"error negative_limit", 2},
  };
  for (const auto& [key, per_mille] : kMinimum) {
    int have = hist.count(key) ? hist[key] : 0;
    EXPECT_GE(have * 1000, per_mille * total)
        << "too few cases with \"" << key << "\": " << have << " of " << total << "\n" << text;
  }
}

}  // namespace
}  // namespace edict::testing
