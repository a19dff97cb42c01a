#include "interp/interpreter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace edict::interp {
namespace {

using pir::Cmp;
using pir::ErrorCode;
using pir::Inst;
using pir::Location;
using pir::Module;
using pir::Op;
using pir::Request;
using pir::Result;
using pir::RtValue;
using pir::TypeKind;
using pir::ValueId;

// 2^63 as a double: the first double above every int64.
constexpr double kTwo63 = 9223372036854775808.0;

// The outcome of evaluating one node: a value, or an error with where it arose.
struct Val {
  ErrorCode error = ErrorCode::None;
  Location loc;
  RtValue value;

  bool ok() const { return error == ErrorCode::None; }
  static Val Fail(ErrorCode code, Location loc) {
    Val v;
    v.error = code;
    v.loc = loc;
    return v;
  }
  static Val Of(RtValue value) {
    Val v;
    v.value = std::move(value);
    return v;
  }
  static Val Int(int64_t i) { return Of(RtValue::Int(i)); }
  static Val Bool(bool b) { return Of(RtValue::Int(b ? 1 : 0)); }
  static Val Float(double f) { return Of(RtValue::Float(f)); }
};

// A memo cell: empty until the node has been evaluated once for this request.
using Memo = std::optional<Val>;

auto InForce(const pir::Validity& v, Date today) -> bool {
  if (v.effective && today < *v.effective) return false;
  if (v.until && !(today < *v.until)) return false;
  return true;
}

// A finite float result, or `non_finite`.
auto FloatResult(double f, Location loc) -> Val {
  if (!std::isfinite(f)) return Val::Fail(ErrorCode::NonFinite, loc);
  return Val::Float(f);
}

// A float rounded to an integral double (by floor/ceil/round) as an int, or `int_overflow`.
auto IntegralToInt(double f, Location loc) -> Val {
  if (!(f >= -kTwo63 && f < kTwo63)) return Val::Fail(ErrorCode::IntOverflow, loc);
  return Val::Int(static_cast<int64_t>(f));
}

auto ApplyCmp(Cmp cmp, int three_way) -> bool {
  switch (cmp) {
    case Cmp::Eq: return three_way == 0;
    case Cmp::Ne: return three_way != 0;
    case Cmp::Lt: return three_way < 0;
    case Cmp::Le: return three_way <= 0;
    case Cmp::Gt: return three_way > 0;
    case Cmp::Ge: return three_way >= 0;
  }
  return false;
}

template <typename T>
auto ThreeWay(const T& a, const T& b) -> int {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Evaluates the nodes of one module for one request, each at most once.
class Evaluator {
 public:
  Evaluator(const Module& m, const Request& req, const Result* done = nullptr)
      : m_(m),
        req_(req),
        done_(done != nullptr && done->error == ErrorCode::None ? done : nullptr),
        insts_(m.insts.size()),
        lets_(m.lets.size()),
        rule_applies_(m.rules.size()),
        exempt_applies_(m.exemptions.size()),
        cap_applies_(m.caps.size()),
        cap_core_(m.caps.size()),
        cap_limit_(m.caps.size()),
        cap_amount_(m.caps.size()) {}

  // The value of instruction `id` (memoised).
  auto Eval(ValueId id) -> const Val&;
  // Runs every root in pir.h order and assembles the result (see interpreter.h for the error
  // convention).
  auto Run() -> Result;
  // A cap's `applies` with defeat.
  auto CapApplies(int32_t c) -> const Val&;

 private:
  auto Compute(const Inst& inst) -> Val;
  auto ComputeCompare(const Inst& inst) -> Val;
  auto ComputeClassify(const Inst& inst, const RtValue& x) -> Val;
  auto ComputeMinMax(const Inst& inst) -> Val;
  auto Let(int32_t l) -> const Val&;
  auto RuleApplies(int32_t r) -> const Val&;
  auto ExemptApplies(int32_t e) -> const Val&;
  // `not any(applies(d) for d in defeaters)`, lazily left to right.
  auto NotDefeated(const std::vector<int32_t>& defeaters) -> Val;
  // in_force(x) and cond(x) and not defeated.
  auto Applies(const pir::Validity& validity, ValueId cond, const std::vector<int32_t>& defeaters)
      -> Val;
  auto CapCore(int32_t c) -> const Val&;
  auto CapLimit(int32_t c) -> const Val&;
  auto CapAmount(int32_t c) -> const Val&;
  auto Usage(int32_t c) const -> int64_t {
    return static_cast<size_t>(c) < req_.usage.size() ? req_.usage[c] : 0;
  }
  auto OutcomeValue() -> Val;

  const Module& m_;
  const Request& req_;
  const Result* done_;  // the completed, error-free result of req_ for properties, or null
  std::vector<Memo> insts_, lets_, rule_applies_, exempt_applies_, cap_applies_, cap_core_,
      cap_limit_, cap_amount_;
  std::optional<Result> own_result_;  // Run() for `Outcome` when no result was given
};

auto Evaluator::Eval(ValueId id) -> const Val& {
  Memo& memo = insts_[id];
  if (!memo) memo = Compute(m_.insts[id]);
  return *memo;
}

auto Evaluator::Let(int32_t l) -> const Val& {
  Memo& memo = lets_[l];
  if (!memo) memo = Eval(m_.lets[l].value);
  return *memo;
}

auto Evaluator::NotDefeated(const std::vector<int32_t>& defeaters) -> Val {
  for (int32_t d : defeaters) {
    const Val& applies = ExemptApplies(d);
    if (!applies.ok()) return applies;
    if (applies.value.i != 0) return Val::Bool(false);
  }
  return Val::Bool(true);
}

auto Evaluator::Applies(const pir::Validity& validity, ValueId cond,
                        const std::vector<int32_t>& defeaters) -> Val {
  if (!InForce(validity, req_.today)) return Val::Bool(false);
  const Val& c = Eval(cond);
  if (!c.ok() || c.value.i == 0) return c;
  return NotDefeated(defeaters);
}

auto Evaluator::RuleApplies(int32_t r) -> const Val& {
  Memo& memo = rule_applies_[r];
  if (!memo) {
    const pir::Rule& rule = m_.rules[r];
    memo = Applies(rule.validity, rule.cond, rule.defeated_by);
  }
  return *memo;
}

auto Evaluator::ExemptApplies(int32_t e) -> const Val& {
  Memo& memo = exempt_applies_[e];
  if (!memo) {
    const pir::Exemption& ex = m_.exemptions[e];
    memo = Applies(ex.validity, ex.cond, ex.defeated_by);
  }
  return *memo;
}

auto Evaluator::CapApplies(int32_t c) -> const Val& {
  Memo& memo = cap_applies_[c];
  if (!memo) memo = Applies(pir::Validity{}, m_.caps[c].applies, m_.caps[c].defeated_by);
  return *memo;
}

auto Evaluator::CapLimit(int32_t c) -> const Val& {
  Memo& memo = cap_limit_[c];
  if (!memo) {
    Val v = Eval(m_.caps[c].limit);
    if (v.ok() && v.value.i < 0) v = Val::Fail(ErrorCode::NegativeLimit, m_.caps[c].loc);
    memo = std::move(v);
  }
  return *memo;
}

auto Evaluator::CapAmount(int32_t c) -> const Val& {
  Memo& memo = cap_amount_[c];
  if (!memo) {
    Val v = Eval(m_.caps[c].amount);
    if (v.ok() && v.value.i < 0) v = Val::Fail(ErrorCode::NegativeAmount, m_.caps[c].loc);
    memo = std::move(v);
  }
  return *memo;
}

// Keys, limit, amount, then the overflow check of usage + amount; the value is usage + amount.
auto Evaluator::CapCore(int32_t c) -> const Val& {
  Memo& memo = cap_core_[c];
  if (memo) return *memo;
  const pir::Cap& cap = m_.caps[c];
  memo = [&]() -> Val {
    for (ValueId k : cap.keys) {
      const Val& key = Eval(k);
      if (!key.ok()) return key;
    }
    const Val& limit = CapLimit(c);
    if (!limit.ok()) return limit;
    const Val& amount = CapAmount(c);
    if (!amount.ok()) return amount;
    int64_t total = 0;
    if (__builtin_add_overflow(Usage(c), amount.value.i, &total)) {
      return Val::Fail(ErrorCode::IntOverflow, cap.loc);
    }
    return Val::Int(total);
  }();
  return *memo;
}

auto Evaluator::OutcomeValue() -> Val {
  if (done_ != nullptr) return Val::Int(done_->outcome);
  if (!own_result_) own_result_ = Run();
  if (own_result_->error != ErrorCode::None) {
    return Val::Fail(own_result_->error, own_result_->error_loc);
  }
  return Val::Int(own_result_->outcome);
}

auto Evaluator::ComputeCompare(const Inst& inst) -> Val {
  const Val& a = Eval(inst.args[0]);
  if (!a.ok()) return a;
  const Val& b = Eval(inst.args[1]);
  if (!b.ok()) return b;
  TypeKind ka = m_.insts[inst.args[0]].type.kind;
  TypeKind kb = m_.insts[inst.args[1]].type.kind;
  int three_way = 0;
  if (ka == TypeKind::Float && kb == TypeKind::Float) {
    three_way = ThreeWay(a.value.f, b.value.f);  // -0.0 == 0.0; values are never NaN
  } else if (ka == TypeKind::Int && kb == TypeKind::Float) {
    three_way = CompareIntFloat(a.value.i, b.value.f);
  } else if (ka == TypeKind::Float && kb == TypeKind::Int) {
    three_way = -CompareIntFloat(b.value.i, a.value.f);
  } else if (ka == TypeKind::String) {
    three_way = ThreeWay(a.value.s, b.value.s);
  } else {
    three_way = ThreeWay(a.value.i, b.value.i);  // Bool, Int, Date, Enum
  }
  return Val::Bool(ApplyCmp(inst.cmp, three_way));
}

auto Evaluator::ComputeMinMax(const Inst& inst) -> Val {
  const Val& a = Eval(inst.args[0]);
  if (!a.ok()) return a;
  const Val& b = Eval(inst.args[1]);
  if (!b.ok()) return b;
  int three_way = inst.type.kind == TypeKind::Float ? ThreeWay(a.value.f, b.value.f)
                                                    : ThreeWay(a.value.i, b.value.i);
  bool take_b = inst.op == Op::Min ? three_way > 0 : three_way < 0;  // ties keep the first
  return take_b ? b : a;
}

auto Evaluator::ComputeClassify(const Inst& inst, const RtValue& x) -> Val {
  const pir::Tiers& t = m_.tiers[inst.imm];
  int32_t tier = t.otherwise_tier;
  switch (t.of.kind) {
    case TypeKind::Enum:
      if (!t.table.empty()) {
        tier = t.table[x.i];
        break;
      }
      [[fallthrough]];  // an enum classified by intervals over its member order
    case TypeKind::Int:
    case TypeKind::Date: {
      // The last interval starting at or below x, if it reaches x.
      auto it =
          std::upper_bound(t.intervals.begin(), t.intervals.end(), x.i,
                           [](int64_t v, const pir::Tiers::Interval& iv) { return v < iv.lo; });
      if (it != t.intervals.begin() && x.i <= std::prev(it)->hi) tier = std::prev(it)->tier;
      break;
    }
    case TypeKind::Float: {
      auto it =
          std::upper_bound(t.intervals.begin(), t.intervals.end(), x.f,
                           [](double v, const pir::Tiers::Interval& iv) { return v < iv.flo; });
      if (it != t.intervals.begin() && x.f <= std::prev(it)->fhi) tier = std::prev(it)->tier;
      break;
    }
    case TypeKind::String: {
      auto it = std::lower_bound(t.string_members.begin(), t.string_members.end(), x.s,
                                 [](const std::pair<std::string, int32_t>& p,
                                    const std::string& v) { return p.first < v; });
      if (it != t.string_members.end() && it->first == x.s) tier = it->second;
      break;
    }
    case TypeKind::Bool: break;
  }
  // Sema proves tiers exhaustive, so `tier` is set; 0 keeps a malformed module from crashing.
  return Val::Int(tier >= 0 ? tier : 0);
}

auto Evaluator::Compute(const Inst& inst) -> Val {
  const Location loc = inst.loc;
  // Evaluates operand k; on error, returns it from Compute.
#define EDICT_OPERAND(name, k)          \
  const Val& name = Eval(inst.args[k]); \
  if (!name.ok()) return name
  switch (inst.op) {
    // Leaves.
    case Op::ConstBool:
    case Op::ConstInt:
    case Op::ConstDate:
    case Op::ConstEnum: return Val::Int(inst.imm);
    case Op::ConstFloat: return Val::Float(inst.fimm);
    case Op::ConstString: return Val::Of(RtValue::Str(m_.strings[inst.imm]));
    case Op::Input: return Val::Of(req_.fields[inst.imm]);
    case Op::Today: return Val::Int(req_.today.days);

    // Named nodes.
    case Op::Let: return Let(static_cast<int32_t>(inst.imm));
    case Op::RuleApplies:
      if (done_ != nullptr && !done_->rules_applied.empty()) {
        return Val::Bool(done_->rules_applied[inst.imm]);
      }
      return RuleApplies(static_cast<int32_t>(inst.imm));
    case Op::ExemptApplies:
      if (done_ != nullptr && !done_->exemptions_applied.empty()) {
        return Val::Bool(done_->exemptions_applied[inst.imm]);
      }
      return ExemptApplies(static_cast<int32_t>(inst.imm));
    case Op::CapApplies:
      if (done_ != nullptr && !done_->caps_applied.empty()) {
        return Val::Bool(done_->caps_applied[inst.imm]);
      }
      return CapApplies(static_cast<int32_t>(inst.imm));
    case Op::CapUsage: return Val::Int(Usage(static_cast<int32_t>(inst.imm)));
    case Op::CapLimit: return CapLimit(static_cast<int32_t>(inst.imm));
    case Op::CapRemaining: {
      auto c = static_cast<int32_t>(inst.imm);
      const Val& limit = CapLimit(c);
      if (!limit.ok()) return limit;
      int64_t rest = 0;
      if (__builtin_sub_overflow(limit.value.i, Usage(c), &rest)) {
        return Val::Fail(ErrorCode::IntOverflow, m_.caps[c].loc);
      }
      return Val::Int(std::max<int64_t>(0, rest));
    }
    case Op::CapExceeds: {
      auto c = static_cast<int32_t>(inst.imm);
      const Val& applies = CapApplies(c);
      if (!applies.ok() || applies.value.i == 0) return applies;
      const Val& total = CapCore(c);
      if (!total.ok()) return total;
      return Val::Bool(total.value.i > CapLimit(c).value.i);
    }
    case Op::Outcome: return OutcomeValue();

    // Lazy control flow.
    case Op::And: {
      EDICT_OPERAND(a, 0);
      if (a.value.i == 0) return a;
      return Eval(inst.args[1]);
    }
    case Op::Or: {
      EDICT_OPERAND(a, 0);
      if (a.value.i != 0) return a;
      return Eval(inst.args[1]);
    }
    case Op::Select: {
      EDICT_OPERAND(c, 0);
      return Eval(inst.args[c.value.i != 0 ? 1 : 2]);
    }
    case Op::Switch: {
      EDICT_OPERAND(s, 0);
      const pir::SwitchTable& table = m_.switches[inst.imm];
      int32_t arm = table.arm_of_member[s.value.i];
      return Eval(inst.args[1 + arm]);
    }

    case Op::Not: {
      EDICT_OPERAND(a, 0);
      return Val::Bool(a.value.i == 0);
    }

    // Int arithmetic.
    case Op::AddInt:
    case Op::SubInt:
    case Op::MulInt: {
      EDICT_OPERAND(a, 0);
      EDICT_OPERAND(b, 1);
      int64_t r = 0;
      bool overflow = inst.op == Op::AddInt   ? __builtin_add_overflow(a.value.i, b.value.i, &r)
                      : inst.op == Op::SubInt ? __builtin_sub_overflow(a.value.i, b.value.i, &r)
                                              : __builtin_mul_overflow(a.value.i, b.value.i, &r);
      if (overflow) return Val::Fail(ErrorCode::IntOverflow, loc);
      return Val::Int(r);
    }
    case Op::RemInt: {
      EDICT_OPERAND(a, 0);
      EDICT_OPERAND(b, 1);
      if (b.value.i == 0) return Val::Fail(ErrorCode::DivisionByZero, loc);
      if (b.value.i == -1) return Val::Int(0);  // INT64_MIN % -1 is 0, not a trap
      return Val::Int(a.value.i % b.value.i);   // C++ `%` truncates: the sign of the dividend
    }
    case Op::NegInt:
    case Op::AbsInt: {
      EDICT_OPERAND(a, 0);
      if (inst.op == Op::AbsInt && a.value.i >= 0) return a;
      int64_t r = 0;
      if (__builtin_sub_overflow(int64_t{0}, a.value.i, &r)) {
        return Val::Fail(ErrorCode::IntOverflow, loc);
      }
      return Val::Int(r);
    }

    // Float arithmetic.
    case Op::AddFloat:
    case Op::SubFloat:
    case Op::MulFloat:
    case Op::DivFloat: {
      EDICT_OPERAND(a, 0);
      EDICT_OPERAND(b, 1);
      double x = a.value.f, y = b.value.f;
      switch (inst.op) {
        case Op::AddFloat: return FloatResult(x + y, loc);
        case Op::SubFloat: return FloatResult(x - y, loc);
        case Op::MulFloat: return FloatResult(x * y, loc);
        default:
          if (y == 0.0) return Val::Fail(ErrorCode::DivisionByZero, loc);  // also -0.0
          return FloatResult(x / y, loc);
      }
    }
    case Op::NegFloat: {
      EDICT_OPERAND(a, 0);
      return Val::Float(-a.value.f);
    }
    case Op::AbsFloat: {
      EDICT_OPERAND(a, 0);
      return Val::Float(std::fabs(a.value.f));
    }
    case Op::IntToFloat: {
      EDICT_OPERAND(a, 0);
      return Val::Float(static_cast<double>(a.value.i));  // round to nearest
    }
    case Op::FloorToInt: {
      EDICT_OPERAND(a, 0);
      return IntegralToInt(std::floor(a.value.f), loc);
    }
    case Op::CeilToInt: {
      EDICT_OPERAND(a, 0);
      return IntegralToInt(std::ceil(a.value.f), loc);
    }
    case Op::RoundToInt: {
      EDICT_OPERAND(a, 0);
      return IntegralToInt(std::round(a.value.f), loc);  // half away from zero
    }
    case Op::Min:
    case Op::Max: return ComputeMinMax(inst);

    // Dates.
    case Op::Year:
    case Op::Month:
    case Op::Day: {
      EDICT_OPERAND(a, 0);
      CivilDate c = ToCivil(Date{static_cast<int32_t>(a.value.i)});
      return Val::Int(inst.op == Op::Year ? c.year : inst.op == Op::Month ? c.month : c.day);
    }
    case Op::DaysBetween: {
      EDICT_OPERAND(a, 0);
      EDICT_OPERAND(b, 1);
      return Val::Int(b.value.i - a.value.i);  // dates are within 0001..9999: no overflow
    }

    case Op::Compare: return ComputeCompare(inst);
    case Op::InSet: {
      EDICT_OPERAND(a, 0);
      const pir::ConstSet& set = m_.sets[inst.imm];
      switch (set.elem.kind) {
        case TypeKind::Float:
          return Val::Bool(std::binary_search(set.floats.begin(), set.floats.end(), a.value.f));
        case TypeKind::String:
          return Val::Bool(std::binary_search(set.strings.begin(), set.strings.end(), a.value.s));
        default: return Val::Bool(std::binary_search(set.ints.begin(), set.ints.end(), a.value.i));
      }
    }
    case Op::Classify: {
      EDICT_OPERAND(a, 0);
      return ComputeClassify(inst, a.value);
    }
  }
#undef EDICT_OPERAND
  return Val::Fail(ErrorCode::BadRequest, loc);  // unreachable for a verified module
}

auto Evaluator::Run() -> Result {
  Result result;
  auto fail = [&](const Val& v) {
    Result r;
    r.error = v.error;
    r.error_loc = v.loc;
    return r;
  };
  if (!InForce(m_.validity, req_.today)) return fail(Val::Fail(ErrorCode::NotInForce, {}));
  // The roots, in pir.h order.
  for (size_t l = 0; l < m_.lets.size(); ++l) {
    if (!m_.lets[l].is_output) continue;
    if (const Val& v = Let(static_cast<int32_t>(l)); !v.ok()) return fail(v);
  }
  for (const pir::Rule& rule : m_.rules) {
    if (!InForce(rule.validity, req_.today)) continue;
    if (const Val& v = Eval(rule.cond); !v.ok()) return fail(v);
  }
  for (const pir::Exemption& ex : m_.exemptions) {
    if (!InForce(ex.validity, req_.today)) continue;
    if (const Val& v = Eval(ex.cond); !v.ok()) return fail(v);
  }
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    const Val& applies = CapApplies(static_cast<int32_t>(c));
    if (!applies.ok()) return fail(applies);
    if (applies.value.i == 0) continue;
    if (const Val& v = CapCore(static_cast<int32_t>(c)); !v.ok()) return fail(v);
  }
  // Every condition in force is evaluated, so `applies` raises no new error; checked anyway.
  result.rules_applied.resize(m_.rules.size());
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    const Val& v = RuleApplies(static_cast<int32_t>(r));
    if (!v.ok()) return fail(v);
    result.rules_applied[r] = v.value.i != 0;
  }
  result.exemptions_applied.resize(m_.exemptions.size());
  for (size_t e = 0; e < m_.exemptions.size(); ++e) {
    const Val& v = ExemptApplies(static_cast<int32_t>(e));
    if (!v.ok()) return fail(v);
    result.exemptions_applied[e] = v.value.i != 0;
  }
  result.caps_applied.resize(m_.caps.size());
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    result.caps_applied[c] = CapApplies(static_cast<int32_t>(c)).value.i != 0;
  }
  // The outcome: the most restrictive (highest) outcome of the applying rules, else the default.
  int32_t outcome = -1;
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    if (result.rules_applied[r]) outcome = std::max(outcome, m_.rules[r].outcome);
  }
  result.outcome = outcome >= 0 ? outcome : m_.default_outcome;
  result.deciding.resize(m_.rules.size());
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    result.deciding[r] = result.rules_applied[r] && m_.rules[r].outcome == result.outcome;
  }
  for (size_t l = 0; l < m_.lets.size(); ++l) {
    if (m_.lets[l].is_output) result.outputs.push_back(Let(static_cast<int32_t>(l)).value);
  }
  result.record.assign(m_.caps.size(), -1);
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    if (result.caps_applied[c] && m_.caps[c].record[result.outcome]) {
      result.record[c] = CapAmount(static_cast<int32_t>(c)).value.i;
    }
  }
  return result;
}

// The key of a ledger slot, for comparing slots between rounds of ResolveCapUsage.
auto SameSlot(const pir::CapSlot& a, const pir::CapSlot& b) -> bool {
  return a.applies == b.applies && a.has_key == b.has_key && a.key == b.key &&
         a.window_start == b.window_start;
}

}  // namespace

auto CompareIntFloat(int64_t a, double b) -> int {
  // Every int64 lies in [-2^63, 2^63); doubles outside that range decide by their sign.
  if (b >= kTwo63) return -1;
  if (b < -kTwo63) return 1;
  // Here floor(b) is an integral double in [-2^63, 2^63), hence exactly an int64.
  double fl = std::floor(b);
  auto whole = static_cast<int64_t>(fl);
  if (a < whole) return -1;
  if (a > whole) return 1;
  return fl == b ? 0 : -1;  // a == floor(b): equal, or below b's fractional part
}

auto Evaluate(const Module& m, const Request& req) -> Result {
  Evaluator ev(m, req);
  return ev.Run();
}

auto ComputeCapSlots(const Module& m, const Request& req) -> std::vector<pir::CapSlot> {
  std::vector<pir::CapSlot> slots(m.caps.size());
  for (size_t c = 0; c < m.caps.size(); ++c) {
    slots[c].window_start = pir::WindowStart(m.caps[c].window, req.today);
  }
  if (!InForce(m.validity, req.today)) return slots;
  Evaluator ev(m, req);
  for (size_t c = 0; c < m.caps.size(); ++c) {
    std::vector<RtValue> key;
    bool has_key = true;
    for (ValueId k : m.caps[c].keys) {
      const Val& v = ev.Eval(k);
      if (!v.ok()) {
        has_key = false;
        break;
      }
      key.push_back(v.value);
    }
    if (!has_key) continue;
    slots[c].has_key = true;
    slots[c].key = std::move(key);
    const Val& applies = ev.CapApplies(static_cast<int32_t>(c));
    slots[c].applies = applies.ok() && applies.value.i != 0;
  }
  return slots;
}

auto ResolveCapUsage(const Module& m, Request& req,
                     const std::function<int64_t(int32_t, const pir::CapSlot&)>& lookup)
    -> std::vector<pir::CapSlot> {
  req.usage.assign(m.caps.size(), 0);
  std::vector<pir::CapSlot> slots = ComputeCapSlots(m, req);
  for (size_t round = 0; round <= m.caps.size(); ++round) {
    for (size_t c = 0; c < m.caps.size(); ++c) {
      req.usage[c] = slots[c].has_key ? lookup(static_cast<int32_t>(c), slots[c]) : 0;
    }
    std::vector<pir::CapSlot> next = ComputeCapSlots(m, req);
    bool same = true;
    for (size_t c = 0; c < m.caps.size(); ++c) same = same && SameSlot(slots[c], next[c]);
    slots = std::move(next);
    if (same) break;
  }
  return slots;
}

auto FormatValue(const Module& m, pir::Type t, const RtValue& v) -> std::string {
  switch (t.kind) {
    case TypeKind::Bool: return v.i != 0 ? "true" : "false";
    case TypeKind::Int: return std::to_string(v.i);
    case TypeKind::Float: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.f);  // shortest round-trip
      return ec == std::errc() ? std::string(buf, end) : std::string("?");
    }
    case TypeKind::String: return v.s;
    case TypeKind::Date: return FormatDate(Date{static_cast<int32_t>(v.i)});
    case TypeKind::Enum: {
      if (t.enum_id >= 0 && static_cast<size_t>(t.enum_id) < m.enums.size()) {
        const auto& members = m.enums[t.enum_id].members;
        if (v.i >= 0 && static_cast<size_t>(v.i) < members.size()) return members[v.i];
      }
      return "?";
    }
  }
  return "?";
}

auto FormatBecause(const Module& m, const pir::Explanation& e, const Request& req) -> std::string {
  Evaluator ev(m, req);
  std::string out;
  for (const pir::Explanation::Piece& piece : e.because) {
    out += piece.text;
    if (piece.value == pir::kNoValue) continue;
    const Val& v = ev.Eval(piece.value);
    if (v.ok()) {
      out += FormatValue(m, m.insts[piece.value].type, v.value);
    } else {
      out += "<error ";
      out += pir::Spelling(v.error);
      out += ">";
    }
  }
  return out;
}

auto EvaluateValue(const Module& m, const Request& req, ValueId v,
                   const Result* outcome_for_properties) -> std::pair<ErrorCode, RtValue> {
  Evaluator ev(m, req, outcome_for_properties);
  const Val& r = ev.Eval(v);
  return {r.error, r.value};
}

auto ConstantValue(const Module& m, ValueId v) -> RtValue {
  const Inst& inst = m.insts[v];
  switch (inst.op) {
    case Op::ConstFloat: return RtValue::Float(inst.fimm);
    case Op::ConstString: return RtValue::Str(m.strings[inst.imm]);
    default: return RtValue::Int(inst.imm);
  }
}

}  // namespace edict::interp
