// The semantic diff (semantic_diff.h): both modules are encoded over one request, transitions
// are found by model enumeration, and each transition's region is covered by cubes that are
// generalised greedily from models and proved to lie inside it (docs/verify.md).
#include "smt/semantic_diff.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <limits>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "interp/interpreter.h"
#include "smt/encoder.h"

namespace edict::smt {
namespace {

using pir::TypeKind;

// A solver query that did not finish (timeout or an unknown answer).
struct SolverGaveUp {
  std::string what;
};

// EDICT_SMT_TRACE=1 prints every query's time to stderr (for tuning the encoding).
const bool kTrace = std::getenv("EDICT_SMT_TRACE") != nullptr;

auto Check(z3::solver& s, const std::string& what) -> bool {
  auto start = std::chrono::steady_clock::now();
  z3::check_result r = s.check();
  if (kTrace) {
    std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    std::fprintf(stderr, "smt: %8.1f ms %s\n", ms.count(), what.c_str());
  }
  if (r == z3::unknown) throw SolverGaveUp{what + " (" + s.reason_unknown() + ")"};
  return r == z3::sat;
}

// Times an untraced check (assumptions or a short time limit) for EDICT_SMT_TRACE.
auto TracedCheck(z3::solver& s, const z3::expr_vector* assumptions, const char* what)
    -> z3::check_result {
  auto start = std::chrono::steady_clock::now();
  z3::check_result r = assumptions ? s.check(*assumptions) : s.check();
  if (kTrace) {
    std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    std::fprintf(stderr, "smt: %8.1f ms %s -> %s\n", ms.count(), what,
                 r == z3::sat ? "sat" : r == z3::unsat ? "unsat" : "unknown");
  }
  return r;
}

// A phase's wall time for EDICT_SMT_TRACE.
struct Phase {
  const char* what;
  std::string detail;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ~Phase() {
    if (!kTrace) return;
    std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    std::fprintf(stderr, "phase: %8.1f ms %s %s\n", ms.count(), what, detail.c_str());
  }
};

auto MemberText(const std::string& s) -> std::string { return s; }

// The order-preserving int64 key of a double's bit pattern (-0.0 just below +0.0).
auto FloatKey(uint64_t bits) -> int64_t {
  if (bits >> 63) return -static_cast<int64_t>(bits & ~(uint64_t{1} << 63)) - 1;
  return static_cast<int64_t>(bits);
}
auto KeyFloat(int64_t key) -> double {
  uint64_t bits = key >= 0 ? static_cast<uint64_t>(key)
                           : (static_cast<uint64_t>(-(key + 1)) | (uint64_t{1} << 63));
  double d = 0;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
auto DoubleKey(double d) -> int64_t {
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  return FloatKey(bits);
}

auto FormatFloat(double d) -> std::string {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, end);
}

// One variable of the shared request space, as the region descriptions name it.
struct Var {
  enum Kind { Bool, Enum, String, Ordered } kind = Bool;
  enum Scalar { Int, Date, Float } scalar = Int;  // Ordered only
  std::string name;
  z3::expr term;                  // the variable (old side for matched fields)
  z3::expr key;                   // Ordered: the 64-bit order key
  int64_t kmin = 0, kmax = 0;     // Ordered: the key range of valid values
  std::vector<int64_t> codes;     // Enum/String: the valid codes, ascending
  std::vector<std::string> names; // … and their names
  std::vector<std::vector<int64_t>> classes;  // Enum/String: codes the policies treat alike
  // Enum: the enum in each version (-1: none) and, per code, the member index in NEW.
  int32_t enum_old = -1, enum_new = -1;
  std::vector<int64_t> new_index;
  std::vector<int64_t> candidates;  // Ordered: keys worth trying as bounds, ascending
  std::set<int64_t> constants;      // Ordered: keys of the policies' own constants
  // Where the variable sits in each version's request (-1: not there).
  int old_field = -1, new_field = -1, old_cap = -1, new_cap = -1;
  bool is_today = false;

  Var(z3::expr t, z3::expr k) : term(std::move(t)), key(std::move(k)) {}
};

// One cube: a constraint per variable (inactive = unconstrained).
struct Constraint {
  bool active = false;
  bool b = false;
  std::vector<int64_t> set;  // Enum/String: allowed codes, ascending
  std::optional<int64_t> lo, hi;
  friend bool operator==(const Constraint&, const Constraint&) = default;
};
using CubeC = std::vector<Constraint>;

// How a module treats member `i` of enum `e`: its tier in every tiers over `e`, its membership
// of every set, its equality with every constant, its arm in every match. Members with equal
// signatures are tried together when a region is widened (a heuristic: each group is proved).
auto Signature(const pir::Module& m, int32_t e, int64_t i) -> std::vector<int64_t> {
  std::vector<int64_t> sig;
  if (e < 0 || i < 0) return sig;
  for (const pir::Tiers& t : m.tiers) {
    if (t.of.kind != TypeKind::Enum || t.of.enum_id != e) continue;
    if (!t.table.empty()) {
      sig.push_back(t.table[i]);
    } else {
      int64_t tier = t.otherwise_tier;
      for (const pir::Tiers::Interval& iv : t.intervals) {
        if (iv.lo <= i && i <= iv.hi) tier = iv.tier;
      }
      sig.push_back(tier);
    }
  }
  for (const pir::ConstSet& set : m.sets) {
    if (set.elem.kind != TypeKind::Enum || set.elem.enum_id != e) continue;
    sig.push_back(std::binary_search(set.ints.begin(), set.ints.end(), i));
  }
  for (const pir::Inst& inst : m.insts) {
    if (inst.op == pir::Op::ConstEnum && inst.type.enum_id == e) sig.push_back(inst.imm == i);
    if (inst.op == pir::Op::Switch && m.insts[inst.args[0]].type.kind == TypeKind::Enum &&
        m.insts[inst.args[0]].type.enum_id == e) {
      sig.push_back(m.switches[inst.imm].arm_of_member[i]);
    }
  }
  return sig;
}

class Differ {
 public:
  Differ(const pir::Module& a, const pir::Module& b, const DiffOptions& options)
      : a_(a), b_(b), options_(options), strings_(MakeStringUniverse({&a, &b})) {
    EncodeOptions oa, ob;
    oa.policy_validity = ob.policy_validity = false;
    oa.prefix = "old.";
    ob.prefix = "new.";
    old_ = std::make_unique<Encoding>(ctx_, a, strings_, oa);
    new_ = std::make_unique<Encoding>(ctx_, b, strings_, ob);
  }

  auto Run() -> SemanticDiff;

 private:
  auto MakeSolver() -> z3::solver {
    z3::solver s(ctx_);
    z3::params p(ctx_);
    p.set("timeout", options_.timeout_ms);
    if (options_.rlimit) p.set("rlimit", options_.rlimit);
    s.set(p);
    return s;
  }
  void BuildSpace();
  void CollectCandidates();
  auto OutcomeKey(const Encoding& e, const std::map<std::string, unsigned>& ids) -> z3::expr;
  auto SideOf(const Encoding& e, const z3::model& model, const z3::expr& key) -> Side;
  auto Lits(const CubeC& cube) -> z3::expr;
  auto VarLit(size_t v, const Constraint& c) -> z3::expr;
  auto PointOf(const z3::model& model) -> CubeC;
  auto Generalise(z3::solver& bad, const CubeC& point) -> CubeC;
  auto Inside(z3::solver& bad, const CubeC& cube, const std::string& what) -> bool;
  auto Describe(const CubeC& cube) -> Cube;
  auto MakeWitness(const z3::expr& inside, const std::vector<z3::expr>& avoid) -> std::optional<Witness>;
  void Explore(const z3::expr& target, const std::string& what, Transition& t,
               const std::optional<CubeC>& seed, std::vector<CubeC>& cubes,
               std::vector<CubeC>& points);
  void PickWitnesses(const z3::expr& target, const std::string& what, Transition& t,
                     const std::vector<CubeC>& cubes, const std::vector<CubeC>& points);
  auto ReadablePoint(const CubeC& cube, const CubeC& point, int variant) -> CubeC;
  auto CheckPoint(const z3::expr& target, const CubeC& point) -> std::optional<Witness>;
  auto BuildWitness(const z3::model& model) -> Witness;
  auto NiceToday() const -> Date;
  // Guessing a cube with the interpreter (cheap), proved afterwards.
  auto InTransition(const CubeC& point) -> bool;
  auto PointRequests(const CubeC& point) -> std::optional<std::pair<pir::Request, pir::Request>>;
  auto RequestsWitness(pir::Request old_request, pir::Request new_request) -> Witness;
  auto Nicer(const CubeC& point) -> CubeC;
  auto Guess(const CubeC& point) -> CubeC;
  auto Refine(const CubeC& point, CubeC box) -> CubeC;
  auto Shrink(const CubeC& point, CubeC& box, const CubeC& sample, bool coarse) -> bool;
  auto InsideCex(z3::solver& bad, const CubeC& cube, const std::string& what,
                 std::optional<CubeC>& cex) -> bool;

  z3::context ctx_;
  const pir::Module& a_;
  const pir::Module& b_;
  DiffOptions options_;
  StringUniverse strings_;
  std::unique_ptr<Encoding> old_, new_;
  std::vector<Var> vars_;
  z3::expr_vector background_{ctx_};
  std::vector<std::string> notes_;
  std::optional<z3::expr> target_;  // the transition being explored
  int queries_left_ = 0;            // of the current transition's region search
  bool exhausted_ = false;          // a budget ran out while widening
  std::chrono::steady_clock::time_point deadline_;  // of all region searches
  std::chrono::steady_clock::time_point region_deadline_;  // of the current transition's
  int incremental_unknowns_ = 0;  // of the current transition's Inside queries
  // The current transition's sides (outcome transitions only: rule changes are not guessed).
  const Side* from_ = nullptr;
  const Side* to_ = nullptr;
  std::optional<pir::Module> ua_, ub_;
  int64_t today_lo_ = std::numeric_limits<int64_t>::min();  // today's range (days, inclusive)
  int64_t today_hi_ = std::numeric_limits<int64_t>::max();  // the versions without policy validity (interpreter)
  // Input fields by position in the witness JSON: (side 0 old / 1 new, field index).
  std::vector<std::pair<int, size_t>> json_fields_;
  std::vector<std::pair<int, size_t>> json_caps_;
  std::set<int64_t> ints_, dates_;
  std::set<double> floats_;
};

void Differ::CollectCandidates() {
  for (const pir::Module* m : {&a_, &b_}) {
    for (const pir::Inst& inst : m->insts) {
      if (inst.op == pir::Op::ConstInt) ints_.insert(inst.imm);
      if (inst.op == pir::Op::ConstDate) dates_.insert(inst.imm);
      if (inst.op == pir::Op::ConstFloat) floats_.insert(inst.fimm);
    }
    for (const pir::ConstSet& s : m->sets) {
      if (s.elem.kind == TypeKind::Int) ints_.insert(s.ints.begin(), s.ints.end());
      if (s.elem.kind == TypeKind::Date) dates_.insert(s.ints.begin(), s.ints.end());
      if (s.elem.kind == TypeKind::Float) floats_.insert(s.floats.begin(), s.floats.end());
    }
    for (const pir::Tiers& t : m->tiers) {
      for (const pir::Tiers::Interval& iv : t.intervals) {
        if (t.of.kind == TypeKind::Int) ints_.insert({iv.lo, iv.hi});
        if (t.of.kind == TypeKind::Date) dates_.insert({iv.lo, iv.hi});
        if (t.of.kind == TypeKind::Float) floats_.insert({iv.flo, iv.fhi});
      }
    }
    auto add_validity = [&](const pir::Validity& v) {
      if (v.effective) dates_.insert(v.effective->days);
      if (v.until) dates_.insert(v.until->days);
    };
    add_validity(m->validity);
    for (const pir::Rule& r : m->rules) add_validity(r.validity);
    for (const pir::Exemption& e : m->exemptions) add_validity(e.validity);
  }
  for (Var& v : vars_) {
    if (v.kind == Var::String) {
      for (int64_t code : v.codes) v.classes.push_back({code});
      continue;
    }
    if (v.kind != Var::Enum) continue;
    std::map<std::vector<int64_t>, std::vector<int64_t>> groups;
    for (size_t k = 0; k < v.codes.size(); ++k) {
      std::vector<int64_t> sig;
      if (v.enum_old >= 0 || v.enum_new >= 0) {
        sig = Signature(a_, v.enum_old, v.codes[k]);
        std::vector<int64_t> more =
            Signature(b_, v.enum_new, v.new_index.empty() ? v.codes[k] : v.new_index[k]);
        sig.push_back(-1);
        sig.insert(sig.end(), more.begin(), more.end());
      }
      groups[sig].push_back(v.codes[k]);
    }
    for (auto& [sig, codes] : groups) v.classes.push_back(std::move(codes));
  }
  for (Var& v : vars_) {
    if (v.kind != Var::Ordered) continue;
    std::set<int64_t> keys;
    auto add = [&](int64_t k, bool constant) {
      if (constant) v.constants.insert(k);
      for (int64_t d : {-1, 0, 1}) {
        if ((d < 0 && k == std::numeric_limits<int64_t>::min()) ||
            (d > 0 && k == std::numeric_limits<int64_t>::max())) {
          continue;
        }
        int64_t x = k + d;
        if (x >= v.kmin && x <= v.kmax) keys.insert(x);
      }
    };
    switch (v.scalar) {
      case Var::Int:
        for (int64_t i : ints_) add(i, true);
        for (double f : floats_) {
          if (std::fabs(f) < 9e18) {
            add(static_cast<int64_t>(std::floor(f)), false);
            add(static_cast<int64_t>(std::ceil(f)), false);
          }
        }
        add(0, false);
        break;
      case Var::Date:
        for (int64_t d : dates_) add(d, true);
        break;
      case Var::Float:
        for (double f : floats_) add(DoubleKey(f), true);
        for (int64_t i : ints_) add(DoubleKey(static_cast<double>(i)), true);
        add(DoubleKey(0.0), false);
        break;
    }
    v.candidates.assign(keys.begin(), keys.end());
  }
}

void Differ::BuildSpace() {
  Encoding& o = *old_;
  Encoding& n = *new_;
  auto float_key = [&](const z3::expr& bits) {
    z3::expr mask = ctx_.bv_val(~(uint64_t{1} << 63), 64);
    return z3::ite(bits.extract(63, 63) == ctx_.bv_val(1, 1), -(bits & mask) - ctx_.bv_val(1, 64),
                   bits);
  };
  auto scalar_var = [&](const std::string& name, pir::Type t, const z3::expr& term,
                        const pir::Module& m) {
    Var v(term, term);
    v.name = name;
    switch (t.kind) {
      case TypeKind::Bool: v.kind = Var::Bool; break;
      case TypeKind::Int:
        v.kind = Var::Ordered;
        v.scalar = Var::Int;
        v.kmin = std::numeric_limits<int64_t>::min();
        v.kmax = std::numeric_limits<int64_t>::max();
        break;
      case TypeKind::Date:
        v.kind = Var::Ordered;
        v.scalar = Var::Date;
        v.key = z3::sext(term, 32);
        v.kmin = kMinDate.days;
        v.kmax = kMaxDate.days;
        break;
      case TypeKind::Float:
        v.kind = Var::Ordered;
        v.scalar = Var::Float;
        v.key = float_key(term);
        v.kmin = DoubleKey(-std::numeric_limits<double>::max());
        v.kmax = DoubleKey(std::numeric_limits<double>::max());
        break;
      case TypeKind::String:
        v.kind = Var::String;
        for (size_t i = 0; i < strings_.values.size(); ++i) {
          v.codes.push_back(static_cast<int64_t>(i));
          v.names.push_back(strings_.values[i]);
        }
        break;
      case TypeKind::Enum: {
        v.kind = Var::Enum;
        (&m == &a_ ? v.enum_old : v.enum_new) = t.enum_id;
        const auto& members = m.enums[t.enum_id].members;
        for (size_t i = 0; i < members.size(); ++i) {
          v.codes.push_back(static_cast<int64_t>(i));
          v.names.push_back(members[i]);
        }
        break;
      }
    }
    return v;
  };

  // Input fields: by name and type; enum members by name.
  std::vector<bool> new_matched(b_.inputs.size(), false);
  for (size_t f = 0; f < a_.inputs.size(); ++f) {
    const pir::InputField& fa = a_.inputs[f];
    auto it = std::find_if(b_.inputs.begin(), b_.inputs.end(),
                           [&](const pir::InputField& x) { return x.name == fa.name; });
    json_fields_.emplace_back(0, f);
    if (it == b_.inputs.end()) {
      notes_.push_back("input `" + fa.name + "` is only in OLD; it is left free");
      vars_.push_back(scalar_var(fa.name + " (old)", fa.type, o.fields[f], a_));
      vars_.back().old_field = static_cast<int>(f);
      continue;
    }
    size_t g = static_cast<size_t>(it - b_.inputs.begin());
    const pir::InputField& fb = *it;
    if (fa.type.kind != fb.type.kind) {
      notes_.push_back("input `" + fa.name + "` has another type in each version; both are left free");
      vars_.push_back(scalar_var(fa.name + " (old)", fa.type, o.fields[f], a_));
      vars_.back().old_field = static_cast<int>(f);
      continue;  // the NEW one is added below as unmatched
    }
    new_matched[g] = true;
    if (fa.type.kind != TypeKind::Enum) {
      background_.push_back(o.fields[f] == n.fields[g]);
      vars_.push_back(scalar_var(fa.name, fa.type, o.fields[f], a_));
      vars_.back().old_field = static_cast<int>(f);
      vars_.back().new_field = static_cast<int>(g);
      continue;
    }
    const auto& ma = a_.enums[fa.type.enum_id].members;
    const auto& mb = b_.enums[fb.type.enum_id].members;
    Var v = scalar_var(fa.name, fa.type, o.fields[f], a_);
    v.codes.clear();
    v.names.clear();
    v.enum_old = fa.type.enum_id;
    v.enum_new = fb.type.enum_id;
    z3::expr_vector link(ctx_);
    std::vector<std::string> only_old, only_new;
    for (size_t i = 0; i < ma.size(); ++i) {
      auto j = std::find(mb.begin(), mb.end(), ma[i]);
      if (j == mb.end()) {
        only_old.push_back(ma[i]);
        continue;
      }
      v.new_index.push_back(j - mb.begin());
      link.push_back(o.fields[f] == ctx_.bv_val(i, o.fields[f].get_sort().bv_size()) &&
                     n.fields[g] == ctx_.bv_val(static_cast<uint64_t>(j - mb.begin()),
                                                n.fields[g].get_sort().bv_size()));
      v.codes.push_back(static_cast<int64_t>(i));
      v.names.push_back(ma[i]);
    }
    for (const std::string& s : mb) {
      if (std::find(ma.begin(), ma.end(), s) == ma.end()) only_new.push_back(s);
    }
    auto join = [](const std::vector<std::string>& xs) {
      std::string out;
      for (const std::string& x : xs) out += (out.empty() ? "" : ", ") + x;
      return out;
    };
    if (link.empty()) {
      notes_.push_back("input `" + fa.name + "` has no enum member in common; both are left free");
      new_matched[g] = false;
      vars_.push_back(scalar_var(fa.name + " (old)", fa.type, o.fields[f], a_));
      vars_.back().old_field = static_cast<int>(f);
      continue;
    }
    if (!only_old.empty() || !only_new.empty()) {
      std::string note = "input `" + fa.name + "`: compared on the members both versions have";
      if (!only_old.empty()) note += "; only in OLD: " + join(only_old);
      if (!only_new.empty()) note += "; only in NEW: " + join(only_new);
      notes_.push_back(note);
    }
    background_.push_back(z3::mk_or(link));
    v.old_field = static_cast<int>(f);
    v.new_field = static_cast<int>(g);
    vars_.push_back(std::move(v));
  }
  for (size_t g = 0; g < b_.inputs.size(); ++g) {
    if (new_matched[g]) continue;
    const pir::InputField& fb = b_.inputs[g];
    bool in_old = std::any_of(a_.inputs.begin(), a_.inputs.end(),
                              [&](const pir::InputField& x) { return x.name == fb.name; });
    if (!in_old) notes_.push_back("input `" + fb.name + "` is only in NEW; it is left free");
    json_fields_.emplace_back(1, g);
    vars_.push_back(scalar_var(fb.name + " (new)", fb.type, n.fields[g], b_));
    vars_.back().new_field = static_cast<int>(g);
  }

  // today: one variable. Where the two validity windows overlap, it ranges over the overlap:
  // every witness is then a request both versions are in force for, and `edict eval` of each
  // reproduces it as is. Where they do not (OLD expires before NEW takes effect), it ranges
  // over NEW's window and OLD is compared as if still in force; the note says so.
  background_.push_back(o.today == n.today);
  auto window = [&](const pir::Validity& v) {
    z3::expr r = ctx_.bool_val(true);
    if (v.effective) r = r && o.today >= ctx_.bv_val(v.effective->days, 32);
    if (v.until) r = r && o.today < ctx_.bv_val(v.until->days, 32);
    return r;
  };
  auto text = [](const pir::Validity& v) {
    return (v.effective ? FormatDate(*v.effective) : std::string("0001-01-01")) + " .. " +
           (v.until ? "before " + FormatDate(*v.until) : std::string("9999-12-31"));
  };
  pir::Validity both;
  both.effective = a_.validity.effective;
  if (b_.validity.effective && (!both.effective || *b_.validity.effective > *both.effective))
    both.effective = b_.validity.effective;
  both.until = a_.validity.until;
  if (b_.validity.until && (!both.until || *b_.validity.until < *both.until))
    both.until = b_.validity.until;
  bool overlap = !(both.effective && both.until && !(*both.effective < *both.until));
  {
    const pir::Validity& w = options_.today ? pir::Validity{} : overlap ? both : b_.validity;
    if (w.effective) today_lo_ = w.effective->days;
    if (w.until) today_hi_ = int64_t{w.until->days} - 1;
    if (options_.today) today_lo_ = today_hi_ = options_.today->days;
  }
  if (options_.today) {
    background_.push_back(o.today == ctx_.bv_val(options_.today->days, 32));
    notes_.push_back("today is pinned to " + FormatDate(*options_.today));
  } else if (overlap) {
    background_.push_back(window(both));
    notes_.push_back("requests are compared on the dates both versions are in force: " +
                     text(both) + " (OLD " + text(a_.validity) + ", NEW " + text(b_.validity) +
                     ")");
  } else {
    background_.push_back(window(b_.validity));
    notes_.push_back("the versions are never in force on the same date (OLD " + text(a_.validity) +
                     ", NEW " + text(b_.validity) + "): requests are compared on NEW's dates, "
                     "with OLD decided as if still in force");
  }
  {
    Var v = scalar_var("today", pir::Type{TypeKind::Date, -1}, o.today, a_);
    v.is_today = true;
    v.kmin = std::max<int64_t>(v.kmin, today_lo_);
    v.kmax = std::min<int64_t>(v.kmax, today_hi_);
    vars_.push_back(std::move(v));
  }

  // Caps: by name, one usage variable.
  for (size_t c = 0; c < a_.caps.size(); ++c) {
    auto it = std::find_if(b_.caps.begin(), b_.caps.end(),
                           [&](const pir::Cap& x) { return x.name == a_.caps[c].name; });
    json_caps_.emplace_back(0, c);
    std::string name = "usage(" + a_.caps[c].name + ")";
    if (it == b_.caps.end()) {
      notes_.push_back("cap `" + a_.caps[c].name + "` is only in OLD; its usage is left free");
      name += " (old)";
    } else {
      background_.push_back(o.usage[c] == n.usage[it - b_.caps.begin()]);
    }
    Var v = scalar_var(name, pir::Type{TypeKind::Int, -1}, o.usage[c], a_);
    v.kmin = 0;
    v.old_cap = static_cast<int>(c);
    if (it != b_.caps.end()) v.new_cap = static_cast<int>(it - b_.caps.begin());
    vars_.push_back(std::move(v));
  }
  for (size_t c = 0; c < b_.caps.size(); ++c) {
    bool in_old = std::any_of(a_.caps.begin(), a_.caps.end(),
                              [&](const pir::Cap& x) { return x.name == b_.caps[c].name; });
    if (in_old) continue;
    notes_.push_back("cap `" + b_.caps[c].name + "` is only in NEW; its usage is left free");
    json_caps_.emplace_back(1, c);
    Var v = scalar_var("usage(" + b_.caps[c].name + ") (new)", pir::Type{TypeKind::Int, -1},
                       n.usage[c], b_);
    v.kmin = 0;
    v.new_cap = static_cast<int>(c);
    vars_.push_back(std::move(v));
  }
  background_.push_back(o.domain);
  background_.push_back(n.domain);
  CollectCandidates();
}

// The outcome as a canonical id shared by both versions (outcomes by name, errors as 200+code).
auto Differ::OutcomeKey(const Encoding& e, const std::map<std::string, unsigned>& ids) -> z3::expr {
  const pir::Module& m = e.module();
  const auto& members = m.enums[m.decision_enum].members;
  unsigned w = e.outcome.get_sort().bv_size();
  z3::expr key = ctx_.bv_val(ids.at(members.back()), 8);
  for (size_t i = members.size() - 1; i-- > 0;) {
    key = z3::ite(e.outcome == ctx_.bv_val(i, w), ctx_.bv_val(ids.at(members[i]), 8), key);
  }
  return z3::ite(e.error == e.Code(pir::ErrorCode::None), key, e.error + ctx_.bv_val(200, 8));
}

auto Differ::SideOf(const Encoding& e, const z3::model& model, const z3::expr& key) -> Side {
  (void)key;
  Side s;
  int64_t err = ModelInt(model, e.error) & 0xff;
  const pir::Module& m = e.module();
  if (err != 0) {
    s.error = static_cast<pir::ErrorCode>(err);
    s.text = std::string("error(") + pir::Spelling(s.error) + ")";
    return s;
  }
  s.outcome = static_cast<int32_t>(ModelInt(model, e.outcome) &
                                   ((int64_t{1} << e.outcome.get_sort().bv_size()) - 1));
  s.text = m.enums[m.decision_enum].members.at(s.outcome);
  return s;
}

auto Differ::VarLit(size_t i, const Constraint& c) -> z3::expr {
  const Var& v = vars_[i];
  switch (v.kind) {
    case Var::Bool: return c.b ? v.term : !v.term;
    case Var::Enum:
    case Var::String: {
      z3::expr_vector any(ctx_);
      unsigned w = v.term.get_sort().bv_size();
      for (int64_t code : c.set) any.push_back(v.term == ctx_.bv_val(static_cast<uint64_t>(code), w));
      return any.empty() ? ctx_.bool_val(false) : z3::mk_or(any);
    }
    case Var::Ordered: {
      z3::expr r = ctx_.bool_val(true);
      if (c.lo) r = r && v.key >= ctx_.bv_val(*c.lo, 64);
      if (c.hi) r = r && v.key <= ctx_.bv_val(*c.hi, 64);
      return r;
    }
  }
  return ctx_.bool_val(true);
}

auto Differ::Lits(const CubeC& cube) -> z3::expr {
  z3::expr_vector all(ctx_);
  for (size_t i = 0; i < cube.size(); ++i) {
    if (cube[i].active) all.push_back(VarLit(i, cube[i]));
  }
  return all.empty() ? ctx_.bool_val(true) : z3::mk_and(all);
}

auto Differ::PointOf(const z3::model& model) -> CubeC {
  CubeC cube(vars_.size());
  for (size_t i = 0; i < vars_.size(); ++i) {
    const Var& v = vars_[i];
    Constraint& c = cube[i];
    c.active = true;
    switch (v.kind) {
      case Var::Bool: c.b = ModelInt(model, v.term) != 0; break;
      case Var::Enum:
      case Var::String: {
        unsigned w = v.term.get_sort().bv_size();
        c.set = {ModelInt(model, v.term) & ((int64_t{1} << w) - 1)};
        break;
      }
      case Var::Ordered: {
        int64_t k = ModelInt(model, v.key);
        c.lo = c.hi = k;
        break;
      }
    }
  }
  return cube;
}

auto Differ::Inside(z3::solver& bad, const CubeC& cube, const std::string& what) -> bool {
  // Out of budget: answer "not inside" without asking, so the cube keeps its proved bounds.
  if (queries_left_ <= 0 || std::chrono::steady_clock::now() > region_deadline_) {
    exhausted_ = true;
    return false;
  }
  --queries_left_;
  // Incremental first, with a short time limit: most queries take a millisecond there. Some
  // (64-bit cap arithmetic) take seconds incrementally but milliseconds in a fresh solver,
  // where Z3 preprocesses the whole bit-vector problem, so those are retried fresh; after two
  // such misses in one transition, its queries go to a fresh solver directly.
  if (incremental_unknowns_ < 2) {
    z3::params p(ctx_);
    p.set("timeout", std::min(options_.timeout_ms, 25u));
    bad.set(p);
    bad.push();
    bad.add(Lits(cube));
    z3::check_result r = TracedCheck(bad, nullptr, "inside (incremental)");
    bad.pop();
    z3::params back(ctx_);
    back.set("timeout", options_.timeout_ms);
    bad.set(back);
    if (r != z3::unknown) return r == z3::unsat;
    ++incremental_unknowns_;
  }
  z3::solver s = MakeSolver();
  s.add(background_);
  s.add(!*target_);
  s.add(Lits(cube));
  return !Check(s, what);
}


// Whether the request at `point` (every variable fixed) moves as the current transition does,
// by the interpreter (a guess: cubes are still proved by the solver).
auto Differ::PointRequests(const CubeC& point) -> std::optional<std::pair<pir::Request, pir::Request>> {
  pir::Request ro, rn;
  ro.fields.resize(a_.inputs.size());
  rn.fields.resize(b_.inputs.size());
  ro.usage.assign(a_.caps.size(), 0);
  rn.usage.assign(b_.caps.size(), 0);
  for (size_t i = 0; i < vars_.size(); ++i) {
    const Var& v = vars_[i];
    const Constraint& c = point[i];
    pir::RtValue x, y;
    switch (v.kind) {
      case Var::Bool: x.i = y.i = c.b ? 1 : 0; break;
      case Var::Enum: {
        int64_t code = c.set.empty() ? 0 : c.set[0];
        x.i = y.i = code;
        if (!v.new_index.empty()) {
          auto it = std::find(v.codes.begin(), v.codes.end(), code);
          if (it == v.codes.end()) return std::nullopt;
          y.i = v.new_index[it - v.codes.begin()];
        }
        break;
      }
      case Var::String: {
        int64_t code = c.set.empty() ? 0 : c.set[0];
        if (code < 0 || code >= static_cast<int64_t>(strings_.values.size())) return std::nullopt;
        x.s = y.s = strings_.values.at(static_cast<size_t>(code));
        break;
      }
      case Var::Ordered: {
        int64_t k = c.lo.value_or(0);
        if (v.scalar == Var::Float) {
          x.f = y.f = KeyFloat(k);
          if (!std::isfinite(x.f)) return std::nullopt;
        } else {
          x.i = y.i = k;
        }
        if (v.is_today) {
          if (k < today_lo_ || k > today_hi_) return std::nullopt;
          ro.today = rn.today = Date{static_cast<int32_t>(k)};
          continue;
        }
        if (v.old_cap >= 0) ro.usage[v.old_cap] = k;
        if (v.new_cap >= 0) rn.usage[v.new_cap] = k;
        break;
      }
    }
    if (v.old_field >= 0) ro.fields[v.old_field] = x;
    if (v.new_field >= 0) rn.fields[v.new_field] = y;
  }
  return std::make_pair(std::move(ro), std::move(rn));
}

auto Differ::InTransition(const CubeC& point) -> bool {
  auto reqs = PointRequests(point);
  if (!reqs) return false;
  auto& [ro, rn] = *reqs;
  auto matches = [](const Side& side, const pir::Result& r) {
    if (side.outcome >= 0) return r.error == pir::ErrorCode::None && r.outcome == side.outcome;
    if (r.error == pir::ErrorCode::None) return false;
    return side.error == pir::ErrorCode::None || side.error == r.error;
  };
  return matches(*from_, interp::Evaluate(*ua_, ro)) && matches(*to_, interp::Evaluate(*ub_, rn));
}

// `point` moved towards readable values, one variable at a time, as far as the interpreter
// keeps it inside the transition.
auto Differ::Nicer(const CubeC& point) -> CubeC {
  if (!from_ || !to_ || !InTransition(point)) return point;
  CubeC nice = ReadablePoint(CubeC(vars_.size()), point, 0);
  CubeC p = point;
  for (size_t i = 0; i < vars_.size(); ++i) {
    Constraint keep = p[i];
    p[i] = nice[i];
    if (!InTransition(p)) p[i] = keep;
  }
  return p;
}

// The largest box around `point` the interpreter sees inside the transition, one variable at a
// time (every member of an enum, the candidate bounds of a number).
auto Differ::Guess(const CubeC& point) -> CubeC {
  CubeC g = point;
  for (size_t i = 0; i < vars_.size(); ++i) {
    const Var& v = vars_[i];
    CubeC probe = point;
    switch (v.kind) {
      case Var::Bool:
        probe[i].b = !point[i].b;
        if (InTransition(probe)) g[i].active = false;
        break;
      case Var::Enum:
      case Var::String: {
        std::vector<int64_t> in;
        for (int64_t code : v.codes) {
          probe[i].set = {code};
          if (code == point[i].set[0] || InTransition(probe)) in.push_back(code);
        }
        if (in.size() == v.codes.size()) {
          g[i].active = false;
        } else {
          g[i].set = std::move(in);
        }
        break;
      }
      case Var::Ordered: {
        int64_t k0 = *point[i].lo;
        auto good = [&](int64_t k) {
          probe[i].lo = probe[i].hi = k;
          return InTransition(probe);
        };
        std::optional<int64_t> hi = k0, lo = k0;
        auto up = std::upper_bound(v.candidates.begin(), v.candidates.end(), k0);
        bool all_good = true;
        for (auto it = up; it != v.candidates.end(); ++it) {
          if (!good(*it)) {
            all_good = false;
            break;
          }
          hi = *it;
        }
        if (all_good && (*hi == v.kmax || good(v.kmax))) hi.reset();
        all_good = true;
        auto down = std::lower_bound(v.candidates.begin(), v.candidates.end(), k0);
        for (auto it = std::make_reverse_iterator(down); it != v.candidates.rend(); ++it) {
          if (!good(*it)) {
            all_good = false;
            break;
          }
          lo = *it;
        }
        if (all_good && (*lo == v.kmin || good(v.kmin))) lo.reset();
        g[i].lo = lo;
        g[i].hi = hi;
        if (!lo && !hi) g[i].active = false;
        break;
      }
    }
  }
  return g;
}

// Shrinks `box` (around `point`) until random requests of it stay inside the transition by the
// interpreter: a failing request's member is removed, or its number's side of the bound cut,
// for the first variable whose value from the point repairs it.
auto Differ::Refine(const CubeC& point, CubeC box) -> CubeC {
  std::mt19937_64 rng(0x5eed);
  auto pick = [&](size_t i) {
    const Var& v = vars_[i];
    const Constraint& c = box[i];
    Constraint x = point[i];
    switch (v.kind) {
      case Var::Bool: x.b = c.active ? c.b : (rng() & 1); break;
      case Var::Enum:
      case Var::String: {
        const std::vector<int64_t>& from = c.active ? c.set : v.codes;
        x.set = {from[rng() % from.size()]};
        break;
      }
      case Var::Ordered: {
        int64_t lo = c.active && c.lo ? *c.lo : v.kmin, hi = c.active && c.hi ? *c.hi : v.kmax;
        std::vector<int64_t> in;
        for (int64_t k : v.candidates) {
          if (k >= lo && k <= hi) in.push_back(k);
        }
        in.push_back(lo);
        in.push_back(hi);
        int64_t k = in[rng() % in.size()];
        if (rng() % 4 == 0 && hi > lo) {
          __int128 span = static_cast<__int128>(hi) - lo;
          k = static_cast<int64_t>(lo + static_cast<__int128>(rng() % static_cast<uint64_t>(
                                              std::min<__int128>(span, INT64_MAX))));
        }
        x.lo = x.hi = k;
        break;
      }
    }
    return x;
  };
  for (int round = 0; round < 400; ++round) {
    CubeC sample = point;
    for (size_t i = 0; i < vars_.size(); ++i) sample[i] = pick(i);
    if (!PointRequests(sample) || InTransition(sample)) continue;
    Shrink(point, box, sample, false);
  }
  return box;
}

// Shrinks `box` so that it no longer holds `sample` (a request of it outside the transition):
// for the first variable whose value from `point` repairs the sample, its member is removed
// (`coarse`: with every member the policies treat alike, unless that includes the point's), or
// its number cut at the candidate bound nearest to the sample; without such a variable, every
// number and boolean is pinned to the point. False when nothing changed.
auto Differ::Shrink(const CubeC& point, CubeC& box, const CubeC& sample, bool coarse) -> bool {
  CubeC before = box;
  // The variable to cut: the first whose point value alone repairs the sample, else the one
  // completing the repair when the point's values are restored one after another.
  // Among single repairs, a member is removed rather than a number cut, a number cut rather
  // than a boolean pinned (the cube stays larger).
  std::optional<size_t> which;
  int best = 99;
  for (size_t i = 0; i < vars_.size(); ++i) {
    if (sample[i] == point[i]) continue;
    int rank = vars_[i].kind == Var::Enum || vars_[i].kind == Var::String ? 0
               : vars_[i].kind == Var::Ordered                            ? 1
                                                                          : 2;
    if (rank >= best) continue;
    CubeC fixed = sample;
    fixed[i] = point[i];
    if (InTransition(fixed)) {
      which = i;
      best = rank;
    }
  }
  if (!which) {
    CubeC fixed = sample;
    for (size_t i = 0; i < vars_.size() && !which; ++i) {
      if (sample[i] == point[i]) continue;
      fixed[i] = point[i];
      if (InTransition(fixed)) which = i;
    }
  }
  bool repaired = which.has_value();
  if (which) {
    size_t i = *which;
    const Var& v = vars_[i];
    Constraint& c = box[i];
    switch (v.kind) {
      case Var::Bool: c = point[i]; break;
      case Var::Enum:
      case Var::String: {
        if (!c.active) {
          c.active = true;
          c.set = v.codes;
        }
        int64_t bad_code = sample[i].set[0], own = point[i].set[0];
        std::vector<int64_t> drop = {bad_code};
        if (coarse) {
          for (const std::vector<int64_t>& cls : v.classes) {
            if (std::find(cls.begin(), cls.end(), bad_code) != cls.end() &&
                std::find(cls.begin(), cls.end(), own) == cls.end()) {
              drop = cls;
            }
          }
        }
        for (int64_t d : drop) c.set.erase(std::remove(c.set.begin(), c.set.end(), d), c.set.end());
        break;
      }
      case Var::Ordered: {
        int64_t k = *sample[i].lo, k0 = *point[i].lo;
        c.active = true;
        if (k > k0) {
          int64_t cut = k - 1;
          if (coarse) {
            auto it = std::lower_bound(v.candidates.begin(), v.candidates.end(), k);
            if (it != v.candidates.begin() && *std::prev(it) >= k0) cut = *std::prev(it);
          }
          c.hi = std::min(c.hi.value_or(v.kmax), cut);
        }
        if (k < k0) {
          int64_t cut = k + 1;
          if (coarse) {
            auto it = std::upper_bound(v.candidates.begin(), v.candidates.end(), k);
            if (it != v.candidates.end() && *it <= k0) cut = *it;
          }
          c.lo = std::max(c.lo.value_or(v.kmin), cut);
        }
        break;
      }
    }
  }
  if (!repaired) {
    for (size_t i = 0; i < vars_.size(); ++i) {
      if (vars_[i].kind == Var::Ordered || vars_[i].kind == Var::Bool) box[i] = point[i];
    }
  }
  return !(box == before);
}

// Inside, with a request of the cube outside the transition when there is one.
auto Differ::InsideCex(z3::solver& bad, const CubeC& cube, const std::string& what,
                       std::optional<CubeC>& cex) -> bool {
  cex.reset();
  if (queries_left_ <= 0 || std::chrono::steady_clock::now() > region_deadline_) {
    exhausted_ = true;
    return false;
  }
  --queries_left_;
  (void)bad;
  z3::solver s = MakeSolver();
  s.add(background_);
  s.add(!*target_);
  s.add(Lits(cube));
  if (!Check(s, what)) return true;
  cex = PointOf(s.get_model());
  return false;
}

auto Differ::Generalise(z3::solver& bad, const CubeC& point) -> CubeC {
  const std::string what = "generalising a region";
  CubeC cube = point;
  // 0. The interpreter's guess, proved in one query; else the guess with the numbers and
  //    booleans pinned to the point (its enum sets proved), widened below.
  bool guessed = false;
  if (from_ && to_ && InTransition(point)) {
    CubeC g = Refine(point, Guess(point));
    // Counterexamples from the solver shrink the guess until it is proved.
    for (int round = 0; round < 16; ++round) {
      if (kTrace) {
        std::string d;
        for (const std::string& x : Describe(g)) d += x + "; ";
        std::fprintf(stderr, "guess: %s\n", d.c_str());
      }
      std::optional<CubeC> cex;
      if (InsideCex(bad, g, what + " (guess)", cex)) return g;
      if (!cex || !Shrink(point, g, *cex, true)) break;
    }
    if (exhausted_) return point;
    for (size_t i = 0; i < g.size(); ++i) {
      if (vars_[i].kind == Var::Ordered || vars_[i].kind == Var::Bool) g[i] = point[i];
    }
    if (Inside(bad, g, what + " (guessed members)")) {
      cube = std::move(g);
      guessed = true;
    }
  }
  // 1. An unsat core of the point's literals (each bound its own literal) drops what the
  //    transition does not depend on. Asked of a fresh solver with a short time limit (the
  //    incremental one takes up to seconds here); without a core in time, every number and
  //    boolean is dropped at once when that stays inside.
  if (!guessed) {
    z3::solver core_s = MakeSolver();
    core_s.add(background_);
    core_s.add(!*target_);
    z3::expr_vector proxies(ctx_);
    std::vector<std::pair<size_t, int>> which;  // var, 0 = whole / 1 = lo / 2 = hi
    for (size_t i = 0; i < cube.size(); ++i) {
      auto add = [&](const z3::expr& lit, int part) {
        z3::expr p = ctx_.bool_const(("p!" + std::to_string(proxies.size())).c_str());
        core_s.add(z3::implies(p, lit));
        proxies.push_back(p);
        which.emplace_back(i, part);
      };
      const Var& v = vars_[i];
      if (v.kind == Var::Ordered) {
        add(v.key >= ctx_.bv_val(*cube[i].lo, 64), 1);
        add(v.key <= ctx_.bv_val(*cube[i].hi, 64), 2);
      } else {
        add(VarLit(i, cube[i]), 0);
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    region_deadline_ - std::chrono::steady_clock::now())
                    .count();
    unsigned limit = static_cast<unsigned>(std::clamp<int64_t>(left / 3, 10, 150));
    z3::params quick(ctx_);
    quick.set("timeout", std::min(options_.timeout_ms, limit));
    core_s.set(quick);
    z3::check_result r = TracedCheck(core_s, &proxies, "point core");
    if (r == z3::sat) {
      throw SolverGaveUp{"internal error: a request does not determine its transition"};
    }
    if (r == z3::unsat) {
      z3::expr_vector core = core_s.unsat_core();
      std::set<unsigned> in_core;
      for (unsigned k = 0; k < core.size(); ++k) in_core.insert(core[k].id());
      std::vector<Constraint> next = cube;
      for (unsigned k = 0; k < proxies.size(); ++k) {
        if (in_core.count(proxies[k].id())) continue;
        auto [i, part] = which[k];
        if (part == 0) next[i].active = false;
        if (part == 1) next[i].lo.reset();
        if (part == 2) next[i].hi.reset();
      }
      for (Constraint& c : next) {
        if (c.active && !c.set.empty()) continue;
        if (c.active && (c.lo || c.hi)) continue;
        if (c.active && vars_[&c - next.data()].kind == Var::Bool) continue;
        c.active = false;
      }
      cube = std::move(next);
    } else {
      CubeC trial = cube;
      for (size_t i = 0; i < trial.size(); ++i) {
        if (vars_[i].kind == Var::Ordered || vars_[i].kind == Var::Bool) trial[i].active = false;
      }
      if (Inside(bad, trial, what)) cube = std::move(trial);
    }
  }
  // 2. Widen what is left, one variable at a time.
  for (size_t i = 0; i < cube.size(); ++i) {
    if (!cube[i].active) continue;
    const Var& v = vars_[i];
    if (v.kind == Var::Bool) {
      CubeC trial = cube;
      trial[i].active = false;
      if (Inside(bad, trial, what)) cube = std::move(trial);
      continue;
    }
    if (v.kind == Var::Enum || v.kind == Var::String) {
      if (guessed) continue;  // the interpreter's members, proved
      // Members grouped by how the policies treat them (v.classes); each group is tried whole
      // and split in halves when it is not wholly inside. Every accepted group is proved, so
      // the grouping only saves queries.
      {
        CubeC trial = cube;
        trial[i].active = false;
        if (Inside(bad, trial, what)) {
          cube = std::move(trial);
          continue;
        }
      }
      std::vector<int64_t> keep;
      std::function<void(std::vector<int64_t>)> visit = [&](std::vector<int64_t> group) {
        if (group.empty()) return;
        CubeC trial = cube;
        trial[i].set = group;
        std::sort(trial[i].set.begin(), trial[i].set.end());
        if (Inside(bad, trial, what)) {
          keep.insert(keep.end(), group.begin(), group.end());
          return;
        }
        if (group.size() == 1) return;
        size_t half = group.size() / 2;
        visit(std::vector<int64_t>(group.begin(), group.begin() + half));
        visit(std::vector<int64_t>(group.begin() + half, group.end()));
      };
      for (const std::vector<int64_t>& group : v.classes) visit(group);
      std::sort(keep.begin(), keep.end());
      keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
      if (keep.empty()) keep = cube[i].set;  // cannot happen: the model's own member is inside
      if (keep.size() == v.codes.size()) {
        cube[i].active = false;
      } else {
        cube[i].set = std::move(keep);
      }
      continue;
    }
    // Ordered: push each bound as far as it goes: the domain's end, else the farthest policy
    // constant (binary search; being inside is monotone in the bound), then exactly.
    auto widen = [&](bool upper) {
      Constraint& c = cube[i];
      std::optional<int64_t>& bound = upper ? c.hi : c.lo;
      if (!bound) return;
      {
        CubeC trial = cube;
        (upper ? trial[i].hi : trial[i].lo).reset();
        if (Inside(bad, trial, what)) {
          cube = std::move(trial);
          return;
        }
      }
      int64_t good = *bound;
      int64_t bad_key = upper ? v.kmax : v.kmin;  // known outside (tested just above)
      auto test = [&](int64_t k) {
        CubeC trial = cube;
        (upper ? trial[i].hi : trial[i].lo) = k;
        return Inside(bad, trial, kTrace ? what + ": " + v.name + (upper ? " ≤ " : " ≥ ") + std::to_string(k) : what);
      };
      std::vector<int64_t> cands;
      for (int64_t k : v.candidates) {
        if (upper ? (k > good && k < bad_key) : (k < good && k > bad_key)) cands.push_back(k);
      }
      if (!upper) std::reverse(cands.begin(), cands.end());  // nearest first
      size_t lo = 0, hi = cands.size();  // cands[0, lo) good, [hi, …) bad
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (test(cands[mid])) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo > 0) good = cands[lo - 1];
      if (hi < cands.size()) bad_key = cands[hi];
      // Refinement between the last good and the first bad key: exact for gaps up to 2^12,
      // else stopped after 12 halvings (the bound stays proved, the cube just smaller).
      for (int steps = 0; steps < 12; ++steps) {
        __int128 gap = upper ? static_cast<__int128>(bad_key) - good
                             : static_cast<__int128>(good) - bad_key;
        if (gap <= 1) break;
        int64_t mid = static_cast<int64_t>((static_cast<__int128>(good) + bad_key) / 2);
        if (test(mid)) {
          good = mid;
        } else {
          bad_key = mid;
        }
      }
      bound = good;
    };
    widen(true);
    widen(false);
    if (!cube[i].lo && !cube[i].hi) cube[i].active = false;
  }
  return cube;
}

auto Differ::Describe(const CubeC& cube) -> Cube {
  Cube out;
  for (size_t i = 0; i < cube.size(); ++i) {
    const Constraint& c = cube[i];
    if (!c.active) continue;
    const Var& v = vars_[i];
    switch (v.kind) {
      case Var::Bool: out.push_back(v.name + " = " + (c.b ? "true" : "false")); break;
      case Var::Enum:
      case Var::String: {
        auto name_of = [&](int64_t code) {
          auto it = std::find(v.codes.begin(), v.codes.end(), code);
          std::string s = it == v.codes.end() ? "?" : v.names[it - v.codes.begin()];
          return v.kind == Var::String ? JsonQuote(s) : MemberText(s);
        };
        std::vector<int64_t> in = c.set, out_set;
        std::vector<int64_t> domain = v.codes;
        if (v.kind == Var::String) {
          // The fresh values stand for "any other string": describe by the constants alone.
          bool all_others = true, no_others = true;
          for (size_t k = strings_.constants; k < strings_.values.size(); ++k) {
            bool has = std::binary_search(in.begin(), in.end(), static_cast<int64_t>(k));
            all_others = all_others && has;
            no_others = no_others && !has;
          }
          std::vector<int64_t> consts;
          for (int64_t code : in) {
            if (code < static_cast<int64_t>(strings_.constants)) consts.push_back(code);
          }
          std::string list;
          if (no_others) {
            for (int64_t code : consts) list += (list.empty() ? "" : ", ") + name_of(code);
            out.push_back(v.name + (consts.size() == 1 ? " = " + list : " ∈ {" + list + "}"));
          } else {
            std::vector<int64_t> missing;
            for (size_t k = 0; k < strings_.constants; ++k) {
              if (!std::binary_search(in.begin(), in.end(), static_cast<int64_t>(k))) {
                missing.push_back(static_cast<int64_t>(k));
              }
            }
            for (int64_t code : missing) list += (list.empty() ? "" : ", ") + name_of(code);
            std::string text = missing.size() == 1 ? v.name + " ≠ " + list
                                                   : v.name + " ∉ {" + list + "}";
            if (!all_others) text += " (and not equal to every other string field)";
            out.push_back(text);
          }
          break;
        }
        for (int64_t code : domain) {
          if (!std::binary_search(in.begin(), in.end(), code)) out_set.push_back(code);
        }
        auto list = [&](const std::vector<int64_t>& xs) {
          std::string s;
          for (int64_t code : xs) s += (s.empty() ? "" : ", ") + name_of(code);
          return s;
        };
        if (in.size() == 1) {
          out.push_back(v.name + " = " + name_of(in[0]));
        } else if (out_set.size() == 1) {
          out.push_back(v.name + " ≠ " + name_of(out_set[0]));
        } else if (out_set.size() < in.size()) {
          out.push_back(v.name + " ∉ {" + list(out_set) + "}");
        } else {
          out.push_back(v.name + " ∈ {" + list(in) + "}");
        }
        break;
      }
      case Var::Ordered: {
        auto text = [&](int64_t k) {
          switch (v.scalar) {
            case Var::Int: return std::to_string(k);
            case Var::Date: return FormatDate(Date{static_cast<int32_t>(k)});
            case Var::Float: return FormatFloat(KeyFloat(k));
          }
          return std::string("?");
        };
        // Bounds next to a policy constant read as strict comparisons with it
        // (`quantity > 1700` rather than `quantity ≥ 1701`); floats keep ≥ / ≤.
        std::string lo_text, hi_text;
        bool strict_lo = false, strict_hi = false;
        if (c.lo) {
          int64_t k = *c.lo;
          strict_lo = v.scalar != Var::Float && k > v.kmin && v.constants.count(k - 1) &&
                      !v.constants.count(k);
          lo_text = text(strict_lo ? k - 1 : k);
        }
        if (c.hi) {
          int64_t k = *c.hi;
          strict_hi = v.scalar != Var::Float && k < v.kmax && v.constants.count(k + 1) &&
                      !v.constants.count(k);
          hi_text = text(strict_hi ? k + 1 : k);
        }
        if (c.lo && c.hi && *c.lo == *c.hi) {
          out.push_back(v.name + " = " + text(*c.lo));
        } else if (c.lo && c.hi) {
          out.push_back(lo_text + (strict_lo ? " < " : " ≤ ") + v.name + (strict_hi ? " < " : " ≤ ") +
                        hi_text);
        } else if (c.lo) {
          out.push_back(v.name + (strict_lo ? " > " : " ≥ ") + lo_text);
        } else if (c.hi) {
          out.push_back(v.name + (strict_hi ? " < " : " ≤ ") + hi_text);
        }
        break;
      }
    }
  }
  return out;
}

auto Differ::NiceToday() const -> Date {
  Date nice_today = a_.validity.effective.value_or(Date{0});
  if (b_.validity.effective && *b_.validity.effective > nice_today) nice_today = *b_.validity.effective;
  if (options_.today) nice_today = *options_.today;
  return nice_today;
}

auto Differ::BuildWitness(const z3::model& model) -> Witness {
  return RequestsWitness(old_->Decode(model), new_->Decode(model));
}

auto Differ::RequestsWitness(pir::Request old_request, pir::Request new_request) -> Witness {
  Witness w;
  w.old_request = std::move(old_request);
  w.new_request = std::move(new_request);
  // JSON naming every field of either version, OLD's order first.
  std::string json = "{\"input\": {";
  bool first = true;
  for (auto [side, f] : json_fields_) {
    const pir::Module& m = side == 0 ? a_ : b_;
    const pir::Request& req = side == 0 ? w.old_request : w.new_request;
    json += (first ? "" : ", ") + JsonQuote(m.inputs[f].name) + ": " +
            ValueJson(m, m.inputs[f].type, req.fields[f]);
    first = false;
  }
  json += "}, \"today\": \"" + FormatDate(w.old_request.today) + "\", \"usage\": {";
  first = true;
  for (auto [side, c] : json_caps_) {
    const pir::Module& m = side == 0 ? a_ : b_;
    const pir::Request& req = side == 0 ? w.old_request : w.new_request;
    json += (first ? "" : ", ") + JsonQuote(m.caps[c].name) + ": " + std::to_string(req.usage[c]);
    first = false;
  }
  w.json = json + "}}";
  return w;
}

// A readable point of `cube` (its constraints, else readable defaults): booleans false, numbers
// 0 or the bound nearest to it (a bound next to a policy constant), `today` the later effective
// date, an enum field equal to an earlier field of the same enum when allowed (headquarters =
// destination), else the model's member. `variant` 1 prefers the other bound and the point's own
// enum members; `variant` 2 is the model point itself.
auto Differ::ReadablePoint(const CubeC& cube, const CubeC& point, int variant) -> CubeC {
  if (variant >= 2) return point;
  CubeC out = point;
  Date nice_today = NiceToday();
  for (size_t i = 0; i < vars_.size(); ++i) {
    const Var& v = vars_[i];
    const Constraint& c = cube[i];
    Constraint& o = out[i];
    switch (v.kind) {
      case Var::Bool:
        o.b = c.active ? c.b : false;
        break;
      case Var::Enum:
      case Var::String: {
        if (variant == 1) break;
        const std::vector<int64_t>& allowed = c.active ? c.set : v.codes;
        for (size_t j = 0; j < i; ++j) {
          const Var& u = vars_[j];
          if (u.kind != v.kind || u.enum_old != v.enum_old || u.enum_new != v.enum_new ||
              u.codes != v.codes) {
            continue;
          }
          int64_t code = out[j].set.empty() ? -1 : out[j].set[0];
          if (std::binary_search(allowed.begin(), allowed.end(), code)) {
            o.set = {code};
            break;
          }
        }
        break;
      }
      case Var::Ordered: {
        int64_t lo = c.active && c.lo ? *c.lo : v.kmin;
        int64_t hi = c.active && c.hi ? *c.hi : v.kmax;
        int64_t want = 0;
        switch (v.scalar) {
          case Var::Int: want = 0; break;
          case Var::Date: want = nice_today.days; break;
          case Var::Float: want = DoubleKey(0.0); break;
        }
        int64_t k = std::clamp(want, lo, hi);
        if (variant == 1) {
          // The other end of a bounded side, or the policy constant nearest to it.
          if (c.active && c.lo && c.hi) {
            k = k == *c.lo ? *c.hi : *c.lo;
          } else if (c.active && (c.lo || c.hi)) {
            for (int64_t x : v.constants) {
              if (x >= lo && x <= hi && x != k) {
                k = x;
                if (c.lo) break;  // nearest to the lower bound
              }
            }
          }
        }
        o.lo = o.hi = k;
        break;
      }
    }
  }
  return out;
}

// The witness at `point` (every variable fixed) when it lies in `target`.
auto Differ::CheckPoint(const z3::expr& target, const CubeC& point) -> std::optional<Witness> {
  if (from_ && to_) {
    // The interpreter decides (the command re-checks every witness through the compiled code).
    if (!InTransition(point)) return std::nullopt;
    auto reqs = PointRequests(point);
    return RequestsWitness(std::move(reqs->first), std::move(reqs->second));
  }
  z3::solver s = MakeSolver();
  s.add(background_);
  s.add(target);
  s.add(Lits(point));
  z3::check_result r = TracedCheck(s, nullptr, "checking a readable witness");
  if (r != z3::sat) return std::nullopt;
  return BuildWitness(s.get_model());
}

// A concrete request inside `inside`, with readable values where the region allows them
// (zero, false, the first member, the later effective date), avoiding the given points.
// At most two attempts with preferences (short time limits), then one plain query.
auto Differ::MakeWitness(const z3::expr& inside, const std::vector<z3::expr>& avoid)
    -> std::optional<Witness> {
  z3::solver s = MakeSolver();
  s.add(background_);
  s.add(inside);
  for (const z3::expr& a : avoid) s.add(!a);
  // Preferences, dropped through unsat cores until the rest is satisfiable.
  std::vector<z3::expr> prefs;
  Date nice_today = NiceToday();
  for (const Var& v : vars_) {
    switch (v.kind) {
      case Var::Bool: prefs.push_back(!v.term); break;
      case Var::Enum:
      case Var::String: break;  // the solver's choice is as good as any
      case Var::Ordered:
        if (v.scalar == Var::Date) {
          prefs.push_back(v.key == ctx_.bv_val(nice_today.days, 64));
        } else if (v.scalar == Var::Int) {
          // Small magnitudes read best: try |x| < 2^20 rather than an exact value.
          prefs.push_back(v.key >= ctx_.bv_val(-(int64_t{1} << 20), 64) &&
                          v.key <= ctx_.bv_val(int64_t{1} << 20, 64));
        } else {
          prefs.push_back(v.key == ctx_.bv_val(DoubleKey(0.0), 64));
        }
        break;
    }
  }
  int attempts = 0;
  while (true) {
    if (prefs.empty() || attempts >= 1) {
      // No preferences left: one plain query with a short time limit (these witnesses are
      // extras: every transition already has one from its own point).
      z3::params quick(ctx_);
      quick.set("timeout", std::min(options_.timeout_ms, 200u));
      s.set(quick);
      if (TracedCheck(s, nullptr, "finding a witness") != z3::sat) return std::nullopt;
      return BuildWitness(s.get_model());
    }
    ++attempts;
    z3::expr_vector proxies(ctx_);
    s.push();
    for (size_t k = 0; k < prefs.size(); ++k) {
      z3::expr p = ctx_.bool_const(("w!" + std::to_string(k)).c_str());
      s.add(z3::implies(p, prefs[k]));
      proxies.push_back(p);
    }
    z3::params quick(ctx_);
    quick.set("timeout", std::min(options_.timeout_ms, 150u));
    s.set(quick);
    z3::check_result r = TracedCheck(s, &proxies, "witness preferences");
    z3::params back(ctx_);
    back.set("timeout", options_.timeout_ms);
    s.set(back);
    if (r == z3::unknown) {
      // Readable values take too long here: any request of the region will do.
      s.pop();
      prefs.clear();
      continue;
    }
    if (r == z3::sat) {
      Witness w = BuildWitness(s.get_model());
      s.pop();
      return w;
    }
    z3::expr_vector core = s.unsat_core();
    s.pop();
    if (core.empty() || prefs.empty()) return std::nullopt;
    std::set<std::string> names;
    for (unsigned k = 0; k < core.size(); ++k) names.insert(core[k].to_string());
    std::vector<z3::expr> next;
    for (size_t k = 0; k < prefs.size(); ++k) {
      if (!names.count("w!" + std::to_string(k)) && !names.count("|w!" + std::to_string(k) + "|")) {
        next.push_back(prefs[k]);
      }
    }
    if (next.size() == prefs.size()) next.clear();
    prefs = std::move(next);
  }
}

// Covers `target` with proved cubes and picks witnesses. `seed`: a point of the transition
// already known (from the enumeration), generalised first without a query.
void Differ::Explore(const z3::expr& target, const std::string& what, Transition& t,
                     const std::optional<CubeC>& seed, std::vector<CubeC>& cubes,
                     std::vector<CubeC>& points) {
  target_ = target;
  Phase phase_region{"region", what};
  z3::solver find = MakeSolver();
  find.add(background_);
  find.add(target);
  z3::solver bad = MakeSolver();
  bad.add(background_);
  bad.add(!target);
  queries_left_ = options_.region_queries;
  exhausted_ = false;
  incremental_unknowns_ = 0;
  bool first = true;
  while (true) {
    if (exhausted_ || std::chrono::steady_clock::now() > region_deadline_) {
      t.region_truncated = true;
      break;
    }
    CubeC point;
    if (first && seed) {
      point = *seed;
    } else {
      if (!Check(find, what)) break;
      point = PointOf(find.get_model());
    }
    first = false;
    point = Nicer(point);
    if (static_cast<int>(cubes.size()) >= options_.max_region_cubes) {
      t.region_truncated = true;
      break;
    }
    CubeC cube;
    {
      Phase ph{"generalise", what};
      cube = Generalise(bad, point);
    }
    find.add(!Lits(cube));
    cubes.push_back(cube);
    points.push_back(point);
    t.region.push_back(Describe(cube));
  }
  if (cubes.empty() && seed) {
    // No region in time: the known point still gives witnesses (the cube of the point itself).
    CubeC p = Nicer(*seed);
    cubes.push_back(p);
    points.push_back(p);
  }
}

// Witnesses of a transition explored by Explore: readable points of its cubes, other points of
// them found by the interpreter, then (time allowing) any other points of the transition.
void Differ::PickWitnesses(const z3::expr& target, const std::string& what, Transition& t,
                           const std::vector<CubeC>& cubes, const std::vector<CubeC>& points) {
  Phase phase_w{"witnesses", what};
  // Witnesses: readable points of the cubes first (each checked with every variable fixed, which
  // is cheap), then any other points of the transition.
  std::vector<z3::expr> avoid;
  std::set<std::string> seen;
  auto point_of = [&](const Witness& w) {
    return old_->Fix(w.old_request) && new_->Fix(w.new_request);
  };
  auto take = [&](std::optional<Witness> w) {
    if (!w || seen.count(w->json)) return false;
    seen.insert(w->json);
    avoid.push_back(point_of(*w));
    t.witnesses.push_back(std::move(*w));
    return true;
  };
  for (int variant = 0; variant < 3; ++variant) {
    for (size_t k = 0; k < cubes.size(); ++k) {
      if (static_cast<int>(t.witnesses.size()) >= options_.max_witnesses) break;
      take(CheckPoint(target, ReadablePoint(cubes[k], points[k], variant)));
    }
  }
  // Whole readable requests, checked, when the transition allows them.
  if (static_cast<int>(t.witnesses.size()) < options_.max_witnesses && !points.empty()) {
    take(CheckPoint(target, ReadablePoint(CubeC(vars_.size()), points[0], 0)));
  }
  // Other points of the cubes: one or two variables of a cube's point changed to another value
  // the cube allows (a member, a candidate bound), checked.
  if (from_ && to_ && !cubes.empty()) {
    std::mt19937_64 rng(0x3a7);
    for (int tries = 0; tries < 300 && static_cast<int>(t.witnesses.size()) < options_.max_witnesses;
         ++tries) {
      size_t k = static_cast<size_t>(tries) % cubes.size();
      CubeC p = points[k];
      for (int n = 0; n < 1 + tries / 100; ++n) {
        size_t i = rng() % vars_.size();
        const Var& v = vars_[i];
        const Constraint& c = cubes[k][i];
        switch (v.kind) {
          case Var::Bool: p[i].b = c.active ? c.b : !p[i].b; break;
          case Var::Enum:
          case Var::String: {
            const std::vector<int64_t>& from = c.active ? c.set : v.codes;
            p[i].set = {from[rng() % from.size()]};
            break;
          }
          case Var::Ordered: {
            int64_t lo = c.active && c.lo ? *c.lo : v.kmin, hi = c.active && c.hi ? *c.hi : v.kmax;
            std::vector<int64_t> in;
            for (int64_t x : v.candidates) {
              if (x >= lo && x <= hi) in.push_back(x);
            }
            if (in.empty()) continue;
            p[i].lo = p[i].hi = in[rng() % in.size()];
            break;
          }
        }
      }
      take(CheckPoint(target, p));
    }
  }
  int extra = 0;
  while (static_cast<int>(t.witnesses.size()) < options_.max_witnesses && extra++ < 2 &&
         std::chrono::steady_clock::now() < deadline_) {
    auto w = MakeWitness(target, avoid);
    if (!w) break;
    if (!take(std::move(w))) break;
  }
}

auto Differ::Run() -> SemanticDiff {
  SemanticDiff result;
  auto run_start = std::chrono::steady_clock::now();
  BuildSpace();
  ua_ = a_;
  ua_->validity = {};
  ub_ = b_;
  ub_->validity = {};
  std::map<std::string, unsigned> ids;
  for (const pir::Module* m : {&a_, &b_}) {
    for (const std::string& s : m->enums[m->decision_enum].members) ids.emplace(s, 0);
  }
  unsigned next_id = 0;
  for (auto& [name, id] : ids) id = next_id++;
  z3::expr key_old = OutcomeKey(*old_, ids);
  z3::expr key_new = OutcomeKey(*new_, ids);

  // Every (from, to) pair with a request, by model enumeration.
  // A fresh solver per step: Z3 solves a one-shot bit-vector problem much faster than the same
  // problem incrementally (it preprocesses the whole formula first).
  std::vector<std::pair<Side, Side>> pairs;
  std::vector<std::pair<int64_t, int64_t>> keys;
  std::vector<CubeC> seeds;  // a point of each transition
  auto enum_phase = std::make_unique<Phase>(Phase{"enumerate", ""});
  z3::expr_vector blocked(ctx_);
  // Transitions that random requests show are found with the interpreter first (microseconds a
  // request); the solver then only looks for the others and proves there are no more.
  {
    std::mt19937_64 rng(0xd1ff);
    auto key_of = [&](const pir::Module& m, const pir::Result& r) -> int64_t {
      if (r.error != pir::ErrorCode::None) return (static_cast<int64_t>(r.error) + 200) & 0xff;
      return ids.at(m.enums[m.decision_enum].members.at(r.outcome));
    };
    auto side_of = [&](const pir::Module& m, const pir::Result& r) {
      Side side;
      if (r.error != pir::ErrorCode::None) {
        side.error = r.error;
        side.text = std::string("error(") + pir::Spelling(r.error) + ")";
      } else {
        side.outcome = r.outcome;
        side.text = m.enums[m.decision_enum].members.at(r.outcome);
      }
      return side;
    };
    std::set<std::pair<int64_t, int64_t>> found;
    for (int round = 0; round < 4000; ++round) {
      CubeC p(vars_.size());
      for (size_t i = 0; i < vars_.size(); ++i) {
        const Var& v = vars_[i];
        Constraint& c = p[i];
        c.active = true;
        switch (v.kind) {
          case Var::Bool: c.b = rng() & 1; break;
          case Var::Enum:
          case Var::String:
            if (v.codes.empty()) goto next;
            c.set = {v.codes[rng() % v.codes.size()]};
            break;
          case Var::Ordered: {
            int64_t k;
            uint64_t pick = rng() % 8;
            if (pick == 0 || v.candidates.empty()) {
              k = static_cast<int64_t>(rng());
              if (v.scalar == Var::Int && rng() % 2) k >>= (rng() % 63);
            } else {
              k = v.candidates[rng() % v.candidates.size()];
            }
            c.lo = c.hi = std::clamp(k, v.kmin, v.kmax);
            break;
          }
        }
      }
      {
        auto reqs = PointRequests(p);
        if (!reqs) continue;
        pir::Result ro = interp::Evaluate(*ua_, reqs->first);
        pir::Result rn = interp::Evaluate(*ub_, reqs->second);
        int64_t ko = key_of(a_, ro), kn = key_of(b_, rn);
        if (ko == kn || !found.insert({ko, kn}).second) continue;
        pairs.emplace_back(side_of(a_, ro), side_of(b_, rn));
        seeds.push_back(p);
        keys.emplace_back(ko, kn);
        blocked.push_back(!(key_old == ctx_.bv_val(ko, 8) && key_new == ctx_.bv_val(kn, 8)));
      }
    next:;
    }
  }
  while (true) {
    z3::solver all = MakeSolver();
    all.add(background_);
    all.add(key_old != key_new);
    all.add(blocked);
    if (!Check(all, "finding the outcome transitions")) break;
    z3::model model = all.get_model();
    int64_t ko = ModelInt(model, key_old) & 0xff, kn = ModelInt(model, key_new) & 0xff;
    pairs.emplace_back(SideOf(*old_, model, key_old), SideOf(*new_, model, key_new));
    seeds.push_back(PointOf(model));
    keys.emplace_back(ko, kn);
    blocked.push_back(!(key_old == ctx_.bv_val(ko, 8) && key_new == ctx_.bv_val(kn, 8)));
  }
  enum_phase.reset();
  // The region budget starts now; each transition gets an equal share of what is left (what
  // one leaves unused goes to the next).
  deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.region_time_ms);
  if (options_.total_time_ms) {
    deadline_ = std::min(deadline_, run_start + std::chrono::milliseconds(options_.total_time_ms));
  }
  // Outcome-to-outcome transitions weigh three times as much as those with an error.
  auto weight = [&](size_t k) {
    return pairs[k].first.outcome >= 0 && pairs[k].second.outcome >= 0 ? 3 : 1;
  };
  auto share = [&](int64_t w, int64_t left) {
    auto now = std::chrono::steady_clock::now();
    region_deadline_ = now + (deadline_ > now ? (deadline_ - now) * w / std::max<int64_t>(left, 1)
                                              : std::chrono::steady_clock::duration::zero());
  };
  int64_t weight_left = 0;
  for (size_t k = 0; k < pairs.size(); ++k) weight_left += weight(k);
  // Outcome-to-outcome transitions get the region budget first; error transitions after.
  std::vector<size_t> order(pairs.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    auto errs = [&](size_t k) {
      return (pairs[k].first.outcome < 0 ? 1 : 0) + (pairs[k].second.outcome < 0 ? 1 : 0);
    };
    return errs(x) < errs(y);
  });
  // Regions first (they share the time budget), then witnesses.
  size_t done = 0;
  std::vector<Transition> ts(pairs.size());
  std::vector<std::vector<CubeC>> t_cubes(pairs.size()), t_points(pairs.size());
  auto target_of = [&](size_t k) {
    return key_old == ctx_.bv_val(keys[k].first, 8) && key_new == ctx_.bv_val(keys[k].second, 8);
  };
  for (size_t k : order) {
    share(weight(k), weight_left);
    weight_left -= weight(k);
    ++done;
    Transition& t = ts[k];
    t.from = pairs[k].first;
    t.to = pairs[k].second;
    from_ = &t.from;
    to_ = &t.to;
    Explore(target_of(k), t.from.text + " → " + t.to.text, t, seeds[k], t_cubes[k], t_points[k]);
    from_ = to_ = nullptr;
  }
  for (size_t k : order) {
    Transition& t = ts[k];
    from_ = &t.from;
    to_ = &t.to;
    PickWitnesses(target_of(k), t.from.text + " → " + t.to.text, t, t_cubes[k], t_points[k]);
    from_ = to_ = nullptr;
    result.transitions.push_back(std::move(t));
  }
  auto by_text = [](const Transition& x, const Transition& y) {
    return std::tie(x.from.text, x.to.text) < std::tie(y.from.text, y.to.text);
  };
  std::sort(result.transitions.begin(), result.transitions.end(), by_text);

  if (options_.rules) {
    // Deciding rules by name; a rule only one version has never decides in the other.
    std::set<std::string> names;
    for (const pir::Rule& r : a_.rules) names.insert(r.name);
    for (const pir::Rule& r : b_.rules) names.insert(r.name);
    auto dec = [&](const Encoding& e, const std::string& name) {
      const auto& rules = e.module().rules;
      for (size_t r = 0; r < rules.size(); ++r) {
        if (rules[r].name == name) return e.deciding[r];
      }
      return ctx_.bool_val(false);
    };
    z3::expr_vector differ(ctx_);
    for (const std::string& n : names) differ.push_back(dec(*old_, n) != dec(*new_, n));
    z3::solver s = MakeSolver();
    s.add(background_);
    s.add(key_old == key_new);
    s.add(old_->error == old_->Code(pir::ErrorCode::None));
    s.add(differ.empty() ? ctx_.bool_val(false) : z3::mk_or(differ));
    constexpr int kMaxRuleChanges = 32;
    while (static_cast<int>(result.rule_changes.size()) < kMaxRuleChanges &&
           Check(s, "finding changes of deciding rules")) {
      z3::model model = s.get_model();
      Transition t;
      t.from = SideOf(*old_, model, key_old);
      t.to = SideOf(*new_, model, key_new);
      z3::expr_vector same(ctx_);
      int64_t ko = ModelInt(model, key_old) & 0xff;
      same.push_back(key_old == ctx_.bv_val(ko, 8));
      auto fill = [&](const Encoding& e, Side& side) {
        std::string list;
        for (size_t r = 0; r < e.deciding.size(); ++r) {
          bool d = model.eval(e.deciding[r], true).is_true();
          same.push_back(d ? e.deciding[r] : !e.deciding[r]);
          if (d) {
            side.deciding.push_back(static_cast<int32_t>(r));
            list += (list.empty() ? "" : ", ") + e.module().rules[r].name;
          }
        }
        side.text += " by [" + list + "]";
      };
      fill(*old_, t.from);
      fill(*new_, t.to);
      z3::expr target = z3::mk_and(same);
      s.add(!target);
      share(1, 1);
      std::vector<CubeC> cubes, points;
      const std::string what = "rules " + t.from.text + " → " + t.to.text;
      Explore(target, what, t, PointOf(model), cubes, points);
      PickWitnesses(target, what, t, cubes, points);
      result.rule_changes.push_back(std::move(t));
    }
    std::sort(result.rule_changes.begin(), result.rule_changes.end(), by_text);
  }
  result.notes = notes_;
  return result;
}

}  // namespace

auto Diff(const pir::Module& old_module, const pir::Module& new_module, const DiffOptions& options)
    -> SemanticDiff {
  try {
    Differ d(old_module, new_module, options);
    return d.Run();
  } catch (const SolverGaveUp& e) {
    SemanticDiff r;
    r.ok = false;
    r.error = "the solver gave up while " + e.what;
    return r;
  } catch (const Unsupported& e) {
    SemanticDiff r;
    r.ok = false;
    r.error = std::string("cannot encode the policy: ") + e.what();
    return r;
  } catch (const z3::exception& e) {
    SemanticDiff r;
    r.ok = false;
    r.error = std::string("solver error: ") + e.msg();
    return r;
  }
}

}  // namespace edict::smt
