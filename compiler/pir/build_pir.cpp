#include "pir/build_pir.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <tuple>

#include "llvm/Support/Casting.h"
#include "llvm/Support/ErrorHandling.h"

namespace edict::pir {
namespace {

using llvm::cast;
using llvm::dyn_cast;

class Builder {
 public:
  Builder(const sema::CheckedModule& checked, const SourceManager& sources)
      : checked_(checked), sources_(sources) {}

  auto Run() -> Module;

 private:
  // Types and tables.
  auto EnumId(const ast::Decl* decl) -> int32_t;
  auto TypeOf(const ast::Type& t) -> Type;
  auto TiersId(const ast::TiersDecl* decl) -> int32_t;
  auto SetId(const sema::Value& set, Type elem) -> int32_t;
  auto StringId(const std::string& s) -> int64_t;
  auto Loc(SourceRange r) const -> Location;

  // Instructions.
  auto Emit(Inst inst) -> ValueId;
  auto Const(Op op, Type type, int64_t imm = 0, double fimm = 0.0) -> ValueId;
  auto ConstValue(const sema::Value& v, Type type) -> ValueId;
  auto Coerce(ValueId v, Type want) -> ValueId;
  auto Lower(const ast::Expr& e) -> ValueId;
  auto LowerName(const ast::NameExpr& n) -> ValueId;
  auto LowerCall(const ast::CallExpr& c) -> ValueId;
  auto LowerBinary(const ast::BinaryExpr& b) -> ValueId;
  auto LowerMatch(const ast::MatchExpr& m) -> ValueId;
  auto Constant(const ast::Expr& e) -> std::optional<sema::Value>;
  auto CapIndex(const ast::Expr& arg) -> int32_t;

  // Declarations.
  void LowerValidity(const ast::Validity& v, Validity& out);
  void LowerExplanation(const ast::Explanation& e, Explanation& out);
  void LowerTests();
  auto FindConstant(const ast::Decl* decl) -> const sema::Value*;
  auto FindTiers(const ast::Decl* decl) -> const std::vector<sema::TierArmValues>*;

  const sema::CheckedModule& checked_;
  const SourceManager& sources_;
  Module m_;
  std::map<const ast::Decl*, int32_t> enum_ids_, tiers_ids_, let_ids_, rule_ids_, exempt_ids_,
      cap_ids_;
  std::map<const ast::Field*, int32_t> field_ids_;
  std::map<std::string, int64_t> string_ids_;
  // Hash-consing of pure instructions.
  std::map<std::tuple<Op, TypeKind, int32_t, Cmp, int64_t, uint64_t, std::vector<ValueId>>, ValueId>
      interned_;
};

auto Builder::Loc(SourceRange r) const -> Location {
  if (!r.valid()) return {};
  LineCol lc = sources_.GetLineCol(r.file, r.begin);
  return {lc.line, lc.col};
}

auto Builder::EnumId(const ast::Decl* decl) -> int32_t {
  if (auto it = enum_ids_.find(decl); it != enum_ids_.end()) return it->second;
  const auto* e = cast<ast::EnumLikeDecl>(decl);
  Enum out;
  out.name = e->name.name;
  for (size_t i = 0; i < e->member_count(); ++i) out.members.push_back(e->member(i).name);
  m_.enums.push_back(std::move(out));
  int32_t id = static_cast<int32_t>(m_.enums.size() - 1);
  enum_ids_[decl] = id;
  if (auto* t = dyn_cast<ast::TiersDecl>(decl)) TiersId(t);
  return id;
}

auto Builder::TypeOf(const ast::Type& t) -> Type {
  switch (t.kind) {
    case ast::TypeKind::Bool: return {TypeKind::Bool};
    case ast::TypeKind::Int: return {TypeKind::Int};
    case ast::TypeKind::Float: return {TypeKind::Float};
    case ast::TypeKind::String: return {TypeKind::String};
    case ast::TypeKind::Date: return {TypeKind::Date};
    case ast::TypeKind::Enum: return {TypeKind::Enum, EnumId(t.decl)};
    case ast::TypeKind::Set: return TypeOf(t.element());
    case ast::TypeKind::Error: break;
  }
  llvm_unreachable("lowering an unchecked type");
}

auto Builder::FindConstant(const ast::Decl* decl) -> const sema::Value* {
  if (auto it = checked_.constants.find(decl); it != checked_.constants.end()) return &it->second;
  for (const sema::CheckedModule* imp : checked_.imports) {
    if (auto it = imp->constants.find(decl); it != imp->constants.end()) return &it->second;
  }
  return nullptr;
}

auto Builder::FindTiers(const ast::Decl* decl) -> const std::vector<sema::TierArmValues>* {
  if (auto it = checked_.tiers.find(decl); it != checked_.tiers.end()) return &it->second;
  for (const sema::CheckedModule* imp : checked_.imports) {
    if (auto it = imp->tiers.find(decl); it != imp->tiers.end()) return &it->second;
  }
  return nullptr;
}

auto Builder::TiersId(const ast::TiersDecl* decl) -> int32_t {
  if (auto it = tiers_ids_.find(decl); it != tiers_ids_.end()) return it->second;
  int32_t id = static_cast<int32_t>(m_.tiers.size());
  tiers_ids_[decl] = id;
  m_.tiers.emplace_back();
  Tiers t;
  t.name = decl->name.name;
  t.enum_id = EnumId(decl);
  t.of = TypeOf(decl->of_type);
  const auto* arms = FindTiers(decl);
  if (arms == nullptr) llvm::report_fatal_error("tiers without evaluated patterns");
  for (size_t a = 0; a < arms->size(); ++a) {
    for (const sema::TierPatternValues& p : (*arms)[a].patterns) {
      if (p.pattern->kind == ast::PatternKind::Otherwise) t.otherwise_tier = static_cast<int32_t>(a);
    }
  }
  switch (t.of.kind) {
    case TypeKind::Enum: {
      size_t n = m_.enums[t.of.enum_id].members.size();
      for (size_t i = 0; i < n; ++i) {
        t.table.push_back(sema::ClassifyConstant(decl->of_type, *arms,
                                                 sema::Value::Member(static_cast<int64_t>(i))));
      }
      break;
    }
    case TypeKind::String: {
      for (size_t a = 0; a < arms->size(); ++a) {
        for (const sema::TierPatternValues& p : (*arms)[a].patterns) {
          for (const sema::Value& v : p.values) {
            t.string_members.push_back({v.s, static_cast<int32_t>(a)});
          }
        }
      }
      std::sort(t.string_members.begin(), t.string_members.end());
      break;
    }
    case TypeKind::Int:
    case TypeKind::Date:
    case TypeKind::Float: {
      bool is_float = t.of.kind == TypeKind::Float;
      auto key = [&](const sema::Value& v) -> int64_t {
        return v.kind == sema::Value::Kind::Date ? v.d.days : v.i;
      };
      auto fkey = [&](const sema::Value& v) -> double {
        return v.kind == sema::Value::Kind::Int ? static_cast<double>(v.i) : v.f;
      };
      constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
      constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
      const double kInf = std::numeric_limits<double>::infinity();
      for (size_t a = 0; a < arms->size(); ++a) {
        for (const sema::TierPatternValues& p : (*arms)[a].patterns) {
          Tiers::Interval iv;
          iv.tier = static_cast<int32_t>(a);
          const auto& vs = p.values;
          auto push_int = [&](int64_t lo, int64_t hi) {
            if (lo > hi) return;
            iv.lo = lo;
            iv.hi = hi;
            t.intervals.push_back(iv);
          };
          auto push_float = [&](double lo, double hi) {
            if (!(lo <= hi)) return;
            iv.flo = lo;
            iv.fhi = hi;
            t.intervals.push_back(iv);
          };
          switch (p.pattern->kind) {
            case ast::PatternKind::Otherwise: break;
            case ast::PatternKind::Set:
            case ast::PatternKind::Name:
              for (const sema::Value& v : vs) {
                if (is_float) {
                  push_float(fkey(v), fkey(v));
                } else {
                  push_int(key(v), key(v));
                }
              }
              break;
            case ast::PatternKind::Lt:
              if (is_float) {
                push_float(-std::numeric_limits<double>::max(), std::nextafter(fkey(vs[0]), -kInf));
              } else if (key(vs[0]) != kMin) {
                push_int(kMin, key(vs[0]) - 1);
              }
              break;
            case ast::PatternKind::Le:
              if (is_float) {
                push_float(-std::numeric_limits<double>::max(), fkey(vs[0]));
              } else {
                push_int(kMin, key(vs[0]));
              }
              break;
            case ast::PatternKind::Gt:
              if (is_float) {
                push_float(std::nextafter(fkey(vs[0]), kInf), std::numeric_limits<double>::max());
              } else if (key(vs[0]) != kMax) {
                push_int(key(vs[0]) + 1, kMax);
              }
              break;
            case ast::PatternKind::Ge:
              if (is_float) {
                push_float(fkey(vs[0]), std::numeric_limits<double>::max());
              } else {
                push_int(key(vs[0]), kMax);
              }
              break;
            case ast::PatternKind::RangeExcl:
              if (is_float) {
                push_float(fkey(vs[0]), std::nextafter(fkey(vs[1]), -kInf));
              } else if (key(vs[1]) != kMin) {
                push_int(key(vs[0]), key(vs[1]) - 1);
              }
              break;
            case ast::PatternKind::RangeIncl:
              if (is_float) {
                push_float(fkey(vs[0]), fkey(vs[1]));
              } else {
                push_int(key(vs[0]), key(vs[1]));
              }
              break;
          }
        }
      }
      std::sort(t.intervals.begin(), t.intervals.end(), [&](const auto& x, const auto& y) {
        return is_float ? x.flo < y.flo : x.lo < y.lo;
      });
      break;
    }
    case TypeKind::Bool: break;
  }
  m_.tiers[id] = std::move(t);
  return id;
}

auto Builder::StringId(const std::string& s) -> int64_t {
  auto [it, inserted] = string_ids_.emplace(s, static_cast<int64_t>(m_.strings.size()));
  if (inserted) m_.strings.push_back(s);
  return it->second;
}

auto Builder::SetId(const sema::Value& set, Type elem) -> int32_t {
  ConstSet s;
  s.elem = elem;
  for (const sema::Value& v : set.set) {
    switch (elem.kind) {
      case TypeKind::Float:
        s.floats.push_back(v.kind == sema::Value::Kind::Int ? static_cast<double>(v.i) : v.f);
        break;
      case TypeKind::String: s.strings.push_back(v.s); break;
      case TypeKind::Date: s.ints.push_back(v.d.days); break;
      case TypeKind::Bool: s.ints.push_back(v.b ? 1 : 0); break;
      case TypeKind::Int:
      case TypeKind::Enum: s.ints.push_back(v.i); break;
    }
  }
  std::sort(s.ints.begin(), s.ints.end());
  s.ints.erase(std::unique(s.ints.begin(), s.ints.end()), s.ints.end());
  std::sort(s.floats.begin(), s.floats.end());
  s.floats.erase(std::unique(s.floats.begin(), s.floats.end()), s.floats.end());
  std::sort(s.strings.begin(), s.strings.end());
  s.strings.erase(std::unique(s.strings.begin(), s.strings.end()), s.strings.end());
  m_.sets.push_back(std::move(s));
  return static_cast<int32_t>(m_.sets.size() - 1);
}

auto Builder::Emit(Inst inst) -> ValueId {
  // Pure instructions are shared; named nodes and leaves are too (they are values, not effects).
  uint64_t fbits;
  std::memcpy(&fbits, &inst.fimm, sizeof fbits);
  auto key = std::make_tuple(inst.op, inst.type.kind, inst.type.enum_id, inst.cmp, inst.imm, fbits,
                             inst.args);
  if (auto it = interned_.find(key); it != interned_.end()) return it->second;
  m_.insts.push_back(std::move(inst));
  ValueId id = static_cast<ValueId>(m_.insts.size() - 1);
  interned_.emplace(std::move(key), id);
  return id;
}

auto Builder::Const(Op op, Type type, int64_t imm, double fimm) -> ValueId {
  Inst i;
  i.op = op;
  i.type = type;
  i.imm = imm;
  i.fimm = fimm;
  return Emit(std::move(i));
}

auto Builder::ConstValue(const sema::Value& v, Type type) -> ValueId {
  switch (type.kind) {
    case TypeKind::Bool: return Const(Op::ConstBool, type, v.b ? 1 : 0);
    case TypeKind::Int: return Const(Op::ConstInt, type, v.i);
    case TypeKind::Float:
      return Const(Op::ConstFloat, type, 0,
                   v.kind == sema::Value::Kind::Int ? static_cast<double>(v.i) : v.f);
    case TypeKind::String: return Const(Op::ConstString, type, StringId(v.s));
    case TypeKind::Date: return Const(Op::ConstDate, type, v.d.days);
    case TypeKind::Enum: return Const(Op::ConstEnum, type, v.i);
  }
  llvm_unreachable("bad type");
}

auto Builder::Coerce(ValueId v, Type want) -> ValueId {
  if (m_.insts[v].type.kind == TypeKind::Int && want.kind == TypeKind::Float) {
    Inst i;
    i.op = Op::IntToFloat;
    i.type = want;
    i.args = {v};
    i.loc = m_.insts[v].loc;
    return Emit(std::move(i));
  }
  return v;
}

auto Builder::Constant(const ast::Expr& e) -> std::optional<sema::Value> {
  return sema::EvaluateConstant(checked_, e);
}

auto Builder::Lower(const ast::Expr& e) -> ValueId {
  Type type = e.type.kind == ast::TypeKind::Set || e.type.is_error() ? Type{} : TypeOf(e.type);
  switch (e.kind) {
    case ast::ExprKind::IntLit: return Const(Op::ConstInt, type, cast<ast::IntLitExpr>(e).value);
    case ast::ExprKind::FloatLit:
      return Const(Op::ConstFloat, type, 0, cast<ast::FloatLitExpr>(e).value);
    case ast::ExprKind::StringLit:
      return Const(Op::ConstString, type, StringId(cast<ast::StringLitExpr>(e).lit.value));
    case ast::ExprKind::DateLit:
      return Const(Op::ConstDate, type, cast<ast::DateLitExpr>(e).value.days);
    case ast::ExprKind::BoolLit:
      return Const(Op::ConstBool, type, cast<ast::BoolLitExpr>(e).value ? 1 : 0);
    case ast::ExprKind::Today: return Const(Op::Today, {TypeKind::Date});
    case ast::ExprKind::Outcome: return Const(Op::Outcome, {TypeKind::Enum, m_.decision_enum});
    case ast::ExprKind::Name: return LowerName(cast<ast::NameExpr>(e));
    case ast::ExprKind::Call: return LowerCall(cast<ast::CallExpr>(e));
    case ast::ExprKind::Unary: {
      const auto& u = cast<ast::UnaryExpr>(e);
      Inst i;
      i.type = type;
      i.loc = Loc(u.op_range);
      i.args = {Lower(*u.operand)};
      i.op = u.op == ast::UnaryOp::Not             ? Op::Not
             : type.kind == TypeKind::Float ? Op::NegFloat
                                                   : Op::NegInt;
      return Emit(std::move(i));
    }
    case ast::ExprKind::Binary: return LowerBinary(cast<ast::BinaryExpr>(e));
    case ast::ExprKind::If: {
      const auto& f = cast<ast::IfExpr>(e);
      Inst i;
      i.op = Op::Select;
      i.type = type;
      i.loc = Loc(e.range);
      i.args = {Lower(*f.cond), Coerce(Lower(*f.then_expr), type),
                Coerce(Lower(*f.else_expr), type)};
      return Emit(std::move(i));
    }
    case ast::ExprKind::Match: return LowerMatch(cast<ast::MatchExpr>(e));
    case ast::ExprKind::Set:
    case ast::ExprKind::Error: break;
  }
  llvm_unreachable("lowering an unchecked expression");
}

auto Builder::LowerName(const ast::NameExpr& n) -> ValueId {
  Type type = TypeOf(n.type);
  switch (n.ref.kind) {
    case ast::NameRef::Kind::Field: return Const(Op::Input, type, field_ids_.at(n.ref.field));
    case ast::NameRef::Kind::Const: {
      const sema::Value* v = FindConstant(n.ref.decl);
      if (v == nullptr) llvm::report_fatal_error("constant without a value");
      return ConstValue(*v, type);
    }
    case ast::NameRef::Kind::Let:
    case ast::NameRef::Kind::Output: return Coerce(Const(Op::Let, TypeOf(cast<ast::ValueDecl>(n.ref.decl)->type), let_ids_.at(n.ref.decl)), type);
    case ast::NameRef::Kind::Member: return Const(Op::ConstEnum, type, n.ref.index);
    default: break;
  }
  llvm_unreachable("lowering an unresolved name");
}

auto Builder::CapIndex(const ast::Expr& arg) -> int32_t {
  return cap_ids_.at(cast<ast::NameExpr>(arg).ref.decl);
}

auto Builder::LowerCall(const ast::CallExpr& c) -> ValueId {
  Type type = TypeOf(c.type);
  Inst i;
  i.type = type;
  i.loc = Loc(c.range);
  auto unary = [&](Op op, Type arg_type) {
    i.op = op;
    i.args = {Coerce(Lower(*c.args[0]), arg_type)};
    return Emit(std::move(i));
  };
  auto cap_query = [&](Op op) {
    i.op = op;
    i.imm = CapIndex(*c.args[0]);
    return Emit(std::move(i));
  };
  switch (c.builtin) {
    case ast::Builtin::Min:
    case ast::Builtin::Max: {
      ValueId acc = Coerce(Lower(*c.args[0]), type);
      for (size_t k = 1; k < c.args.size(); ++k) {
        Inst step;
        step.op = c.builtin == ast::Builtin::Min ? Op::Min : Op::Max;
        step.type = type;
        step.loc = i.loc;
        step.args = {acc, Coerce(Lower(*c.args[k]), type)};
        acc = Emit(std::move(step));
      }
      return acc;
    }
    case ast::Builtin::Abs:
      return unary(type.kind == TypeKind::Float ? Op::AbsFloat : Op::AbsInt, type);
    case ast::Builtin::Floor:
    case ast::Builtin::Ceil:
    case ast::Builtin::Round: {
      ValueId arg = Lower(*c.args[0]);
      if (m_.insts[arg].type.kind == TypeKind::Int) return arg;  // identity on int
      i.op = c.builtin == ast::Builtin::Floor  ? Op::FloorToInt
             : c.builtin == ast::Builtin::Ceil ? Op::CeilToInt
                                               : Op::RoundToInt;
      i.args = {arg};
      return Emit(std::move(i));
    }
    case ast::Builtin::Float: return Coerce(Lower(*c.args[0]), {TypeKind::Float});
    case ast::Builtin::Year: return unary(Op::Year, {TypeKind::Date});
    case ast::Builtin::Month: return unary(Op::Month, {TypeKind::Date});
    case ast::Builtin::Day: return unary(Op::Day, {TypeKind::Date});
    case ast::Builtin::DaysBetween:
      i.op = Op::DaysBetween;
      i.args = {Lower(*c.args[0]), Lower(*c.args[1])};
      return Emit(std::move(i));
    case ast::Builtin::Exceeds: return cap_query(Op::CapExceeds);
    case ast::Builtin::Usage: return cap_query(Op::CapUsage);
    case ast::Builtin::Remaining: return cap_query(Op::CapRemaining);
    case ast::Builtin::Limit: return cap_query(Op::CapLimit);
    case ast::Builtin::Applied: {
      const ast::Decl* d = cast<ast::NameExpr>(*c.args[0]).ref.decl;
      if (auto it = rule_ids_.find(d); it != rule_ids_.end()) {
        i.op = Op::RuleApplies;
        i.imm = it->second;
      } else if (auto it2 = exempt_ids_.find(d); it2 != exempt_ids_.end()) {
        i.op = Op::ExemptApplies;
        i.imm = it2->second;
      } else {
        i.op = Op::CapApplies;
        i.imm = cap_ids_.at(d);
      }
      return Emit(std::move(i));
    }
    case ast::Builtin::Tier: {
      const auto* t = cast<ast::TiersDecl>(c.tiers);
      int32_t id = TiersId(t);
      ValueId arg = Lower(*c.args[0]);
      i.op = Op::Classify;
      i.imm = id;
      i.args = {Coerce(arg, m_.tiers[id].of)};
      return Emit(std::move(i));
    }
    case ast::Builtin::None: break;
  }
  llvm_unreachable("lowering an unresolved call");
}

auto Builder::LowerBinary(const ast::BinaryExpr& b) -> ValueId {
  Type type = TypeOf(b.type);
  Inst i;
  i.type = type;
  i.loc = Loc(b.op_range);
  auto both = [&](Type want) {
    i.args = {Coerce(Lower(*b.lhs), want), Coerce(Lower(*b.rhs), want)};
  };
  bool is_float = type.kind == TypeKind::Float;
  switch (b.op) {
    case ast::BinaryOp::Implies: {
      Inst n;
      n.op = Op::Not;
      n.type = {TypeKind::Bool};
      n.args = {Lower(*b.lhs)};
      i.op = Op::Or;
      i.args = {Emit(std::move(n)), Lower(*b.rhs)};
      return Emit(std::move(i));
    }
    case ast::BinaryOp::Or:
    case ast::BinaryOp::And:
      i.op = b.op == ast::BinaryOp::Or ? Op::Or : Op::And;
      i.args = {Lower(*b.lhs), Lower(*b.rhs)};
      return Emit(std::move(i));
    case ast::BinaryOp::Eq:
    case ast::BinaryOp::Ne:
    case ast::BinaryOp::Lt:
    case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt:
    case ast::BinaryOp::Ge:
      i.op = Op::Compare;
      i.cmp = static_cast<Cmp>(static_cast<int>(b.op) - static_cast<int>(ast::BinaryOp::Eq));
      i.args = {Lower(*b.lhs), Lower(*b.rhs)};
      return Emit(std::move(i));
    case ast::BinaryOp::In:
    case ast::BinaryOp::NotIn: {
      std::optional<sema::Value> set = Constant(*b.rhs);
      if (!set) llvm::report_fatal_error("`in` with a non-constant set");
      ValueId lhs = Lower(*b.lhs);
      Type elem = TypeOf(b.rhs->type.element());
      if (m_.insts[lhs].type.kind == TypeKind::Float) elem = {TypeKind::Float};
      i.op = Op::InSet;
      i.imm = SetId(*set, elem);
      i.args = {Coerce(lhs, elem)};
      ValueId in = Emit(std::move(i));
      if (b.op == ast::BinaryOp::In) return in;
      Inst n;
      n.op = Op::Not;
      n.type = {TypeKind::Bool};
      n.args = {in};
      return Emit(std::move(n));
    }
    case ast::BinaryOp::Add:
    case ast::BinaryOp::Sub:
    case ast::BinaryOp::Mul: {
      static constexpr Op kInt[] = {Op::AddInt, Op::SubInt, Op::MulInt};
      static constexpr Op kFloat[] = {Op::AddFloat, Op::SubFloat, Op::MulFloat};
      int k = static_cast<int>(b.op) - static_cast<int>(ast::BinaryOp::Add);
      i.op = is_float ? kFloat[k] : kInt[k];
      both(type);
      return Emit(std::move(i));
    }
    case ast::BinaryOp::Div:
      i.op = Op::DivFloat;
      both({TypeKind::Float});
      return Emit(std::move(i));
    case ast::BinaryOp::Rem:
      i.op = Op::RemInt;
      both({TypeKind::Int});
      return Emit(std::move(i));
  }
  llvm_unreachable("bad binary operator");
}

auto Builder::LowerMatch(const ast::MatchExpr& m) -> ValueId {
  Type type = TypeOf(m.type);
  ValueId scrutinee = Lower(*m.scrutinee);
  const Inst& s = m_.insts[scrutinee];
  size_t members = s.type.kind == TypeKind::Bool ? 2 : m_.enums[s.type.enum_id].members.size();
  SwitchTable table;
  table.arm_of_member.assign(members, -1);
  Inst i;
  i.op = Op::Switch;
  i.type = type;
  i.loc = Loc(m.range);
  i.args = {scrutinee};
  for (size_t a = 0; a < m.arms.size(); ++a) {
    for (const ast::ArmPattern& p : m.arms[a].patterns) {
      if (p.kind == ast::ArmPattern::Kind::Wildcard) {
        for (int32_t& arm : table.arm_of_member) {
          if (arm < 0) arm = static_cast<int32_t>(a);
        }
      } else {
        int idx = p.kind == ast::ArmPattern::Kind::Bool ? (p.bool_value ? 1 : 0) : p.member_index;
        if (idx >= 0 && table.arm_of_member[idx] < 0) table.arm_of_member[idx] = static_cast<int32_t>(a);
      }
    }
    i.args.push_back(Coerce(Lower(*m.arms[a].value), type));
  }
  m_.switches.push_back(std::move(table));
  i.imm = static_cast<int64_t>(m_.switches.size() - 1);
  return Emit(std::move(i));
}

void Builder::LowerValidity(const ast::Validity& v, Validity& out) {
  if (v.effective) out.effective = v.effective->value;
  if (v.until) out.until = v.until->value;
}

void Builder::LowerExplanation(const ast::Explanation& e, Explanation& out) {
  if (e.cite) out.cite = e.cite->value;
  if (!e.because) return;
  const std::string& s = e.because->value;
  std::string text;
  for (size_t k = 0; k < s.size(); ++k) {
    if ((s[k] == '{' || s[k] == '}') && k + 1 < s.size() && s[k + 1] == s[k]) {
      text += s[k++];
      continue;
    }
    if (s[k] != '{') {
      text += s[k];
      continue;
    }
    size_t close = s.find('}', k);
    if (close == std::string::npos) break;  // sema reported it
    std::string name = s.substr(k + 1, close - k - 1);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    k = close;
    ValueId value = kNoValue;
    if (name == "today") {
      value = Const(Op::Today, {TypeKind::Date});
    } else if (const ast::Field* f = checked_.input ? checked_.input->FindField(name) : nullptr) {
      value = Const(Op::Input, TypeOf(f->type), field_ids_.at(f));
    } else if (auto it = checked_.scope.find(name); it != checked_.scope.end()) {
      if (auto lit = let_ids_.find(it->second); lit != let_ids_.end()) {
        value = Const(Op::Let, m_.lets[lit->second].type, lit->second);
      } else if (const sema::Value* v = FindConstant(it->second)) {
        value = ConstValue(*v, TypeOf(cast<ast::ValueDecl>(it->second)->type));
      }
    }
    if (value == kNoValue) continue;
    out.because.push_back({text, kNoValue});
    out.because.push_back({"", value});
    text.clear();
  }
  if (!text.empty() || out.because.empty()) out.because.push_back({text, kNoValue});
}

void Builder::LowerTests() {
  const ast::Module& module = *checked_.module;
  auto error_code = [](const std::string& name) {
    for (int c = 1; c <= static_cast<int>(ErrorCode::IdempotencyConflict); ++c) {
      if (name == Spelling(static_cast<ErrorCode>(c))) return static_cast<ErrorCode>(c);
    }
    return ErrorCode::BadRequest;
  };
  for (const auto& d : module.decls) {
    const auto* t = dyn_cast<ast::TestDecl>(d.get());
    if (t == nullptr) continue;
    Test test;
    test.name = t->title.value;
    test.loc = Loc(t->range);
    for (const ast::TestStep& s : t->steps) {
      TestStep step;
      step.decide = s.kind == ast::TestStep::Kind::Decide;
      step.loc = Loc(s.range);
      step.fields.resize(m_.inputs.size());
      for (size_t f = 0; f < m_.inputs.size(); ++f) step.fields[f] = m_.inputs[f].default_value;
      for (const ast::RequestField& rf : s.request) {
        std::optional<sema::Value> v = Constant(*rf.value);
        if (!v) llvm::report_fatal_error("test request value is not constant");
        if (rf.name.name == "today") {
          step.today = v->d;
        } else {
          int32_t f = field_ids_.at(rf.field);
          step.fields[f] = ConstValue(*v, m_.inputs[f].type);
        }
      }
      if (!step.today && t->today) step.today = t->today->value;
      if (!step.today) step.today = m_.validity.effective.value_or(*ParseDate("1970-01-01"));
      for (const ast::UsageEntry& u : s.usage) {
        std::optional<sema::Value> v = Constant(*u.value);
        if (v && u.cap_decl) step.usage.push_back({cap_ids_.at(u.cap_decl), v->i});
      }
      if (s.expects_error) {
        step.expected_error = error_code(s.error_code.name);
      } else {
        step.expected_outcome = s.outcome_index;
        if (s.has_by) {
          std::vector<int32_t> by;
          for (const ast::Decl* r : s.by_rules) by.push_back(rule_ids_.at(r));
          step.expected_by = std::move(by);
        }
        if (s.where) step.where = Lower(*s.where);
      }
      test.steps.push_back(std::move(step));
    }
    m_.tests.push_back(std::move(test));
  }
}

auto Builder::Run() -> Module {
  const ast::Module& module = *checked_.module;
  m_.name = checked_.name;
  if (module.header) {
    if (module.header->version) m_.version = module.header->version->value;
    if (module.header->effective) m_.validity.effective = module.header->effective->value;
    if (module.header->expires) m_.validity.until = module.header->expires->value;
  }
  m_.source_path = sources_.path(module.file);
  uint64_t hash = 1469598103934665603ull;  // FNV-1a of the source text
  for (unsigned char ch : sources_.text(module.file)) hash = (hash ^ ch) * 1099511628211ull;
  m_.source_hash = hash;

  m_.decision_enum = EnumId(checked_.decision);
  m_.default_outcome = checked_.default_decl->member_index;
  for (const auto& f : checked_.input->fields) {
    field_ids_[f.get()] = static_cast<int32_t>(m_.inputs.size());
    InputField in;
    in.name = f->name.name;
    in.type = TypeOf(f->type);
    in.doc = f->doc.lines;
    m_.inputs.push_back(std::move(in));
  }
  // Indexes first: declarations may refer to ones that come later.
  for (const auto& d : module.decls) {
    switch (d->kind) {
      case ast::DeclKind::Let:
      case ast::DeclKind::Output: {
        const auto* v = cast<ast::ValueDecl>(d.get());
        let_ids_[v] = static_cast<int32_t>(m_.lets.size());
        Let l;
        l.name = v->name.name;
        l.type = TypeOf(v->type);
        l.is_output = v->kind == ast::DeclKind::Output;
        l.doc = v->doc.lines;
        m_.lets.push_back(std::move(l));
        break;
      }
      case ast::DeclKind::Rule:
        rule_ids_[d.get()] = static_cast<int32_t>(rule_ids_.size());
        break;
      case ast::DeclKind::Exempt:
        exempt_ids_[d.get()] = static_cast<int32_t>(exempt_ids_.size());
        break;
      case ast::DeclKind::Cap: cap_ids_[d.get()] = static_cast<int32_t>(cap_ids_.size()); break;
      default: break;
    }
  }
  m_.rules.resize(rule_ids_.size());
  m_.exemptions.resize(exempt_ids_.size());
  m_.caps.resize(cap_ids_.size());
  for (size_t f = 0; f < checked_.input->fields.size(); ++f) {
    const ast::Field& field = *checked_.input->fields[f];
    if (field.default_value) {
      std::optional<sema::Value> v = Constant(*field.default_value);
      if (v) m_.inputs[f].default_value = ConstValue(*v, m_.inputs[f].type);
    }
  }
  size_t decision_size = m_.enums[m_.decision_enum].members.size();
  for (const auto& d : module.decls) {
    if (const auto* v = dyn_cast<ast::ValueDecl>(d.get()); v && v->kind != ast::DeclKind::Const) {
      Let& l = m_.lets[let_ids_.at(v)];
      l.value = Coerce(Lower(*v->value), l.type);
    } else if (const auto* r = dyn_cast<ast::RuleDecl>(d.get())) {
      Rule& rule = m_.rules[rule_ids_.at(r)];
      rule.name = r->name.name;
      rule.cond = Lower(*r->cond);
      rule.outcome = r->outcome_index;
      rule.loc = Loc(r->name.range);
      rule.doc = r->doc.lines;
      LowerValidity(r->validity, rule.validity);
      LowerExplanation(r->explanation, rule.explanation);
    } else if (const auto* e = dyn_cast<ast::ExemptDecl>(d.get())) {
      int32_t id = exempt_ids_.at(e);
      Exemption& ex = m_.exemptions[id];
      ex.name = e->name.name;
      ex.cond = Lower(*e->cond);
      ex.loc = Loc(e->name.range);
      ex.doc = e->doc.lines;
      LowerValidity(e->validity, ex.validity);
      LowerExplanation(e->explanation, ex.explanation);
      for (const ast::Decl* target : e->resolved_targets) {
        if (auto it = rule_ids_.find(target); it != rule_ids_.end()) {
          ex.target_rules.push_back(it->second);
          m_.rules[it->second].defeated_by.push_back(id);
        } else if (auto it2 = exempt_ids_.find(target); it2 != exempt_ids_.end()) {
          ex.target_exemptions.push_back(it2->second);
          m_.exemptions[it2->second].defeated_by.push_back(id);
        } else if (auto it3 = cap_ids_.find(target); it3 != cap_ids_.end()) {
          ex.target_caps.push_back(it3->second);
          m_.caps[it3->second].defeated_by.push_back(id);
        }
      }
    } else if (const auto* c = dyn_cast<ast::CapDecl>(d.get())) {
      Cap& cap = m_.caps[cap_ids_.at(c)];
      cap.name = c->name.name;
      cap.loc = Loc(c->name.range);
      cap.doc = c->doc.lines;
      cap.window = static_cast<Window>(c->window);
      cap.record.assign(decision_size, false);
      for (int o : c->record_outcomes) {
        if (o >= 0 && static_cast<size_t>(o) < decision_size) cap.record[o] = true;
      }
      cap.applies = Const(Op::ConstBool, {TypeKind::Bool}, 1);
      for (const ast::CapEntry& entry : c->entries) {
        if (entry.values.empty()) continue;
        switch (entry.field) {
          case ast::CapField::Limit: cap.limit = Lower(*entry.values[0]); break;
          case ast::CapField::Amount: cap.amount = Lower(*entry.values[0]); break;
          case ast::CapField::Applies: cap.applies = Lower(*entry.values[0]); break;
          case ast::CapField::Key:
            for (const auto& k : entry.values) cap.keys.push_back(Lower(*k));
            break;
          default: break;
        }
      }
    } else if (const auto* p = dyn_cast<ast::PropertyDecl>(d.get())) {
      Property prop;
      prop.name = p->name.name;
      prop.value = Lower(*p->expr);
      prop.loc = Loc(p->name.range);
      m_.properties.push_back(std::move(prop));
    }
  }
  for (const ast::ExemptDecl* e : checked_.exemption_order) {
    m_.exemption_order.push_back(exempt_ids_.at(e));
  }
  LowerTests();
  return std::move(m_);
}

}  // namespace

const char* Spelling(ErrorCode code) {
  switch (code) {
    case ErrorCode::None: return "none";
    case ErrorCode::IntOverflow: return "int_overflow";
    case ErrorCode::DivisionByZero: return "division_by_zero";
    case ErrorCode::NonFinite: return "non_finite";
    case ErrorCode::NegativeAmount: return "negative_amount";
    case ErrorCode::NegativeLimit: return "negative_limit";
    case ErrorCode::NotInForce: return "not_in_force";
    case ErrorCode::UnknownField: return "unknown_field";
    case ErrorCode::MissingField: return "missing_field";
    case ErrorCode::WrongType: return "wrong_type";
    case ErrorCode::UnknownMember: return "unknown_member";
    case ErrorCode::InvalidDate: return "invalid_date";
    case ErrorCode::BadRequest: return "bad_request";
    case ErrorCode::IdempotencyConflict: return "idempotency_conflict";
  }
  return "bad_request";
}

const char* Spelling(Window w) {
  switch (w) {
    case Window::Day: return "day";
    case Window::Month: return "month";
    case Window::Quarter: return "quarter";
    case Window::Year: return "year";
    case Window::Forever: return "forever";
  }
  return "forever";
}

Date WindowStart(Window w, Date today) {
  CivilDate c = ToCivil(today);
  switch (w) {
    case Window::Day: return today;
    case Window::Month: return *MakeDate(c.year, c.month, 1);
    case Window::Quarter: return *MakeDate(c.year, (c.month - 1) / 3 * 3 + 1, 1);
    case Window::Year: return *MakeDate(c.year, 1, 1);
    case Window::Forever: return kMinDate;
  }
  return kMinDate;
}

auto BuildPir(const sema::CheckedModule& checked, const SourceManager& sources) -> Module {
  return Builder(checked, sources).Run();
}

}  // namespace edict::pir
