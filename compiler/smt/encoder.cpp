#include "smt/encoder.h"

#include <algorithm>
#include <array>
#include <limits>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>

namespace edict::smt {
namespace {

using pir::Cmp;
using pir::ErrorCode;
using pir::Inst;
using pir::Op;
using pir::TypeKind;
using pir::ValueId;

constexpr unsigned kErrBits = 8;
constexpr unsigned kDateBits = 32;

auto IsZeroNumeral(const z3::expr& e) -> bool {
  uint64_t v = 0;
  return e.is_numeral() && e.is_bv() && e.is_numeral_u64(v) && v == 0;
}

auto IsTrue(const z3::expr& e) -> bool { return e.is_true(); }
auto IsFalse(const z3::expr& e) -> bool { return e.is_false(); }

// ite that folds the obvious cases, to keep terms small.
auto Ite(const z3::expr& c, const z3::expr& a, const z3::expr& b) -> z3::expr {
  if (IsTrue(c)) return a;
  if (IsFalse(c)) return b;
  if (z3::eq(a, b)) return a;
  return z3::ite(c, a, b);
}

auto And(const z3::expr& a, const z3::expr& b) -> z3::expr {
  if (IsFalse(a) || IsFalse(b)) return a.ctx().bool_val(false);
  if (IsTrue(a)) return b;
  if (IsTrue(b)) return a;
  return a && b;
}

auto Or(const z3::expr& a, const z3::expr& b) -> z3::expr {
  if (IsTrue(a) || IsTrue(b)) return a.ctx().bool_val(true);
  if (IsFalse(a)) return b;
  if (IsFalse(b)) return a;
  return a || b;
}

auto Not(const z3::expr& a) -> z3::expr {
  if (IsTrue(a)) return a.ctx().bool_val(false);
  if (IsFalse(a)) return a.ctx().bool_val(true);
  return !a;
}

}  // namespace

auto EnumWidth(size_t n) -> unsigned {
  unsigned w = 1;
  while ((size_t{1} << w) < n) ++w;
  return w;
}

auto ModelInt(const z3::model& model, const z3::expr& e) -> int64_t {
  z3::expr v = model.eval(e, true);
  if (v.is_bool()) return v.is_true() ? 1 : 0;
  uint64_t u = 0;
  if (!v.is_numeral_u64(u)) {
    std::string s = v.get_decimal_string(0);
    u = std::stoull(s);
  }
  unsigned w = v.get_sort().bv_size();
  if (w < 64 && (u >> (w - 1)) & 1) u |= ~uint64_t{0} << w;  // sign-extend
  return static_cast<int64_t>(u);
}

auto StringUniverse::Index(const std::string& s) const -> int64_t {
  auto it = std::lower_bound(values.begin(), values.begin() + constants, s);
  if (it != values.begin() + constants && *it == s) return it - values.begin();
  return -1;
}

auto MakeStringUniverse(const std::vector<const pir::Module*>& modules) -> StringUniverse {
  std::set<std::string> constants;
  size_t others = 0;
  for (const pir::Module* m : modules) {
    for (const Inst& inst : m->insts) {
      if (inst.op == Op::ConstString) constants.insert(m->strings[inst.imm]);
    }
    for (const pir::ConstSet& s : m->sets) constants.insert(s.strings.begin(), s.strings.end());
    for (const pir::Tiers& t : m->tiers) {
      for (const auto& [s, tier] : t.string_members) constants.insert(s);
    }
    size_t fields = 0;
    for (const pir::InputField& f : m->inputs) fields += f.type.kind == TypeKind::String;
    others = std::max(others, fields);
  }
  StringUniverse u;
  u.values.assign(constants.begin(), constants.end());
  u.constants = u.values.size();
  // Fresh values, distinct from every constant: "other1", "other2", … (skipping taken ones).
  for (size_t n = 1; u.values.size() < u.constants + std::max<size_t>(others, 1); ++n) {
    std::string s = "other" + std::to_string(n);
    if (!constants.count(s)) u.values.push_back(s);
  }
  u.width = EnumWidth(u.values.size());
  return u;
}

struct Encoding::Impl {
  Impl(Encoding& e, z3::context& ctx, const pir::Module& m, const StringUniverse& strings,
       EncodeOptions options)
      : enc(e), ctx(ctx), m(m), strings(strings), options(std::move(options)),
        rne(z3::expr(ctx, Z3_mk_fpa_rne(ctx))),
        dbl(z3::sort(ctx, Z3_mk_fpa_sort_double(ctx))) {}

  Encoding& enc;
  z3::context& ctx;
  const pir::Module& m;
  const StringUniverse& strings;
  EncodeOptions options;
  z3::expr rne;
  z3::sort dbl;

  std::vector<std::optional<SVal>> insts, lets, rule_applies, exempt_applies, cap_applies,
      cap_core, cap_limit, cap_amount;
  std::vector<std::optional<z3::expr>> float_fields;
  std::optional<SVal> run;  // (error, outcome) of the whole request

  auto Err(ErrorCode c) -> z3::expr { return ctx.bv_val(static_cast<unsigned>(c), kErrBits); }
  auto NoErr() -> z3::expr { return Err(ErrorCode::None); }
  auto Ok(const z3::expr& err) -> z3::expr {
    if (IsZeroNumeral(err)) return ctx.bool_val(true);
    return err == NoErr();
  }
  // The first error of `a`, else `b`.
  auto Then(const z3::expr& a, const z3::expr& b) -> z3::expr {
    if (IsZeroNumeral(a)) return b;
    if (IsZeroNumeral(b)) return a;
    return Ite(a != NoErr(), a, b);
  }
  auto Pure(z3::expr v) -> SVal { return SVal{NoErr(), std::move(v)}; }

  auto Width(pir::Type t) -> unsigned {
    switch (t.kind) {
      case TypeKind::Int: return 64;
      case TypeKind::Date: return kDateBits;
      case TypeKind::Enum: return EnumWidth(m.enums[t.enum_id].members.size());
      case TypeKind::String: return strings.width;
      default: return 0;
    }
  }
  auto Int(int64_t v) -> z3::expr { return ctx.bv_val(v, 64); }
  // Exact signed overflow checks by widening (Z3 4.8's bvmul_no_overflow is wrong for some
  // negative operands, e.g. 68 * -1, so none of its overflow predicates are used).
  // a + b overflows exactly when a and b have one sign and the sum the other.
  static auto Sign(const z3::expr& a) -> z3::expr { return a.extract(63, 63); }
  static auto AddOk(const z3::expr& a, const z3::expr& b) -> z3::expr {
    return Sign(a) != Sign(b) || Sign(a + b) == Sign(a);
  }
  static auto SubOk(const z3::expr& a, const z3::expr& b) -> z3::expr {
    return Sign(a) == Sign(b) || Sign(a - b) == Sign(a);
  }
  static auto MulOk(const z3::expr& a, const z3::expr& b) -> z3::expr {
    return z3::sext(a, 64) * z3::sext(b, 64) == z3::sext(a * b, 64);
  }
  auto Bits(uint64_t v, unsigned w) -> z3::expr { return ctx.bv_val(v, w); }
  auto Fp(double d) -> z3::expr {
    uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    return FpOfBits(ctx.bv_val(bits, 64));
  }
  auto FpOfBits(const z3::expr& bits) -> z3::expr {
    return z3::expr(ctx, Z3_mk_fpa_to_fp_bv(ctx, bits, dbl));
  }
  auto Rm(Z3_ast rm) -> z3::expr { return z3::expr(ctx, rm); }
  auto IsNonFinite(const z3::expr& f) -> z3::expr {
    return z3::expr(ctx, Z3_mk_fpa_is_infinite(ctx, f)) || z3::expr(ctx, Z3_mk_fpa_is_nan(ctx, f));
  }
  auto FpLt(const z3::expr& a, const z3::expr& b) -> z3::expr {
    return z3::expr(ctx, Z3_mk_fpa_lt(ctx, a, b));
  }
  auto FpLe(const z3::expr& a, const z3::expr& b) -> z3::expr {
    return z3::expr(ctx, Z3_mk_fpa_leq(ctx, a, b));
  }
  auto FpEq(const z3::expr& a, const z3::expr& b) -> z3::expr {
    return z3::expr(ctx, Z3_mk_fpa_eq(ctx, a, b));
  }

  // A constant of type `t` from an int64 payload (bool, int, date, enum).
  auto Const(pir::Type t, int64_t v) -> z3::expr {
    if (t.kind == TypeKind::Bool) return ctx.bool_val(v != 0);
    return ctx.bv_val(static_cast<uint64_t>(v), Width(t));
  }

  // Ordered comparison (lt, eq) of two values of one kind.
  auto ThreeWay(TypeKind ka, TypeKind kb, const z3::expr& a, const z3::expr& b)
      -> std::pair<z3::expr, z3::expr> {
    if (ka == TypeKind::Float && kb == TypeKind::Float) return {FpLt(a, b), FpEq(a, b)};
    if (ka == TypeKind::Int && kb == TypeKind::Float) return IntFloat(a, b);
    if (ka == TypeKind::Float && kb == TypeKind::Int) {
      auto [lt, eq] = IntFloat(b, a);  // b <=> a; a <=> b is its negation
      return {Not(lt) && Not(eq), eq};
    }
    if (ka == TypeKind::String) {
      // Only == and != are allowed on strings; `lt` is never asked for.
      return {ctx.bool_val(false), a == b};
    }
    if (ka == TypeKind::Bool) {
      return {Not(a) && b, a == b};
    }
    if (ka == TypeKind::Enum) return {z3::ult(a, b), a == b};
    return {a < b, a == b};  // Int, Date: signed
  }

  // interp::CompareIntFloat(a, b), as (a < b, a == b).
  auto IntFloat(const z3::expr& a, const z3::expr& b) -> std::pair<z3::expr, z3::expr> {
    constexpr double kTwo63 = 9223372036854775808.0;
    z3::expr above = FpLe(Fp(kTwo63), b);   // b >= 2^63: a < b
    z3::expr below = FpLt(b, Fp(-kTwo63));  // b < -2^63: a > b
    z3::expr fl = z3::expr(ctx, Z3_mk_fpa_round_to_integral(ctx, Z3_mk_fpa_rtn(ctx), b));
    z3::expr whole = z3::expr(ctx, Z3_mk_fpa_to_sbv(ctx, Z3_mk_fpa_rtz(ctx), fl, 64));
    z3::expr integral = FpEq(fl, b);
    z3::expr lt = above || (Not(below) && (a < whole || (a == whole && !integral)));
    z3::expr eq = Not(above) && Not(below) && a == whole && integral;
    return {lt, eq};
  }

  static auto ApplyCmp(Cmp cmp, const z3::expr& lt, const z3::expr& eq) -> z3::expr {
    switch (cmp) {
      case Cmp::Eq: return eq;
      case Cmp::Ne: return !eq;
      case Cmp::Lt: return lt;
      case Cmp::Le: return lt || eq;
      case Cmp::Gt: return !lt && !eq;
      case Cmp::Ge: return !lt;
    }
    return eq;
  }

  auto InForce(const pir::Validity& v) -> z3::expr {
    z3::expr r = ctx.bool_val(true);
    if (v.effective) r = And(r, enc.today >= Bits(static_cast<uint32_t>(v.effective->days), kDateBits));
    if (v.until) r = And(r, enc.today < Bits(static_cast<uint32_t>(v.until->days), kDateBits));
    return r.simplify();
  }

  auto Eval(ValueId id) -> SVal {
    if (!insts[id]) insts[id] = Compute(m.insts[id]);
    return *insts[id];
  }

  auto Let(int32_t l) -> SVal {
    if (!lets[l]) lets[l] = Eval(m.lets[l].value);
    return *lets[l];
  }

  auto NotDefeated(const std::vector<int32_t>& defeaters) -> SVal {
    // Lazily left to right: the first defeater that errs or applies ends the scan.
    z3::expr err = NoErr();
    z3::expr val = ctx.bool_val(true);
    for (auto it = defeaters.rbegin(); it != defeaters.rend(); ++it) {
      SVal a = ExemptApplies(*it);
      // err_i = a.err != 0 ? a.err : (a.v ? 0 : err_{i+1})
      err = Then(a.err, Ite(a.v, NoErr(), err));
      val = And(Not(a.v), val);
    }
    return SVal{err, val};
  }

  auto Applies(const pir::Validity& validity, ValueId cond, const std::vector<int32_t>& defeaters)
      -> SVal {
    z3::expr in_force = InForce(validity);
    SVal c = Eval(cond);
    SVal nd = NotDefeated(defeaters);
    z3::expr err = Ite(in_force, Then(c.err, Ite(c.v, nd.err, NoErr())), NoErr());
    z3::expr val = And(in_force, And(c.v, nd.v));
    return SVal{err, val};
  }

  auto RuleApplies(int32_t r) -> SVal {
    if (!rule_applies[r]) {
      const pir::Rule& rule = m.rules[r];
      rule_applies[r] = Applies(rule.validity, rule.cond, rule.defeated_by);
    }
    return *rule_applies[r];
  }
  auto ExemptApplies(int32_t e) -> SVal {
    if (!exempt_applies[e]) {
      const pir::Exemption& ex = m.exemptions[e];
      exempt_applies[e] = Applies(ex.validity, ex.cond, ex.defeated_by);
    }
    return *exempt_applies[e];
  }
  auto CapApplies(int32_t c) -> SVal {
    if (!cap_applies[c]) cap_applies[c] = Applies(pir::Validity{}, m.caps[c].applies, m.caps[c].defeated_by);
    return *cap_applies[c];
  }
  auto CapLimit(int32_t c) -> SVal {
    if (!cap_limit[c]) {
      SVal v = Eval(m.caps[c].limit);
      cap_limit[c] = SVal{Then(v.err, Ite(v.v < Int(0), Err(ErrorCode::NegativeLimit), NoErr())), v.v};
    }
    return *cap_limit[c];
  }
  auto CapAmount(int32_t c) -> SVal {
    if (!cap_amount[c]) {
      SVal v = Eval(m.caps[c].amount);
      cap_amount[c] = SVal{Then(v.err, Ite(v.v < Int(0), Err(ErrorCode::NegativeAmount), NoErr())), v.v};
    }
    return *cap_amount[c];
  }
  auto CapCore(int32_t c) -> SVal {
    if (cap_core[c]) return *cap_core[c];
    const pir::Cap& cap = m.caps[c];
    std::vector<z3::expr> errs;
    for (ValueId k : cap.keys) errs.push_back(Eval(k).err);
    SVal limit = CapLimit(c);
    SVal amount = CapAmount(c);
    errs.push_back(limit.err);
    errs.push_back(amount.err);
    const z3::expr& u = enc.usage[c];
    z3::expr overflow = !AddOk(u, amount.v);
    z3::expr err = Ite(overflow, Err(ErrorCode::IntOverflow), NoErr());
    for (auto it = errs.rbegin(); it != errs.rend(); ++it) err = Then(*it, err);
    cap_core[c] = SVal{err, u + amount.v};
    return *cap_core[c];
  }

  // The whole request: (first error, outcome).
  auto Run() -> SVal {
    if (run) return *run;
    std::vector<z3::expr> errs;
    if (options.policy_validity) {
      errs.push_back(Ite(InForce(m.validity), NoErr(), Err(ErrorCode::NotInForce)));
    }
    for (size_t l = 0; l < m.lets.size(); ++l) {
      if (m.lets[l].is_output) errs.push_back(Let(static_cast<int32_t>(l)).err);
    }
    for (const pir::Rule& rule : m.rules) {
      errs.push_back(Ite(InForce(rule.validity), Eval(rule.cond).err, NoErr()));
    }
    for (const pir::Exemption& ex : m.exemptions) {
      errs.push_back(Ite(InForce(ex.validity), Eval(ex.cond).err, NoErr()));
    }
    for (size_t c = 0; c < m.caps.size(); ++c) {
      SVal a = CapApplies(static_cast<int32_t>(c));
      errs.push_back(Then(a.err, Ite(a.v, CapCore(static_cast<int32_t>(c)).err, NoErr())));
    }
    z3::expr err = NoErr();
    for (auto it = errs.rbegin(); it != errs.rend(); ++it) err = Then(*it, err);
    // The outcome: the most restrictive member proposed by an applying rule, else the default.
    const size_t members = m.enums[m.decision_enum].members.size();
    const unsigned w = EnumWidth(members);
    z3::expr outcome = Bits(static_cast<uint64_t>(m.default_outcome), w);
    for (size_t o = 0; o < members; ++o) {  // later (more restrictive) members wrap earlier ones
      z3::expr any = ctx.bool_val(false);
      for (size_t r = 0; r < m.rules.size(); ++r) {
        if (m.rules[r].outcome == static_cast<int32_t>(o)) {
          any = Or(any, RuleApplies(static_cast<int32_t>(r)).v);
        }
      }
      outcome = Ite(any, Bits(o, w), outcome);
    }
    run = SVal{err.simplify(), outcome};
    return *run;
  }

  auto Classify(const Inst& inst, const z3::expr& x) -> z3::expr {
    const pir::Tiers& t = m.tiers[inst.imm];
    const unsigned w = EnumWidth(m.enums[t.enum_id].members.size());
    z3::expr tier = Bits(static_cast<uint64_t>(std::max(t.otherwise_tier, 0)), w);
    switch (t.of.kind) {
      case TypeKind::Enum:
        if (!t.table.empty()) {
          // One disjunction of member equalities per tier (the otherwise tier is the fallback).
          const unsigned xw = Width(t.of);
          std::map<int32_t, z3::expr_vector> by_tier;
          for (size_t i = 0; i < t.table.size(); ++i) {
            auto [it, inserted] = by_tier.try_emplace(t.table[i], ctx);
            it->second.push_back(x == Bits(i, xw));
          }
          if (!by_tier.empty()) tier = Bits(static_cast<uint64_t>(by_tier.rbegin()->first), w);
          for (auto it = std::next(by_tier.rbegin()); it != by_tier.rend(); ++it) {
            tier = Ite(z3::mk_or(it->second), Bits(static_cast<uint64_t>(it->first), w), tier);
          }
          return tier;
        }
        [[fallthrough]];
      case TypeKind::Int:
      case TypeKind::Date: {
        const unsigned xw = Width(t.of);
        const bool is_signed = t.of.kind != TypeKind::Enum;
        auto clamp = [&](int64_t v) -> int64_t {
          if (xw >= 64) return v;
          int64_t lo = is_signed ? -(int64_t{1} << (xw - 1)) : 0;
          int64_t hi = is_signed ? (int64_t{1} << (xw - 1)) - 1 : (int64_t{1} << xw) - 1;
          return std::clamp(v, lo, hi);
        };
        for (auto it = t.intervals.rbegin(); it != t.intervals.rend(); ++it) {
          z3::expr lo = Bits(static_cast<uint64_t>(clamp(it->lo)), xw);
          z3::expr hi = Bits(static_cast<uint64_t>(clamp(it->hi)), xw);
          z3::expr in = is_signed ? (lo <= x && x <= hi) : (z3::ule(lo, x) && z3::ule(x, hi));
          tier = Ite(in, Bits(static_cast<uint64_t>(it->tier), w), tier);
        }
        return tier;
      }
      case TypeKind::Float:
        for (auto it = t.intervals.rbegin(); it != t.intervals.rend(); ++it) {
          z3::expr in = FpLe(Fp(it->flo), x) && FpLe(x, Fp(it->fhi));
          tier = Ite(in, Bits(static_cast<uint64_t>(it->tier), w), tier);
        }
        return tier;
      case TypeKind::String:
        for (auto it = t.string_members.rbegin(); it != t.string_members.rend(); ++it) {
          int64_t idx = strings.Index(it->first);
          if (idx < 0) continue;
          tier = Ite(x == Bits(static_cast<uint64_t>(idx), strings.width),
                     Bits(static_cast<uint64_t>(it->second), w), tier);
        }
        return tier;
      case TypeKind::Bool: return tier;
    }
    return tier;
  }

  // Civil date parts of a 32-bit day number, as interp's ToCivil computes them.
  auto Civil(const z3::expr& days) -> std::array<z3::expr, 3> {
    auto c = [&](int64_t v) { return ctx.bv_val(static_cast<uint64_t>(v), kDateBits); };
    z3::expr z = days + c(719468);
    z3::expr era = z3::expr(ctx, Z3_mk_bvsdiv(ctx, Ite(z >= c(0), z, z - c(146096)), c(146097)));
    z3::expr doe = z - era * c(146097);
    auto udiv = [&](const z3::expr& a, int64_t b) { return z3::udiv(a, c(b)); };
    z3::expr yoe = udiv(doe - udiv(doe, 1460) + udiv(doe, 36524) - udiv(doe, 146096), 365);
    z3::expr y = yoe + era * c(400);
    z3::expr doy = doe - (c(365) * yoe + udiv(yoe, 4) - udiv(yoe, 100));
    z3::expr mp = udiv(c(5) * doy + c(2), 153);
    z3::expr d = doy - udiv(c(153) * mp + c(2), 5) + c(1);
    z3::expr mo = Ite(z3::ult(mp, c(10)), mp + c(3), mp - c(9));
    z3::expr yr = y + Ite(z3::ule(mo, c(2)), c(1), c(0));
    return {z3::sext(yr, 32), z3::sext(mo, 32), z3::sext(d, 32)};
  }

  auto Compute(const Inst& inst) -> SVal;

  // A bound on the magnitude of a float value (infinity when unknown): a float operation whose
  // result provably stays finite needs no `non_finite` check, which keeps the floating-point
  // circuits out of the error term (e.g. `tpp / 15831.2` for an int `tpp`).
  std::vector<std::optional<double>> fbound;
  auto FloatBound(ValueId id) -> double {
    if (fbound.empty()) fbound.resize(m.insts.size());
    if (fbound[id]) return *fbound[id];
    const Inst& inst = m.insts[id];
    constexpr double kInf = std::numeric_limits<double>::infinity();
    auto arg = [&](size_t k) { return FloatBound(inst.args[k]); };
    double b = kInf;
    switch (inst.op) {
      case Op::ConstFloat: b = std::fabs(inst.fimm); break;
      case Op::IntToFloat: b = 9223372036854775808.0; break;
      case Op::Let: b = FloatBound(m.lets[inst.imm].value); break;
      case Op::NegFloat:
      case Op::AbsFloat: b = arg(0); break;
      case Op::AddFloat:
      case Op::SubFloat: b = (arg(0) + arg(1)) * (1 + 1e-15); break;
      case Op::MulFloat: b = arg(0) * arg(1) * (1 + 1e-15); break;
      case Op::DivFloat: {
        const Inst& d = m.insts[inst.args[1]];
        if (d.op == Op::ConstFloat && d.fimm != 0.0) b = arg(0) / std::fabs(d.fimm) * (1 + 1e-15);
        break;
      }
      case Op::Min:
      case Op::Max: b = std::max(arg(0), arg(1)); break;
      case Op::Select: b = std::max(arg(1), arg(2)); break;
      case Op::Switch:
        b = 0;
        for (size_t k = 1; k < inst.args.size(); ++k) b = std::max(b, arg(k));
        break;
      default: break;
    }
    if (std::isnan(b)) b = kInf;
    fbound[id] = b;
    return b;
  }
  auto MayBeNonFinite(const Inst& inst) -> bool {
    double b = 0;
    switch (inst.op) {
      case Op::AddFloat:
      case Op::SubFloat: b = (FloatBound(inst.args[0]) + FloatBound(inst.args[1])) * 1.01; break;
      case Op::MulFloat: b = FloatBound(inst.args[0]) * FloatBound(inst.args[1]) * 1.01; break;
      case Op::DivFloat: {
        const Inst& d = m.insts[inst.args[1]];
        if (d.op != Op::ConstFloat || d.fimm == 0.0) return true;
        b = FloatBound(inst.args[0]) / std::fabs(d.fimm) * 1.01;
        break;
      }
      default: return true;
    }
    return !(b < std::numeric_limits<double>::max());
  }
};

auto Encoding::Impl::Compute(const Inst& inst) -> SVal {
  auto operand = [&](size_t k) { return Eval(inst.args[k]); };
  switch (inst.op) {
    case Op::ConstBool:
    case Op::ConstInt:
    case Op::ConstDate:
    case Op::ConstEnum: return Pure(Const(inst.type, inst.imm));
    case Op::ConstFloat: return Pure(Fp(inst.fimm));
    case Op::ConstString: {
      int64_t idx = strings.Index(m.strings[inst.imm]);
      return Pure(Bits(static_cast<uint64_t>(std::max<int64_t>(idx, 0)), strings.width));
    }
    case Op::Input: {
      auto f = static_cast<size_t>(inst.imm);
      if (m.inputs[f].type.kind == TypeKind::Float) return Pure(enc.FloatOf(f));
      return Pure(enc.fields[f]);
    }
    case Op::Today: return Pure(enc.today);
    case Op::Let: return Let(static_cast<int32_t>(inst.imm));
    case Op::RuleApplies: {
      // Properties only: read from the completed result, i.e. only when the request succeeds.
      SVal r = Run();
      return SVal{r.err, RuleApplies(static_cast<int32_t>(inst.imm)).v};
    }
    case Op::ExemptApplies: {
      SVal r = Run();
      return SVal{r.err, ExemptApplies(static_cast<int32_t>(inst.imm)).v};
    }
    case Op::CapApplies: return CapApplies(static_cast<int32_t>(inst.imm));
    case Op::CapUsage: return Pure(enc.usage[inst.imm]);
    case Op::CapLimit: return CapLimit(static_cast<int32_t>(inst.imm));
    case Op::CapRemaining: {
      auto c = static_cast<int32_t>(inst.imm);
      SVal limit = CapLimit(c);
      const z3::expr& u = enc.usage[c];
      z3::expr ok = SubOk(limit.v, u);
      z3::expr rest = limit.v - u;
      return SVal{Then(limit.err, Ite(ok, NoErr(), Err(ErrorCode::IntOverflow))),
                  Ite(rest < Int(0), Int(0), rest)};
    }
    case Op::CapExceeds: {
      auto c = static_cast<int32_t>(inst.imm);
      SVal a = CapApplies(c);
      SVal core = CapCore(c);
      SVal limit = CapLimit(c);
      z3::expr err = Then(a.err, Ite(a.v, core.err, NoErr()));
      return SVal{err, And(a.v, core.v > limit.v)};
    }
    case Op::Outcome: return Run();

    case Op::And: {
      SVal a = operand(0), b = operand(1);
      return SVal{Then(a.err, Ite(a.v, b.err, NoErr())), And(a.v, b.v)};
    }
    case Op::Or: {
      SVal a = operand(0), b = operand(1);
      return SVal{Then(a.err, Ite(a.v, NoErr(), b.err)), Or(a.v, b.v)};
    }
    case Op::Select: {
      SVal c = operand(0), a = operand(1), b = operand(2);
      return SVal{Then(c.err, Ite(c.v, a.err, b.err)), Ite(c.v, a.v, b.v)};
    }
    case Op::Switch: {
      SVal s = operand(0);
      const pir::SwitchTable& table = m.switches[inst.imm];
      const pir::Type st = m.insts[inst.args[0]].type;
      std::vector<SVal> arms;
      for (size_t k = 1; k < inst.args.size(); ++k) arms.push_back(operand(k));
      if (table.arm_of_member.empty()) return arms.at(0);
      SVal r = arms[table.arm_of_member.back()];
      for (size_t i = table.arm_of_member.size() - 1; i-- > 0;) {
        z3::expr is = st.kind == TypeKind::Bool ? (i == 0 ? !s.v : s.v)
                                               : s.v == Bits(i, Width(st));
        const SVal& arm = arms[table.arm_of_member[i]];
        r = SVal{Ite(is, arm.err, r.err), Ite(is, arm.v, r.v)};
      }
      return SVal{Then(s.err, r.err), r.v};
    }
    case Op::Not: {
      SVal a = operand(0);
      return SVal{a.err, Not(a.v)};
    }
    case Op::AddInt:
    case Op::SubInt:
    case Op::MulInt: {
      SVal a = operand(0), b = operand(1);
      z3::expr ok(ctx), r(ctx);
      if (inst.op == Op::AddInt) {
        ok = AddOk(a.v, b.v);
        r = a.v + b.v;
      } else if (inst.op == Op::SubInt) {
        ok = SubOk(a.v, b.v);
        r = a.v - b.v;
      } else {
        ok = MulOk(a.v, b.v);
        r = a.v * b.v;
      }
      return SVal{Then(a.err, Then(b.err, Ite(ok, NoErr(), Err(ErrorCode::IntOverflow)))), r};
    }
    case Op::RemInt: {
      SVal a = operand(0), b = operand(1);
      z3::expr own = Ite(b.v == Int(0), Err(ErrorCode::DivisionByZero), NoErr());
      z3::expr r = Ite(b.v == Int(-1), Int(0), z3::srem(a.v, b.v));
      return SVal{Then(a.err, Then(b.err, own)), r};
    }
    case Op::NegInt:
    case Op::AbsInt: {
      SVal a = operand(0);
      z3::expr min = Int(std::numeric_limits<int64_t>::min());
      z3::expr negate = inst.op == Op::NegInt ? ctx.bool_val(true) : a.v < Int(0);
      z3::expr own = Ite(negate && a.v == min, Err(ErrorCode::IntOverflow), NoErr());
      return SVal{Then(a.err, own), Ite(negate, -a.v, a.v)};
    }
    case Op::AddFloat:
    case Op::SubFloat:
    case Op::MulFloat:
    case Op::DivFloat: {
      SVal a = operand(0), b = operand(1);
      z3::expr r(ctx);
      z3::expr own = NoErr();
      switch (inst.op) {
        case Op::AddFloat: r = z3::expr(ctx, Z3_mk_fpa_add(ctx, rne, a.v, b.v)); break;
        case Op::SubFloat: r = z3::expr(ctx, Z3_mk_fpa_sub(ctx, rne, a.v, b.v)); break;
        case Op::MulFloat: r = z3::expr(ctx, Z3_mk_fpa_mul(ctx, rne, a.v, b.v)); break;
        default:
          r = z3::expr(ctx, Z3_mk_fpa_div(ctx, rne, a.v, b.v));
          own = Ite(z3::expr(ctx, Z3_mk_fpa_is_zero(ctx, b.v)), Err(ErrorCode::DivisionByZero),
                    NoErr());
          break;
      }
      if (MayBeNonFinite(inst)) {
        own = Then(own, Ite(IsNonFinite(r), Err(ErrorCode::NonFinite), NoErr()));
      }
      return SVal{Then(a.err, Then(b.err, own)), r};
    }
    case Op::NegFloat: {
      SVal a = operand(0);
      return SVal{a.err, z3::expr(ctx, Z3_mk_fpa_neg(ctx, a.v))};
    }
    case Op::AbsFloat: {
      SVal a = operand(0);
      return SVal{a.err, z3::expr(ctx, Z3_mk_fpa_abs(ctx, a.v))};
    }
    case Op::IntToFloat: {
      SVal a = operand(0);
      return SVal{a.err, z3::expr(ctx, Z3_mk_fpa_to_fp_signed(ctx, rne, a.v, dbl))};
    }
    case Op::FloorToInt:
    case Op::CeilToInt:
    case Op::RoundToInt: {
      SVal a = operand(0);
      Z3_ast rm = inst.op == Op::FloorToInt  ? Z3_mk_fpa_rtn(ctx)
                  : inst.op == Op::CeilToInt ? Z3_mk_fpa_rtp(ctx)
                                             : Z3_mk_fpa_rna(ctx);
      z3::expr f = z3::expr(ctx, Z3_mk_fpa_round_to_integral(ctx, rm, a.v));
      constexpr double kTwo63 = 9223372036854775808.0;
      z3::expr in_range = FpLe(Fp(-kTwo63), f) && FpLt(f, Fp(kTwo63));
      z3::expr v = z3::expr(ctx, Z3_mk_fpa_to_sbv(ctx, Z3_mk_fpa_rtz(ctx), f, 64));
      return SVal{Then(a.err, Ite(in_range, NoErr(), Err(ErrorCode::IntOverflow))), v};
    }
    case Op::Min:
    case Op::Max: {
      SVal a = operand(0), b = operand(1);
      TypeKind k = inst.type.kind;
      auto [lt, eq] = ThreeWay(k, k, a.v, b.v);
      z3::expr take_b = inst.op == Op::Min ? (!lt && !eq) : lt;
      return SVal{Then(a.err, b.err), Ite(take_b, b.v, a.v)};
    }
    case Op::Year:
    case Op::Month:
    case Op::Day: {
      SVal a = operand(0);
      auto parts = Civil(a.v);
      size_t i = inst.op == Op::Year ? 0 : inst.op == Op::Month ? 1 : 2;
      return SVal{a.err, parts[i]};
    }
    case Op::DaysBetween: {
      SVal a = operand(0), b = operand(1);
      return SVal{Then(a.err, b.err), z3::sext(b.v, 32) - z3::sext(a.v, 32)};
    }
    case Op::Compare: {
      SVal a = operand(0), b = operand(1);
      TypeKind ka = m.insts[inst.args[0]].type.kind;
      TypeKind kb = m.insts[inst.args[1]].type.kind;
      if (ka == TypeKind::String && inst.cmp != Cmp::Eq && inst.cmp != Cmp::Ne) {
        throw Unsupported("ordering comparison of strings");
      }
      auto [lt, eq] = ThreeWay(ka, kb, a.v, b.v);
      return SVal{Then(a.err, b.err), ApplyCmp(inst.cmp, lt, eq)};
    }
    case Op::InSet: {
      SVal a = operand(0);
      const pir::ConstSet& set = m.sets[inst.imm];
      z3::expr_vector any(ctx);
      switch (set.elem.kind) {
        case TypeKind::Float:
          for (double f : set.floats) any.push_back(FpEq(a.v, Fp(f)));
          break;
        case TypeKind::String:
          for (const std::string& s : set.strings) {
            int64_t idx = strings.Index(s);
            if (idx >= 0) any.push_back(a.v == Bits(static_cast<uint64_t>(idx), strings.width));
          }
          break;
        default:
          for (int64_t v : set.ints) any.push_back(a.v == Const(set.elem, v));
          break;
      }
      return SVal{a.err, any.empty() ? ctx.bool_val(false) : z3::mk_or(any)};
    }
    case Op::Classify: {
      SVal a = operand(0);
      return SVal{a.err, Classify(inst, a.v)};
    }
  }
  throw Unsupported("unknown instruction");
}

Encoding::Encoding(z3::context& ctx, const pir::Module& m, const StringUniverse& strings,
                   EncodeOptions options)
    : today(ctx),
      domain(ctx),
      error(ctx),
      outcome(ctx),
      ctx_(ctx),
      m_(m),
      strings_(strings) {
  impl_ = std::make_unique<Impl>(*this, ctx, m, strings, std::move(options));
  Impl& I = *impl_;
  const std::string& p = I.options.prefix;
  I.insts.resize(m.insts.size());
  I.lets.resize(m.lets.size());
  I.rule_applies.resize(m.rules.size());
  I.exempt_applies.resize(m.exemptions.size());
  I.cap_applies.resize(m.caps.size());
  I.cap_core.resize(m.caps.size());
  I.cap_limit.resize(m.caps.size());
  I.cap_amount.resize(m.caps.size());
  I.float_fields.resize(m.inputs.size());

  z3::expr_vector dom(ctx);
  for (size_t f = 0; f < m.inputs.size(); ++f) {
    const pir::InputField& field = m.inputs[f];
    std::string name = p + field.name;
    switch (field.type.kind) {
      case TypeKind::Bool: fields.push_back(ctx.bool_const(name.c_str())); break;
      case TypeKind::Float: {
        fields.push_back(ctx.bv_const(name.c_str(), 64));
        I.float_fields[f] = I.FpOfBits(fields.back());
        dom.push_back(!I.IsNonFinite(*I.float_fields[f]));
        break;
      }
      case TypeKind::Date:
        fields.push_back(ctx.bv_const(name.c_str(), kDateBits));
        dom.push_back(fields.back() >= ctx.bv_val(kMinDate.days, kDateBits));
        dom.push_back(fields.back() <= ctx.bv_val(kMaxDate.days, kDateBits));
        break;
      case TypeKind::Enum: {
        size_t n = m.enums[field.type.enum_id].members.size();
        unsigned w = EnumWidth(n);
        fields.push_back(ctx.bv_const(name.c_str(), w));
        if (n < (size_t{1} << w)) dom.push_back(z3::ult(fields.back(), ctx.bv_val(n, w)));
        break;
      }
      case TypeKind::String: {
        fields.push_back(ctx.bv_const(name.c_str(), strings.width));
        size_t n = strings.values.size();
        if (n < (size_t{1} << strings.width)) {
          dom.push_back(z3::ult(fields.back(), ctx.bv_val(n, strings.width)));
        }
        break;
      }
      case TypeKind::Int: fields.push_back(ctx.bv_const(name.c_str(), 64)); break;
    }
  }
  today = ctx.bv_const((p + "today").c_str(), kDateBits);
  dom.push_back(today >= ctx.bv_val(kMinDate.days, kDateBits));
  dom.push_back(today <= ctx.bv_val(kMaxDate.days, kDateBits));
  for (const pir::Cap& cap : m.caps) {
    usage.push_back(ctx.bv_const((p + "usage." + cap.name).c_str(), 64));
    dom.push_back(usage.back() >= ctx.bv_val(0, 64));
  }
  domain = dom.empty() ? ctx.bool_val(true) : z3::mk_and(dom);

  SVal run = I.Run();
  error = run.err;
  outcome = run.v;
  for (size_t r = 0; r < m.rules.size(); ++r) {
    rule_applies.push_back(I.RuleApplies(static_cast<int32_t>(r)).v);
    deciding.push_back(And(rule_applies.back(),
                           outcome == ctx.bv_val(static_cast<uint64_t>(m.rules[r].outcome),
                                                 outcome.get_sort().bv_size())));
    rule_in_force.push_back(I.InForce(m.rules[r].validity));
    rule_cond.push_back(I.Eval(m.rules[r].cond).v);
  }
  for (size_t e = 0; e < m.exemptions.size(); ++e) {
    exemption_applies.push_back(I.ExemptApplies(static_cast<int32_t>(e)).v);
  }
  for (size_t c = 0; c < m.caps.size(); ++c) {
    cap_applies.push_back(I.CapApplies(static_cast<int32_t>(c)).v);
  }
}

Encoding::~Encoding() = default;

auto Encoding::Value(pir::ValueId v) -> SVal { return impl_->Eval(v); }

auto Encoding::Property(size_t p) -> SVal { return impl_->Eval(m_.properties[p].value); }

auto Encoding::FloatOf(size_t field) const -> z3::expr { return *impl_->float_fields[field]; }

auto Encoding::Code(pir::ErrorCode c) const -> z3::expr { return impl_->Err(c); }

auto Encoding::Fix(const pir::Request& req) const -> z3::expr {
  z3::expr_vector eqs(ctx_);
  for (size_t f = 0; f < m_.inputs.size() && f < req.fields.size(); ++f) {
    const pir::RtValue& v = req.fields[f];
    const z3::expr& x = fields[f];
    switch (m_.inputs[f].type.kind) {
      case TypeKind::Bool: eqs.push_back(x == ctx_.bool_val(v.i != 0)); break;
      case TypeKind::Float: {
        uint64_t bits = 0;
        std::memcpy(&bits, &v.f, sizeof bits);
        eqs.push_back(x == ctx_.bv_val(bits, 64));
        break;
      }
      case TypeKind::String: {
        int64_t idx = strings_.Index(v.s);
        if (idx < 0) {
          // A string outside the constants: the first fresh value (one field at a time is
          // enough for the callers that fix requests; fields equal to each other share it).
          idx = static_cast<int64_t>(strings_.constants);
          for (size_t g = 0; g < f; ++g) {
            if (m_.inputs[g].type.kind == TypeKind::String && strings_.Index(req.fields[g].s) < 0 &&
                req.fields[g].s != v.s) {
              ++idx;
            }
          }
          idx = std::min<int64_t>(idx, static_cast<int64_t>(strings_.values.size()) - 1);
        }
        eqs.push_back(x == ctx_.bv_val(static_cast<uint64_t>(idx), strings_.width));
        break;
      }
      default: eqs.push_back(x == ctx_.bv_val(static_cast<uint64_t>(v.i), x.get_sort().bv_size()));
    }
  }
  eqs.push_back(today == ctx_.bv_val(static_cast<uint64_t>(static_cast<uint32_t>(req.today.days)), kDateBits));
  for (size_t c = 0; c < usage.size() && c < req.usage.size(); ++c) {
    eqs.push_back(usage[c] == ctx_.bv_val(static_cast<uint64_t>(req.usage[c]), 64));
  }
  return z3::mk_and(eqs);
}

auto Encoding::Decode(const z3::model& model) const -> pir::Request {
  pir::Request req;
  for (size_t f = 0; f < m_.inputs.size(); ++f) {
    int64_t raw = ModelInt(model, fields[f]);
    switch (m_.inputs[f].type.kind) {
      case TypeKind::Float: {
        double d = 0;
        auto bits = static_cast<uint64_t>(raw);
        std::memcpy(&d, &bits, sizeof d);
        req.fields.push_back(pir::RtValue::Float(d));
        break;
      }
      case TypeKind::String: {
        auto idx = static_cast<uint64_t>(raw) & ((uint64_t{1} << strings_.width) - 1);
        req.fields.push_back(pir::RtValue::Str(
            idx < strings_.values.size() ? strings_.values[idx] : strings_.values.back()));
        break;
      }
      case TypeKind::Enum: {
        unsigned w = fields[f].get_sort().bv_size();
        req.fields.push_back(pir::RtValue::Int(
            static_cast<int64_t>(static_cast<uint64_t>(raw) & ((uint64_t{1} << w) - 1))));
        break;
      }
      default: req.fields.push_back(pir::RtValue::Int(raw));
    }
  }
  req.today = Date{static_cast<int32_t>(ModelInt(model, today))};
  for (const z3::expr& u : usage) req.usage.push_back(ModelInt(model, u));
  return req;
}

auto ValueJson(const pir::Module& m, pir::Type t, const pir::RtValue& v) -> std::string {
  switch (t.kind) {
    case TypeKind::Bool: return v.i != 0 ? "true" : "false";
    case TypeKind::Int: return std::to_string(v.i);
    case TypeKind::Float: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.f);
      std::string s(buf, end);
      // A JSON number that reads back as this float: `1e+26` is fine; `-0` needs its `.0`.
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    case TypeKind::String: return JsonQuote(v.s);
    case TypeKind::Date: return JsonQuote(FormatDate(Date{static_cast<int32_t>(v.i)}));
    case TypeKind::Enum: return JsonQuote(m.enums[t.enum_id].members.at(v.i));
  }
  return "null";
}

auto RequestJson(const pir::Module& m, const pir::Request& req) -> std::string {
  std::string out = "{\"input\": {";
  for (size_t f = 0; f < m.inputs.size() && f < req.fields.size(); ++f) {
    if (f) out += ", ";
    out += JsonQuote(m.inputs[f].name) + ": " + ValueJson(m, m.inputs[f].type, req.fields[f]);
  }
  out += "}, \"today\": \"" + FormatDate(req.today) + "\", \"usage\": {";
  for (size_t c = 0; c < m.caps.size() && c < req.usage.size(); ++c) {
    if (c) out += ", ";
    out += JsonQuote(m.caps[c].name) + ": " + std::to_string(req.usage[c]);
  }
  return out + "}}";
}

}  // namespace edict::smt
