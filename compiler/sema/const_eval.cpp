// Constant evaluation (LANGUAGE.md §10 "Constants"): evaluates typed, resolved expressions over
// literals, constants and members to sema::Value, with the language's exact arithmetic (int64
// overflow, float division, truncated `%`, exact int/float comparison, finite floats). Also the
// evaluation of `tiers` patterns that feeds CheckTierPartition and constant `T(x)`.
#include <charconv>
#include <climits>
#include <cmath>
#include <string>

#include "llvm/Support/Casting.h"
#include "sema/sema_internal.h"

namespace edict::sema {

namespace {

using ast::Type;
using ast::TypeKind;

constexpr double kTwo63 = 9223372036854775808.0;

int CompareIntFloat(int64_t i, double f) {
  if (f >= kTwo63) return -1;
  if (f < -kTwo63) return 1;
  auto t = static_cast<int64_t>(f);  // exact: |f| < 2^63, truncated toward zero
  if (i < t) return -1;
  if (i > t) return 1;
  double frac = f - static_cast<double>(t);
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

double AsDouble(const Value& v) {
  return v.kind == Value::Kind::Int ? static_cast<double>(v.i) : v.f;
}

bool IsNumber(const Value& v) { return v.kind == Value::Kind::Int || v.kind == Value::Kind::Float; }

const char* NonConstantWhat(const ast::Expr& e) {
  if (const auto* n = llvm::dyn_cast<ast::NameExpr>(&e)) {
    switch (n->ref.kind) {
      case ast::NameRef::Kind::Field:
        return "an input field of the request";
      case ast::NameRef::Kind::Let:
        return "a `let`, computed from the request";
      case ast::NameRef::Kind::Output:
        return "an `output`, computed from the request";
      case ast::NameRef::Kind::Decl:
        return "not a value";
      default:
        return "not constant";
    }
  }
  if (llvm::isa<ast::TodayExpr>(&e)) return "the request's date";
  if (llvm::isa<ast::OutcomeExpr>(&e)) return "the request's outcome";
  if (llvm::isa<ast::CallExpr>(&e)) return "reads the request's state";
  return "not constant";
}

}  // namespace

bool ValueEquals(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) return CompareValues(a, b) == 0;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::Bool:
      return a.b == b.b;
    case Value::Kind::Int:
    case Value::Kind::Member:
      return a.i == b.i;
    case Value::Kind::Float:
      return a.f == b.f;
    case Value::Kind::String:
      return a.s == b.s;
    case Value::Kind::Date:
      return a.d == b.d;
    case Value::Kind::Set: {
      if (a.set.size() != b.set.size()) return false;
      for (const Value& x : a.set) {
        bool found = false;
        for (const Value& y : b.set) found = found || ValueEquals(x, y);
        if (!found) return false;
      }
      return true;
    }
  }
  return false;
}

int CompareValues(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    if (a.kind == Value::Kind::Int && b.kind == Value::Kind::Int) return Cmp(a.i, b.i);
    if (a.kind == Value::Kind::Float && b.kind == Value::Kind::Float) return Cmp(a.f, b.f);
    if (a.kind == Value::Kind::Int) return CompareIntFloat(a.i, b.f);
    return -CompareIntFloat(b.i, a.f);
  }
  switch (a.kind) {
    case Value::Kind::Bool:
      return Cmp(a.b, b.b);
    case Value::Kind::Member:
      return Cmp(a.i, b.i);
    case Value::Kind::String:
      return Cmp(a.s, b.s);
    case Value::Kind::Date:
      return Cmp(a.d.days, b.d.days);
    default:
      return 0;
  }
}

Value ConvertToType(Value v, const Type& type) {
  if (type.kind == TypeKind::Float && v.kind == Value::Kind::Int) {
    return Value::Float(static_cast<double>(v.i));
  }
  if (type.kind == TypeKind::Set && type.elem == TypeKind::Float && v.kind == Value::Kind::Set) {
    for (Value& x : v.set) x = ConvertToType(std::move(x), Type::Float());
  }
  return v;
}

std::string FormatValue(const Value& v, const Type& type) {
  switch (v.kind) {
    case Value::Kind::Bool:
      return v.b ? "true" : "false";
    case Value::Kind::Int:
      return std::to_string(v.i);
    case Value::Kind::Float: {
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, v.f);
      std::string s(buf, res.ptr);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      return s;
    }
    case Value::Kind::String:
      return "\"" + v.s + "\"";
    case Value::Kind::Date:
      return FormatDate(v.d);
    case Value::Kind::Member: {
      const auto* e = llvm::dyn_cast_or_null<ast::EnumLikeDecl>(type.decl);
      if (e && v.i >= 0 && static_cast<size_t>(v.i) < e->member_count()) {
        return e->member(static_cast<size_t>(v.i)).name;
      }
      return "#" + std::to_string(v.i);
    }
    case Value::Kind::Set: {
      std::string out = "{";
      for (size_t i = 0; i < v.set.size(); ++i) {
        if (i) out += ", ";
        out += FormatValue(v.set[i], type.element());
      }
      return out + "}";
    }
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// The evaluator

auto Checker::Eval(const ast::Expr& e, EvalFailure& fail) -> std::optional<Value> {
  auto silent = [&]() -> std::optional<Value> {
    if (fail.kind == EvalFailure::Kind::None) fail.kind = EvalFailure::Kind::Silent;
    return std::nullopt;
  };
  auto not_constant = [&]() -> std::optional<Value> {
    fail.kind = EvalFailure::Kind::NotConstant;
    fail.expr = &e;
    return std::nullopt;
  };
  auto failed = [&](const char* reason) -> std::optional<Value> {
    fail.kind = EvalFailure::Kind::Failed;
    fail.expr = &e;
    fail.reason = reason;
    return std::nullopt;
  };
  // Not-constant parts are found even in error-typed expressions when the cause is the request.
  if (e.type.is_error() && e.kind != ast::ExprKind::Today && e.kind != ast::ExprKind::Name &&
      e.kind != ast::ExprKind::Call) {
    return silent();
  }

  std::optional<Value> result;
  switch (e.kind) {
    case ast::ExprKind::IntLit:
      result = Value::Int(llvm::cast<ast::IntLitExpr>(e).value);
      break;
    case ast::ExprKind::FloatLit:
      result = Value::Float(llvm::cast<ast::FloatLitExpr>(e).value);
      break;
    case ast::ExprKind::StringLit:
      result = Value::String(llvm::cast<ast::StringLitExpr>(e).lit.value);
      break;
    case ast::ExprKind::DateLit:
      result = Value::DateV(llvm::cast<ast::DateLitExpr>(e).value);
      break;
    case ast::ExprKind::BoolLit:
      result = Value::Bool(llvm::cast<ast::BoolLitExpr>(e).value);
      break;
    case ast::ExprKind::Today:
    case ast::ExprKind::Outcome:
      return not_constant();
    case ast::ExprKind::Name: {
      const auto& n = llvm::cast<ast::NameExpr>(e);
      switch (n.ref.kind) {
        case ast::NameRef::Kind::Const: {
          result = ConstValue(*llvm::cast<ast::ValueDecl>(n.ref.decl));
          if (!result) return silent();
          break;
        }
        case ast::NameRef::Kind::Member:
          result = Value::Member(n.ref.index);
          break;
        case ast::NameRef::Kind::Field:
        case ast::NameRef::Kind::Let:
        case ast::NameRef::Kind::Output:
        case ast::NameRef::Kind::Decl:
          return not_constant();
        case ast::NameRef::Kind::Unresolved:
        case ast::NameRef::Kind::Error:
          return silent();
      }
      break;
    }
    case ast::ExprKind::Call:
      result = EvalCall(llvm::cast<ast::CallExpr>(e), fail);
      if (!result) return std::nullopt;
      break;
    case ast::ExprKind::Unary: {
      const auto& u = llvm::cast<ast::UnaryExpr>(e);
      if (u.op == ast::UnaryOp::Neg) {
        if (const auto* lit = llvm::dyn_cast<ast::IntLitExpr>(u.operand.get());
            lit && lit->is_min_magnitude) {
          result = Value::Int(INT64_MIN);
          break;
        }
      }
      std::optional<Value> v = Eval(*u.operand, fail);
      if (!v) return std::nullopt;
      if (u.op == ast::UnaryOp::Not) {
        result = Value::Bool(!v->b);
      } else if (v->kind == Value::Kind::Int) {
        if (v->i == INT64_MIN) return failed("integer overflow");
        result = Value::Int(-v->i);
      } else {
        result = Value::Float(-v->f);
      }
      break;
    }
    case ast::ExprKind::Binary:
      result = EvalBinary(llvm::cast<ast::BinaryExpr>(e), fail);
      if (!result) return std::nullopt;
      break;
    case ast::ExprKind::Set: {
      const auto& s = llvm::cast<ast::SetExpr>(e);
      Value set;
      set.kind = Value::Kind::Set;
      Type elem = e.type.kind == TypeKind::Set ? e.type.element() : Type::Error();
      for (const auto& el : s.elements) {
        std::optional<Value> v = Eval(*el, fail);
        if (!v) return std::nullopt;
        Value cv = ConvertToType(*v, elem);
        bool dup = false;
        for (const Value& x : set.set) dup = dup || ValueEquals(x, cv);
        if (!dup) set.set.push_back(std::move(cv));
      }
      result = std::move(set);
      break;
    }
    case ast::ExprKind::If: {
      const auto& i = llvm::cast<ast::IfExpr>(e);
      std::optional<Value> c = Eval(*i.cond, fail);
      if (!c) return std::nullopt;
      result = Eval(c->b ? *i.then_expr : *i.else_expr, fail);
      if (!result) return std::nullopt;
      break;
    }
    case ast::ExprKind::Match: {
      const auto& m = llvm::cast<ast::MatchExpr>(e);
      std::optional<Value> s = Eval(*m.scrutinee, fail);
      if (!s) return std::nullopt;
      const ast::MatchArm* chosen = nullptr;
      for (const ast::MatchArm& arm : m.arms) {
        for (const ast::ArmPattern& p : arm.patterns) {
          bool hit = p.kind == ast::ArmPattern::Kind::Wildcard ||
                     (p.kind == ast::ArmPattern::Kind::Bool && s->kind == Value::Kind::Bool &&
                      s->b == p.bool_value) ||
                     (p.kind == ast::ArmPattern::Kind::Member && s->kind == Value::Kind::Member &&
                      p.member_index == s->i);
          if (hit) {
            chosen = &arm;
            break;
          }
        }
        if (chosen) break;
      }
      if (!chosen || !chosen->value) return silent();
      result = Eval(*chosen->value, fail);
      if (!result) return std::nullopt;
      break;
    }
    case ast::ExprKind::Error:
      return silent();
  }
  if (!result) return silent();
  if (e.type.is_error()) return silent();
  Value v = ConvertToType(std::move(*result), e.type);
  if (v.kind == Value::Kind::Float && !std::isfinite(v.f))
    return failed("the result is not finite");
  return v;
}

auto Checker::EvalBinary(const ast::BinaryExpr& b, EvalFailure& fail) -> std::optional<Value> {
  auto failed = [&](const char* reason) -> std::optional<Value> {
    fail.kind = EvalFailure::Kind::Failed;
    fail.expr = &b;
    fail.reason = reason;
    return std::nullopt;
  };
  std::optional<Value> l = Eval(*b.lhs, fail);
  if (!l) return std::nullopt;
  switch (b.op) {
    case ast::BinaryOp::And:
      if (!l->b) return Value::Bool(false);
      return Eval(*b.rhs, fail);
    case ast::BinaryOp::Or:
      if (l->b) return Value::Bool(true);
      return Eval(*b.rhs, fail);
    case ast::BinaryOp::Implies:
      if (!l->b) return Value::Bool(true);
      return Eval(*b.rhs, fail);
    default:
      break;
  }
  std::optional<Value> r = Eval(*b.rhs, fail);
  if (!r) return std::nullopt;
  switch (b.op) {
    case ast::BinaryOp::Eq:
      return Value::Bool(ValueEquals(*l, *r));
    case ast::BinaryOp::Ne:
      return Value::Bool(!ValueEquals(*l, *r));
    case ast::BinaryOp::Lt:
      return Value::Bool(CompareValues(*l, *r) < 0);
    case ast::BinaryOp::Le:
      return Value::Bool(CompareValues(*l, *r) <= 0);
    case ast::BinaryOp::Gt:
      return Value::Bool(CompareValues(*l, *r) > 0);
    case ast::BinaryOp::Ge:
      return Value::Bool(CompareValues(*l, *r) >= 0);
    case ast::BinaryOp::In:
    case ast::BinaryOp::NotIn: {
      bool found = false;
      for (const Value& x : r->set) found = found || ValueEquals(*l, x);
      return Value::Bool(b.op == ast::BinaryOp::In ? found : !found);
    }
    default:
      break;
  }
  bool ints = l->kind == Value::Kind::Int && r->kind == Value::Kind::Int;
  if (b.op == ast::BinaryOp::Rem) {
    if (r->i == 0) return failed("division by zero");
    if (l->i == INT64_MIN && r->i == -1) return Value::Int(0);
    return Value::Int(l->i % r->i);
  }
  if (b.op == ast::BinaryOp::Div) {
    double y = AsDouble(*r);
    if (y == 0) return failed("division by zero");
    double q = AsDouble(*l) / y;
    if (!std::isfinite(q)) return failed("the result is not finite");
    return Value::Float(q);
  }
  if (ints) {
    int64_t out = 0;
    bool overflow = false;
    switch (b.op) {
      case ast::BinaryOp::Add:
        overflow = __builtin_add_overflow(l->i, r->i, &out);
        break;
      case ast::BinaryOp::Sub:
        overflow = __builtin_sub_overflow(l->i, r->i, &out);
        break;
      case ast::BinaryOp::Mul:
        overflow = __builtin_mul_overflow(l->i, r->i, &out);
        break;
      default:
        break;
    }
    if (overflow) return failed("integer overflow");
    return Value::Int(out);
  }
  double x = AsDouble(*l), y = AsDouble(*r), out = 0;
  switch (b.op) {
    case ast::BinaryOp::Add:
      out = x + y;
      break;
    case ast::BinaryOp::Sub:
      out = x - y;
      break;
    case ast::BinaryOp::Mul:
      out = x * y;
      break;
    default:
      break;
  }
  if (!std::isfinite(out)) return failed("the result is not finite");
  return Value::Float(out);
}

auto Checker::EvalCall(const ast::CallExpr& c, EvalFailure& fail) -> std::optional<Value> {
  auto failed = [&](const char* reason) -> std::optional<Value> {
    fail.kind = EvalFailure::Kind::Failed;
    fail.expr = &c;
    fail.reason = reason;
    return std::nullopt;
  };
  auto silent = [&]() -> std::optional<Value> {
    if (fail.kind == EvalFailure::Kind::None) fail.kind = EvalFailure::Kind::Silent;
    return std::nullopt;
  };
  switch (c.builtin) {
    case ast::Builtin::Exceeds:
    case ast::Builtin::Usage:
    case ast::Builtin::Remaining:
    case ast::Builtin::Limit:
    case ast::Builtin::Applied:
      fail.kind = EvalFailure::Kind::NotConstant;
      fail.expr = &c;
      return std::nullopt;
    case ast::Builtin::None:
      return silent();
    default:
      break;
  }
  std::vector<Value> args;
  for (const auto& a : c.args) {
    std::optional<Value> v = Eval(*a, fail);
    if (!v) return std::nullopt;
    args.push_back(std::move(*v));
  }
  if (c.type.is_error()) return silent();
  auto to_int = [&](double r) -> std::optional<Value> {
    if (!(r < kTwo63 && r >= -kTwo63)) return failed("integer overflow");
    return Value::Int(static_cast<int64_t>(r));
  };
  switch (c.builtin) {
    case ast::Builtin::Min:
    case ast::Builtin::Max: {
      size_t best = 0;
      for (size_t i = 1; i < args.size(); ++i) {
        int cmp = CompareValues(args[i], args[best]);
        if (c.builtin == ast::Builtin::Min ? cmp < 0 : cmp > 0) best = i;
      }
      return args[best];
    }
    case ast::Builtin::Abs:
      if (args[0].kind == Value::Kind::Int) {
        if (args[0].i == INT64_MIN) return failed("integer overflow");
        return Value::Int(args[0].i < 0 ? -args[0].i : args[0].i);
      }
      return Value::Float(std::fabs(args[0].f));
    case ast::Builtin::Floor:
    case ast::Builtin::Ceil:
    case ast::Builtin::Round: {
      if (args[0].kind == Value::Kind::Int) return args[0];
      double f = args[0].f;
      double r = c.builtin == ast::Builtin::Floor  ? std::floor(f)
                 : c.builtin == ast::Builtin::Ceil ? std::ceil(f)
                                                   : std::round(f);
      return to_int(r);
    }
    case ast::Builtin::Float:
      return Value::Float(AsDouble(args[0]));
    case ast::Builtin::Year:
      return Value::Int(ToCivil(args[0].d).year);
    case ast::Builtin::Month:
      return Value::Int(ToCivil(args[0].d).month);
    case ast::Builtin::Day:
      return Value::Int(ToCivil(args[0].d).day);
    case ast::Builtin::DaysBetween:
      return Value::Int(static_cast<int64_t>(args[1].d.days) - args[0].d.days);
    case ast::Builtin::Tier: {
      const auto* tiers = llvm::cast<ast::TiersDecl>(c.tiers);
      const TierInfo* info = GetTierInfo(*tiers);
      if (!info || !info->ok) return silent();
      int index =
          ClassifyConstant(tiers->of_type, info->arms, ConvertToType(args[0], tiers->of_type));
      if (index < 0) return silent();
      return Value::Member(index);
    }
    default:
      return silent();
  }
}

auto Checker::EvalReported(const ast::Expr& e, const std::string& what) -> std::optional<Value> {
  EvalFailure fail;
  std::optional<Value> v = Eval(e, fail);
  if (v) return v;
  if (fail.kind == EvalFailure::Kind::NotConstant && fail.expr) {
    diags_.Build(fail.expr->range, diag::NotConstant, Text(fail.expr->range))
        .Label("{0}", NonConstantWhat(*fail.expr))
        .Help("a constant expression uses only literals, constants and enum members")
        .Emit();
  } else if (fail.kind == EvalFailure::Kind::Failed && fail.expr) {
    diags_.Build(fail.expr->range, diag::ConstEvalFailed, what, fail.reason)
        .Label("{0}", fail.reason)
        .Emit();
  }
  return std::nullopt;
}

auto Checker::ConstValue(const ast::ValueDecl& decl) -> std::optional<Value> {
  if (auto it = const_values_.find(&decl); it != const_values_.end()) return it->second;
  bool own = IsOwn(&decl);
  if (const_in_progress_.count(&decl)) {
    if (own && !cyclic_.count(&decl)) {
      cyclic_.insert(&decl);
      diags_.Build(decl.name.range, diag::CyclicDefinition, decl.name.name)
          .Label("its value depends on itself")
          .Emit();
    }
    return std::nullopt;
  }
  if (own) EnsureValueDecl(decl, {});
  if (decl.type.is_error() || !decl.value || decl.value->type.is_error() ||
      !IsAssignable(decl.type, decl.value->type)) {
    const_values_[&decl] = std::nullopt;
    return std::nullopt;
  }
  const_in_progress_.insert(&decl);
  EvalFailure fail;
  std::optional<Value> v = Eval(*decl.value, fail);
  const_in_progress_.erase(&decl);
  if (v) {
    v = ConvertToType(std::move(*v), decl.type);
  } else if (own && fail.kind == EvalFailure::Kind::NotConstant && fail.expr) {
    diags_.Build(fail.expr->range, diag::NotConstant, Text(fail.expr->range))
        .Label("{0}", NonConstantWhat(*fail.expr))
        .Note(decl.name.range, "`{0}` is a `const`", decl.name.name)
        .Help(
            "a `const` uses only literals, other constants and enum members; use `let` for a "
            "value computed from the request")
        .Emit();
  } else if (own && fail.kind == EvalFailure::Kind::Failed && fail.expr) {
    diags_.Build(decl.name.range, diag::ConstEvalFailed, decl.name.name, fail.reason)
        .Label("cannot be evaluated")
        .Note(fail.expr->range, "{0} here", fail.reason)
        .Emit();
  }
  const_values_[&decl] = v;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Tiers

namespace {

const char* PatternSpelling(ast::PatternKind k) {
  switch (k) {
    case ast::PatternKind::Lt:
      return "<";
    case ast::PatternKind::Le:
      return "<=";
    case ast::PatternKind::Gt:
      return ">";
    case ast::PatternKind::Ge:
      return ">=";
    case ast::PatternKind::RangeExcl:
      return "..<";
    case ast::PatternKind::RangeIncl:
      return "..=";
    default:
      return "?";
  }
}

}  // namespace

auto Checker::GetTierInfo(const ast::TiersDecl& cdecl) -> const TierInfo* {
  if (IsOwn(&cdecl)) {
    if (!tiers_checked_.count(&cdecl)) CheckTiersDecl(const_cast<ast::TiersDecl&>(cdecl));
    if (tiers_in_progress_.count(&cdecl)) return nullptr;
    return &tier_info_[&cdecl];
  }
  if (auto it = tier_info_.find(&cdecl); it != tier_info_.end()) return &it->second;
  if (tiers_in_progress_.count(&cdecl)) return nullptr;
  // An imported tiers: checked in its module; evaluate its patterns quietly.
  tiers_in_progress_.insert(&cdecl);
  TierInfo info;
  info.ok = !cdecl.of_type.is_error();
  for (const ast::TierArm& arm : cdecl.arms) {
    TierArmValues av;
    av.arm = &arm;
    for (const ast::Pattern& p : arm.patterns) {
      TierPatternValues pv;
      pv.pattern = &p;
      for (const auto& v : p.values) {
        EvalFailure fail;
        std::optional<Value> val = Eval(*v, fail);
        if (!val) {
          info.ok = false;
          continue;
        }
        if (p.kind == ast::PatternKind::Name) {
          for (const Value& m : val->set) pv.values.push_back(ConvertToType(m, cdecl.of_type));
        } else {
          pv.values.push_back(ConvertToType(*val, cdecl.of_type));
          pv.value_ranges.push_back(v->range);
        }
      }
      av.patterns.push_back(std::move(pv));
    }
    info.arms.push_back(std::move(av));
  }
  tiers_in_progress_.erase(&cdecl);
  return &(tier_info_[&cdecl] = std::move(info));
}

void Checker::CheckTiersDecl(ast::TiersDecl& decl) {
  tiers_checked_.insert(&decl);
  tiers_in_progress_.insert(&decl);
  bool saved_property = in_property_;
  in_property_ = false;
  const Type of = decl.of_type;
  TierInfo info;
  info.ok = !of.is_error();
  auto check_value = [&](ast::Expr& v, TierPatternValues& pv) {
    if (of.is_error()) {
      CheckExpr(v);
      return;
    }
    Type t = CheckExprAs(v, of);
    if (t.is_error() || !IsAssignable(of, t)) {
      info.ok = false;
      return;
    }
    std::optional<Value> val = EvalReported(v, decl.name.name);
    if (!val) {
      info.ok = false;
      return;
    }
    pv.values.push_back(ConvertToType(*val, of));
    pv.value_ranges.push_back(v.range);
  };
  for (ast::TierArm& arm : decl.arms) {
    TierArmValues av;
    av.arm = &arm;
    for (ast::Pattern& p : arm.patterns) {
      TierPatternValues pv;
      pv.pattern = &p;
      switch (p.kind) {
        case ast::PatternKind::Otherwise:
          break;
        case ast::PatternKind::Set:
          for (auto& v : p.values) check_value(*v, pv);
          break;
        case ast::PatternKind::Lt:
        case ast::PatternKind::Le:
        case ast::PatternKind::Gt:
        case ast::PatternKind::Ge:
        case ast::PatternKind::RangeExcl:
        case ast::PatternKind::RangeIncl:
          if (!of.is_error() && (of.kind == TypeKind::String || of.kind == TypeKind::Bool)) {
            diags_.Build(p.range, diag::InvalidPattern, PatternSpelling(p.kind), ast::ToString(of))
                .Label("an ordering pattern")
                .Help("classify `{0}` values with sets `{{…}` and `otherwise`", ast::ToString(of))
                .Emit();
            for (auto& v : p.values) CheckExpr(*v);
            info.ok = false;
            break;
          }
          for (auto& v : p.values) check_value(*v, pv);
          break;
        case ast::PatternKind::Name: {
          if (p.values.empty()) break;
          ast::Expr& v = *p.values[0];
          if (of.is_error()) {
            CheckExpr(v, nullptr, true);
            break;
          }
          Type want = Type::SetOf(of);
          Type t = CheckExpr(v, &want, /*allow_set=*/true);
          if (t.is_error()) {
            info.ok = false;
            break;
          }
          if (t.kind != TypeKind::Set || !IsAssignable(want, t)) {
            diags_.Build(v.range, diag::TypeMismatch, ast::ToString(want), ast::ToString(t))
                .Label("this is `{0}`", ast::ToString(t))
                .Help(
                    "a tier pattern is a set `{{…}`, `< c`, `a ..< b`, `a ..= b`, a `const` set "
                    "or `otherwise`")
                .Emit();
            info.ok = false;
            break;
          }
          std::optional<Value> val = EvalReported(v, decl.name.name);
          if (!val) {
            info.ok = false;
            break;
          }
          for (const Value& m : val->set) pv.values.push_back(ConvertToType(m, of));
          break;
        }
      }
      av.patterns.push_back(std::move(pv));
    }
    info.arms.push_back(std::move(av));
  }
  in_property_ = saved_property;
  tiers_in_progress_.erase(&decl);
  TierInfo& stored = tier_info_[&decl] = std::move(info);
  if (stored.ok) CheckTierPartition(decl, of, stored.arms, diags_);
}

}  // namespace edict::sema
