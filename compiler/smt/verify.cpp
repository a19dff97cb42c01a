#include "smt/verify.h"

#include <set>

#include "smt/encoder.h"

namespace edict::smt {
namespace {

struct GaveUp {
  std::string reason;
};

class Verifier {
 public:
  Verifier(const pir::Module& m, const VerifyOptions& options)
      : m_(m), options_(options), strings_(MakeStringUniverse({&m})),
        enc_(ctx_, m, strings_), solver_(ctx_) {
    z3::params p(ctx_);
    p.set("timeout", options.timeout_ms);
    solver_.set(p);
    solver_.add(enc_.domain);
    // Every `today` in the policy's validity (LANGUAGE.md §7).
    if (m.validity.effective) solver_.add(enc_.today >= ctx_.bv_val(m.validity.effective->days, 32));
    if (m.validity.until) solver_.add(enc_.today < ctx_.bv_val(m.validity.until->days, 32));
  }

  auto Run() -> VerifyReport;

 private:
  // Whether `f` has a request; sets `model` when it has.
  auto Sat(const z3::expr& f, std::optional<z3::model>* model) -> bool {
    solver_.push();
    solver_.add(f);
    z3::check_result r = solver_.check();
    if (r == z3::unknown) {
      std::string why = solver_.reason_unknown();
      solver_.pop();
      throw GaveUp{why};
    }
    if (r == z3::sat && model) *model = ReadableModel();
    solver_.pop();
    return r == z3::sat;
  }

  // A model of the current assertions with small, readable values where possible: ints of small
  // magnitude, floats 0, bools false, `today` the policy's effective date (each preference
  // dropped when it cannot hold).
  auto ReadableModel() -> z3::model {
    z3::model fallback = solver_.get_model();
    std::vector<z3::expr> prefs;
    for (size_t f = 0; f < m_.inputs.size(); ++f) {
      const z3::expr& x = enc_.fields[f];
      switch (m_.inputs[f].type.kind) {
        case pir::TypeKind::Bool: prefs.push_back(!x); break;
        case pir::TypeKind::Int:
          prefs.push_back(x >= ctx_.bv_val(-(int64_t{1} << 20), 64) &&
                          x <= ctx_.bv_val(int64_t{1} << 20, 64));
          break;
        case pir::TypeKind::Float: prefs.push_back(x == ctx_.bv_val(0, 64)); break;
        default: break;
      }
    }
    if (m_.validity.effective) {
      prefs.push_back(enc_.today == ctx_.bv_val(m_.validity.effective->days, 32));
    }
    for (const z3::expr& u : enc_.usage) prefs.push_back(u <= ctx_.bv_val(int64_t{1} << 20, 64));
    for (int round = 0; round < 4 && !prefs.empty(); ++round) {
      z3::expr_vector proxies(ctx_);
      solver_.push();
      for (size_t k = 0; k < prefs.size(); ++k) {
        z3::expr p = ctx_.bool_const(("nice!" + std::to_string(k)).c_str());
        solver_.add(z3::implies(p, prefs[k]));
        proxies.push_back(p);
      }
      z3::check_result r = solver_.check(proxies);
      if (r == z3::sat) {
        z3::model model = solver_.get_model();
        solver_.pop();
        return model;
      }
      if (r == z3::unknown) {
        solver_.pop();
        return fallback;
      }
      z3::expr_vector core = solver_.unsat_core();
      std::set<unsigned> in_core;
      for (unsigned k = 0; k < core.size(); ++k) in_core.insert(core[k].id());
      solver_.pop();
      std::vector<z3::expr> next;
      for (size_t k = 0; k < prefs.size(); ++k) {
        if (!in_core.count(proxies[k].id())) next.push_back(prefs[k]);
      }
      if (next.size() == prefs.size()) break;
      prefs = std::move(next);
    }
    return fallback;
  }

  auto Ok() -> z3::expr { return enc_.error == enc_.Code(pir::ErrorCode::None); }

  z3::context ctx_;
  const pir::Module& m_;
  VerifyOptions options_;
  StringUniverse strings_;
  Encoding enc_;
  z3::solver solver_;
};

auto Verifier::Run() -> VerifyReport {
  VerifyReport report;
  for (size_t p = 0; p < m_.properties.size(); ++p) {
    PropertyVerdict v;
    v.name = m_.properties[p].name;
    v.loc = m_.properties[p].loc;
    try {
      SVal prop = enc_.Property(p);
      z3::expr violated = Ok() && (prop.err != enc_.Code(pir::ErrorCode::None) || !prop.v);
      std::optional<z3::model> model;
      if (Sat(violated, &model)) {
        v.status = PropertyVerdict::Status::Failed;
        v.counterexample = enc_.Decode(*model);
        v.counterexample_json = RequestJson(m_, *v.counterexample);
        v.property_error = static_cast<pir::ErrorCode>(ModelInt(*model, prop.err) & 0xff);
      }
    } catch (const GaveUp& g) {
      v.status = PropertyVerdict::Status::Unknown;
      v.reason = g.reason;
    }
    report.properties.push_back(std::move(v));
  }
  // Rules and exemptions that never apply; rules always defeated when their condition holds.
  for (size_t r = 0; options_.warnings && r < m_.rules.size(); ++r) {
    const pir::Rule& rule = m_.rules[r];
    try {
      if (Sat(Ok() && enc_.rule_applies[r], nullptr)) continue;
      bool has_defeaters = !rule.defeated_by.empty();
      if (has_defeaters && Sat(Ok() && enc_.rule_in_force[r] && enc_.rule_cond[r], nullptr)) {
        report.warnings.push_back(
            {VerifyWarning::Kind::RuleAlwaysDefeated, rule.name, rule.loc,
             "rule `" + rule.name + "` is always defeated when its condition holds"});
      } else {
        report.warnings.push_back({VerifyWarning::Kind::RuleNeverApplies, rule.name, rule.loc,
                                   "rule `" + rule.name + "` can never apply"});
      }
    } catch (const GaveUp&) {
      // An undecided rule is not reported: warnings are only given when proved.
    }
  }
  for (size_t e = 0; options_.warnings && e < m_.exemptions.size(); ++e) {
    const pir::Exemption& ex = m_.exemptions[e];
    try {
      if (Sat(Ok() && enc_.exemption_applies[e], nullptr)) continue;
      report.warnings.push_back({VerifyWarning::Kind::ExemptionNeverApplies, ex.name, ex.loc,
                                 "exemption `" + ex.name + "` can never apply"});
    } catch (const GaveUp&) {
    }
  }
  // Reachable evaluation errors, one example each.
  try {
    z3::expr_vector seen(ctx_);
    while (options_.errors) {
      z3::expr f = !Ok();
      for (unsigned k = 0; k < seen.size(); ++k) f = f && enc_.error != seen[k];
      std::optional<z3::model> model;
      if (!Sat(f, &model)) break;
      ReachableError err;
      err.code = static_cast<pir::ErrorCode>(ModelInt(*model, enc_.error) & 0xff);
      err.example = enc_.Decode(*model);
      err.example_json = RequestJson(m_, err.example);
      seen.push_back(enc_.Code(err.code));
      report.errors.push_back(std::move(err));
    }
  } catch (const GaveUp&) {
    report.errors_complete = false;
  }
  std::sort(report.errors.begin(), report.errors.end(),
            [](const ReachableError& a, const ReachableError& b) { return a.code < b.code; });
  return report;
}

}  // namespace

auto Verify(const pir::Module& m, const VerifyOptions& options) -> VerifyReport {
  try {
    Verifier v(m, options);
    return v.Run();
  } catch (const Unsupported& e) {
    VerifyReport r;
    r.ok = false;
    r.error = std::string("cannot encode the policy: ") + e.what();
    return r;
  } catch (const z3::exception& e) {
    VerifyReport r;
    r.ok = false;
    r.error = std::string("solver error: ") + e.msg();
    return r;
  }
}

}  // namespace edict::smt
