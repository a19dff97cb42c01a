// Expression typing and name resolution with expected types (LANGUAGE.md §3, §10 "Names and
// modules", "Types"). Error-typed operands are silent: no follow-on diagnostic mentions them.
#include <string>
#include <vector>

#include "llvm/Support/Casting.h"
#include "sema/sema_internal.h"

namespace edict::sema {

namespace {

using ast::Type;
using ast::TypeKind;

// Written inside the backticks of "expected `{0}`": "expected `int` or `float`, found …".
constexpr const char* kNumber = "int` or `float";

struct BuiltinInfo {
  const char* name;
  ast::Builtin builtin;
};
constexpr BuiltinInfo kBuiltins[] = {
    {"min", ast::Builtin::Min},
    {"max", ast::Builtin::Max},
    {"abs", ast::Builtin::Abs},
    {"floor", ast::Builtin::Floor},
    {"ceil", ast::Builtin::Ceil},
    {"round", ast::Builtin::Round},
    {"float", ast::Builtin::Float},
    {"year", ast::Builtin::Year},
    {"month", ast::Builtin::Month},
    {"day", ast::Builtin::Day},
    {"days_between", ast::Builtin::DaysBetween},
    {"exceeds", ast::Builtin::Exceeds},
    {"usage", ast::Builtin::Usage},
    {"remaining", ast::Builtin::Remaining},
    {"limit", ast::Builtin::Limit},
    {"applied", ast::Builtin::Applied},
};

ast::Builtin FindBuiltin(const std::string& name) {
  for (const BuiltinInfo& b : kBuiltins) {
    if (name == b.name) return b.builtin;
  }
  return ast::Builtin::None;
}

std::string Arguments(size_t n) { return n == 1 ? "1 argument" : std::to_string(n) + " arguments"; }

bool IsOrdered(const Type& t) {
  return t.is_numeric() || t.kind == TypeKind::Date || t.kind == TypeKind::Enum;
}

}  // namespace

bool Checker::IsAssignable(const Type& to, const Type& from) {
  if (to.is_error() || from.is_error()) return true;
  if (to == from) return true;
  if (to.kind == TypeKind::Float && from.kind == TypeKind::Int) return true;
  if (to.kind == TypeKind::Set && from.kind == TypeKind::Set && to.elem == TypeKind::Float &&
      from.elem == TypeKind::Int) {
    return true;
  }
  return false;
}

void Checker::ReportTypeMismatch(const ast::Expr& e, const Type& want, const Type& found) {
  auto b = diags_.Build(e.range, diag::TypeMismatch, ast::ToString(want), ast::ToString(found));
  b.Label("this is `{0}`", ast::ToString(found));
  if (want.kind == TypeKind::Int && found.kind == TypeKind::Float) {
    b.Help("convert with `floor`, `ceil` or `round`");
  }
}

auto Checker::CheckExprAs(ast::Expr& e, const Type& want, bool allow_set) -> Type {
  Type t = CheckExpr(e, &want, allow_set);
  if (!IsAssignable(want, t)) ReportTypeMismatch(e, want, t);
  return t;
}

bool Checker::IsContextual(const ast::Expr& e) const {
  switch (e.kind) {
    case ast::ExprKind::Name: {
      const auto& n = llvm::cast<ast::NameExpr>(e);
      if (!n.name.is_simple()) return false;
      const std::string& name = n.name.last();
      if (LookupField(name)) return false;
      const ast::Decl* d = LookupDecl(name);
      return !(d && llvm::isa<ast::ValueDecl>(d));
    }
    case ast::ExprKind::Set: {
      for (const auto& el : llvm::cast<ast::SetExpr>(e).elements) {
        if (!IsContextual(*el)) return false;
      }
      return true;
    }
    case ast::ExprKind::If: {
      const auto& i = llvm::cast<ast::IfExpr>(e);
      return IsContextual(*i.then_expr) && IsContextual(*i.else_expr);
    }
    case ast::ExprKind::Match: {
      for (const auto& arm : llvm::cast<ast::MatchExpr>(e).arms) {
        if (arm.value && !IsContextual(*arm.value)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

auto Checker::CheckExpr(ast::Expr& e, const Type* expected, bool allow_set) -> Type {
  Type t;
  switch (e.kind) {
    case ast::ExprKind::IntLit:
      t = Type::Int();
      break;
    case ast::ExprKind::FloatLit:
      t = Type::Float();
      break;
    case ast::ExprKind::StringLit:
      t = Type::String();
      break;
    case ast::ExprKind::DateLit:
      t = Type::Date();
      break;
    case ast::ExprKind::BoolLit:
      t = Type::Bool();
      break;
    case ast::ExprKind::Today:
      t = Type::Date();
      break;
    case ast::ExprKind::Outcome:
      if (!in_property_) {
        diags_.Build(e.range, diag::PropertyOnly, "outcome")
            .Label("outside a property")
            .Help(
                "the outcome is known only after every rule is evaluated; state claims about "
                "it in a `property` or a test's `->`")
            .Emit();
        t = Type::Error();
      } else {
        t = decision_ ? Type::Enum(decision_) : Type::Error();
      }
      break;
    case ast::ExprKind::Name:
      t = CheckName(llvm::cast<ast::NameExpr>(e), expected);
      if (t.kind == TypeKind::Set && !allow_set) {
        diags_
            .Build(e.range, diag::InvalidSet,
                   llvm::formatv("set `{0}` is used outside `in`", Text(e.range)).str())
            .Label("a set")
            .Help("test membership with `x in {0}`", Text(e.range))
            .Emit();
        t = Type::Error();
      }
      break;
    case ast::ExprKind::Call:
      t = CheckCall(llvm::cast<ast::CallExpr>(e), expected);
      break;
    case ast::ExprKind::Unary:
      t = CheckUnary(llvm::cast<ast::UnaryExpr>(e));
      break;
    case ast::ExprKind::Binary:
      t = CheckBinary(llvm::cast<ast::BinaryExpr>(e));
      break;
    case ast::ExprKind::Set: {
      Type elem_hint;
      const Type* hint = nullptr;
      if (expected && expected->kind == TypeKind::Set) {
        elem_hint = expected->element();
        hint = &elem_hint;
      } else if (expected && !expected->is_error()) {
        hint = expected;
      }
      t = CheckSet(llvm::cast<ast::SetExpr>(e), hint);
      if (!allow_set) {
        diags_
            .Build(e.range, diag::InvalidSet,
                   "set literal outside `in`, a `const` or a tier pattern")
            .Label("a set")
            .Help("test membership with `x in {{…}`")
            .Emit();
        t = Type::Error();
      }
      break;
    }
    case ast::ExprKind::If:
      t = CheckIf(llvm::cast<ast::IfExpr>(e), expected);
      break;
    case ast::ExprKind::Match:
      t = CheckMatch(llvm::cast<ast::MatchExpr>(e), expected);
      break;
    case ast::ExprKind::Error:
      t = Type::Error();
      break;
  }
  e.type = t;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Names

auto Checker::CheckName(ast::NameExpr& n, const Type* expected) -> Type {
  if (n.name.parts.empty()) return Type::Error();
  if (n.name.is_simple()) return CheckSimpleName(n, expected);
  return CheckQualifiedName(n);
}

auto Checker::CheckSimpleName(ast::NameExpr& n, const Type* expected) -> Type {
  const std::string& name = n.name.last();
  const ast::Field* field = LookupField(name);
  const ast::Decl* decl = LookupDecl(name);
  const auto* value = llvm::dyn_cast_or_null<ast::ValueDecl>(decl);
  const ast::EnumLikeDecl* expected_enum =
      expected && expected->is_enum() ? llvm::cast<ast::EnumLikeDecl>(expected->decl) : nullptr;
  int expected_index = expected_enum ? expected_enum->FindMember(name) : -1;

  if (field || value) {
    if (expected_index >= 0) {
      SourceRange where = field ? field->name.range : value->name.range;
      diags_.Build(n.range, diag::DeclMemberAmbiguity, name, expected_enum->name.name)
          .Label("ambiguous")
          .Note(where, "`{0}` declared here", name)
          .Note(expected_enum->member(expected_index).range, "member `{0}.{1}` declared here",
                expected_enum->name.name, name)
          .Help("write `{0}.{1}` for the member, or rename the {2}", expected_enum->name.name, name,
                field ? "field" : DescribeDecl(*value))
          .Emit();
      n.ref.kind = ast::NameRef::Kind::Error;
      return Type::Error();
    }
    if (field) {
      field->used = true;
      n.ref.kind = ast::NameRef::Kind::Field;
      n.ref.field = field;
      return field->type;
    }
    value->used = true;
    n.ref.decl = value;
    n.ref.kind = value->kind == ast::DeclKind::Const ? ast::NameRef::Kind::Const
                 : value->kind == ast::DeclKind::Let ? ast::NameRef::Kind::Let
                                                     : ast::NameRef::Kind::Output;
    return EnsureValueDecl(*value, n.range);
  }

  auto resolve_member = [&](const ast::EnumLikeDecl* e, int index) {
    e->used = true;
    n.ref.kind = ast::NameRef::Kind::Member;
    n.ref.decl = e;
    n.ref.index = index;
    return Type::Enum(e);
  };
  if (expected_index >= 0) return resolve_member(expected_enum, expected_index);

  auto it = members_.find(name);
  if (it != members_.end() && it->second.size() == 1) {
    return resolve_member(it->second[0].first, it->second[0].second);
  }
  n.ref.kind = ast::NameRef::Kind::Error;
  if (it != members_.end() && it->second.size() > 1) {
    const std::string& a = it->second[0].first->name.name;
    const std::string& b = it->second[1].first->name.name;
    diags_.Build(n.range, diag::AmbiguousMember, name, a, b)
        .Label("ambiguous member")
        .Help("write `{0}.{2}` or `{1}.{2}`", a, b, name)
        .Emit();
    return Type::Error();
  }
  if (decl) {
    diags_.Build(n.range, diag::NotAValue, name, WithArticle(DescribeDecl(*decl)))
        .Label("not a value")
        .Note(decl->name.range, "`{0}` declared here", name)
        .Emit();
    return Type::Error();
  }
  auto b = diags_.Build(n.range, diag::UnknownName, name);
  b.Label("not found");
  if (IsModuleName(name)) {
    b.Help("`{0}` is a module; name one of its declarations as `{0}.NAME`", name);
  } else if (std::string guess = Suggest(name, AllNames()); !guess.empty()) {
    b.Help("did you mean `{0}`?", guess);
  }
  return Type::Error();
}

auto Checker::CheckQualifiedName(ast::NameExpr& n) -> Type {
  const auto& parts = n.name.parts;
  n.ref.kind = ast::NameRef::Kind::Error;
  auto member_of = [&](const ast::EnumLikeDecl* e, const ast::Ident& m) -> Type {
    e->used = true;
    int index = e->FindMember(m.name);
    if (index < 0) {
      std::vector<std::string> names;
      for (size_t i = 0; i < e->member_count(); ++i) names.push_back(e->member(i).name);
      auto b = diags_.Build(m.range, diag::UnknownMember, e->name.name, m.name);
      b.Label("not a member");
      if (std::string guess = Suggest(m.name, names); !guess.empty()) {
        b.Help("did you mean `{0}`?", guess);
      }
      return Type::Error();
    }
    n.ref.kind = ast::NameRef::Kind::Member;
    n.ref.decl = e;
    n.ref.index = index;
    return Type::Enum(e);
  };

  const ast::Decl* d0 = LookupDecl(parts[0].name);
  if (d0 || LookupField(parts[0].name)) {
    auto* e = llvm::dyn_cast_or_null<ast::EnumLikeDecl>(d0);
    if (e && parts.size() == 2) return member_of(e, parts[1]);
    std::string owner = parts[0].name;
    diags_
        .Build(SourceRange::Join(parts[1].range, parts.back().range), diag::UnknownMember, owner,
               parts[1].name)
        .Label(e ? "not a member" : "`{0}` is not an enum type", owner)
        .Emit();
    return Type::Error();
  }
  if (IsModuleName(parts[0].name)) {
    const ast::Decl* d1 = LookupModuleDecl(parts[0].name, parts[1].name);
    if (!d1) {
      std::vector<std::string> names;
      for (const auto& d : modules_[parts[0].name]->module->decls) {
        if (!d->name.name.empty()) names.push_back(d->name.name);
      }
      auto b = diags_.Build(SourceRange::Join(parts[0].range, parts[1].range), diag::UnknownName,
                            parts[0].name + "." + parts[1].name);
      b.Label("module `{0}` has no `{1}`", parts[0].name, parts[1].name);
      if (std::string guess = Suggest(parts[1].name, names); !guess.empty()) {
        b.Help("did you mean `{0}.{1}`?", parts[0].name, guess);
      }
      return Type::Error();
    }
    if (parts.size() == 2) {
      if (const auto* v = llvm::dyn_cast<ast::ValueDecl>(d1)) {
        v->used = true;
        n.ref.kind = ast::NameRef::Kind::Const;
        n.ref.decl = v;
        return v->type;
      }
      diags_.Build(n.range, diag::NotAValue, n.name.str(), WithArticle(DescribeDecl(*d1)))
          .Label("not a value")
          .Emit();
      return Type::Error();
    }
    auto* e = llvm::dyn_cast<ast::EnumLikeDecl>(d1);
    if (e && parts.size() == 3) return member_of(e, parts[2]);
    diags_.Build(n.range, diag::UnknownName, n.name.str()).Label("not found").Emit();
    return Type::Error();
  }
  auto b = diags_.Build(parts[0].range, diag::UnknownName, parts[0].name);
  b.Label("not found");
  std::vector<std::string> names = AllNames();
  for (const auto& [q, m] : modules_) names.push_back(q);
  if (std::string guess = Suggest(parts[0].name, names); !guess.empty()) {
    b.Help("did you mean `{0}`?", guess);
  }
  return Type::Error();
}

// ---------------------------------------------------------------------------------------------
// Calls

auto Checker::ResolveDeclArg(ast::Expr& arg, bool caps_only) -> const ast::Decl* {
  auto* n = llvm::dyn_cast<ast::NameExpr>(&arg);
  const ast::Decl* d = n && n->name.is_simple() ? LookupDecl(n->name.last()) : nullptr;
  bool fits =
      d && (d->kind == ast::DeclKind::Cap ||
            (!caps_only && (d->kind == ast::DeclKind::Rule || d->kind == ast::DeclKind::Exempt)));
  if (fits) {
    d->used = true;
    n->ref.kind = ast::NameRef::Kind::Decl;
    n->ref.decl = d;
    return d;
  }
  if (arg.kind == ast::ExprKind::Error) return nullptr;
  std::string text = n ? n->name.str() : Text(arg.range);
  std::vector<std::string> candidates;
  for (const auto& [name, decl] : scope_) {
    if (decl->kind == ast::DeclKind::Cap || (!caps_only && (decl->kind == ast::DeclKind::Rule ||
                                                            decl->kind == ast::DeclKind::Exempt))) {
      candidates.push_back(name);
    }
  }
  std::string guess = n ? Suggest(n->name.last(), candidates) : std::string();
  if (caps_only) {
    auto b = diags_.Build(arg.range, diag::UnknownCap, text);
    b.Label(d ? "{0}, not a cap" : "not a cap", d ? WithArticle(DescribeDecl(*d)) : "");
    if (!guess.empty()) b.Help("did you mean `{0}`?", guess);
  } else if (d || !n) {
    auto b = diags_.Build(arg.range, diag::InvalidExemptionTarget, text);
    b.Label(d ? "{0}" : "not a declaration", d ? WithArticle(DescribeDecl(*d)) : "");
  } else {
    auto b = diags_.Build(arg.range, diag::UnknownName, text);
    b.Label("not found");
    if (!guess.empty()) b.Help("did you mean `{0}`?", guess);
  }
  if (n) n->ref.kind = ast::NameRef::Kind::Error;
  return nullptr;
}

auto Checker::CheckUnified(const std::vector<ast::Expr*>& exprs, const Type* expected,
                           const char* what) -> Type {
  if (exprs.empty()) return Type::Error();
  size_t first = 0;
  if (!expected || !expected->is_enum()) {
    for (size_t i = 0; i < exprs.size(); ++i) {
      if (!IsContextual(*exprs[i])) {
        first = i;
        break;
      }
    }
  }
  Type acc = CheckExpr(*exprs[first], expected);
  bool mismatch = false;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (i == first) continue;
    const Type* hint = acc.is_error() ? expected : &acc;
    Type t = CheckExpr(*exprs[i], hint);
    if (t.is_error()) continue;
    if (acc.is_error()) {
      acc = t;
    } else if (acc == t) {
      continue;
    } else if (acc.is_numeric() && t.is_numeric()) {
      acc = Type::Float();
    } else {
      diags_.Build(exprs[i]->range, diag::TypeMismatch, ast::ToString(acc), ast::ToString(t))
          .Label("this {0} is `{1}`", what, ast::ToString(t))
          .Note(exprs[first]->range, "the first {0} is `{1}`", what, ast::ToString(acc))
          .Emit();
      mismatch = true;
    }
  }
  return mismatch ? Type::Error() : acc;
}

auto Checker::CheckCall(ast::CallExpr& c, const Type* expected) -> Type {
  const ast::QualName& callee = c.callee;
  if (callee.parts.empty()) return Type::Error();
  auto check_args_plain = [&] {
    for (auto& a : c.args) CheckExpr(*a);
  };
  ast::Builtin builtin = callee.is_simple() ? FindBuiltin(callee.last()) : ast::Builtin::None;
  const std::string& fname = callee.last();

  if (builtin == ast::Builtin::None) {
    const ast::Decl* d = nullptr;
    if (callee.is_simple()) {
      d = LookupDecl(fname);
    } else if (callee.parts.size() == 2 && IsModuleName(callee.parts[0].name)) {
      d = LookupModuleDecl(callee.parts[0].name, callee.parts[1].name);
    }
    const auto* tiers = llvm::dyn_cast_or_null<ast::TiersDecl>(d);
    if (!tiers) {
      std::vector<std::string> names;
      for (const BuiltinInfo& b : kBuiltins) names.push_back(b.name);
      for (const auto& [name, decl] : scope_) {
        if (decl->kind == ast::DeclKind::Tiers) names.push_back(name);
      }
      auto b = diags_.Build(callee.range, diag::UnknownFunction, callee.str());
      if (d) {
        b.Label("{0}, not a function", WithArticle(DescribeDecl(*d)));
      } else {
        b.Label("not found");
        if (std::string guess = Suggest(fname, names); !guess.empty()) {
          b.Help("did you mean `{0}`?", guess);
        }
      }
      check_args_plain();
      return Type::Error();
    }
    tiers->used = true;
    c.builtin = ast::Builtin::Tier;
    c.tiers = tiers;
    if (c.args.size() != 1) {
      diags_.Build(c.range, diag::WrongArgCount, callee.str(), Arguments(1), c.args.size())
          .Label("classifies one value")
          .Emit();
      check_args_plain();
      return Type::Enum(tiers);
    }
    if (tiers->of_type.is_error()) {
      CheckExpr(*c.args[0]);
    } else {
      CheckExprAs(*c.args[0], tiers->of_type);
    }
    return Type::Enum(tiers);
  }

  c.builtin = builtin;
  auto arity = [&](size_t lo, size_t hi, const std::string& desc) {
    if (c.args.size() >= lo && c.args.size() <= hi) return true;
    diags_.Build(c.range, diag::WrongArgCount, fname, desc, c.args.size()).Emit();
    check_args_plain();
    return false;
  };
  auto numeric_arg = [&](ast::Expr& a) -> Type {
    Type t = CheckExpr(a);
    if (t.is_error() || t.is_numeric()) return t;
    diags_.Build(a.range, diag::TypeMismatch, kNumber, ast::ToString(t))
        .Label("this is `{0}`", ast::ToString(t))
        .Emit();
    return Type::Error();
  };

  switch (builtin) {
    case ast::Builtin::Min:
    case ast::Builtin::Max: {
      if (!arity(2, SIZE_MAX, "2 or more arguments")) return Type::Error();
      std::vector<ast::Expr*> args;
      for (auto& a : c.args) args.push_back(a.get());
      Type t = CheckUnified(args, expected, "argument");
      if (t.is_error()) return t;
      if (!IsOrdered(t)) {
        diags_.Build(callee.range, diag::InvalidOperands, fname, ast::ToString(t), ast::ToString(t))
            .Label("needs ordered values")
            .Help("`{0}` takes numbers, dates or enum values", fname)
            .Emit();
        return Type::Error();
      }
      return t;
    }
    case ast::Builtin::Abs: {
      if (!arity(1, 1, Arguments(1))) return Type::Error();
      return numeric_arg(*c.args[0]);
    }
    case ast::Builtin::Floor:
    case ast::Builtin::Ceil:
    case ast::Builtin::Round: {
      if (!arity(1, 1, Arguments(1))) return Type::Int();
      numeric_arg(*c.args[0]);
      return Type::Int();
    }
    case ast::Builtin::Float: {
      if (!arity(1, 1, Arguments(1))) return Type::Float();
      numeric_arg(*c.args[0]);
      return Type::Float();
    }
    case ast::Builtin::Year:
    case ast::Builtin::Month:
    case ast::Builtin::Day: {
      if (!arity(1, 1, Arguments(1))) return Type::Int();
      CheckExprAs(*c.args[0], Type::Date());
      return Type::Int();
    }
    case ast::Builtin::DaysBetween: {
      if (!arity(2, 2, Arguments(2))) return Type::Int();
      CheckExprAs(*c.args[0], Type::Date());
      CheckExprAs(*c.args[1], Type::Date());
      return Type::Int();
    }
    case ast::Builtin::Exceeds:
    case ast::Builtin::Usage:
    case ast::Builtin::Remaining:
    case ast::Builtin::Limit: {
      Type result = builtin == ast::Builtin::Exceeds ? Type::Bool() : Type::Int();
      if (!arity(1, 1, Arguments(1))) return result;
      ResolveDeclArg(*c.args[0], /*caps_only=*/true);
      return result;
    }
    case ast::Builtin::Applied: {
      if (!in_property_) {
        diags_.Build(callee.range, diag::PropertyOnly, "applied")
            .Label("outside a property")
            .Help("a test step can check the deciding rules with `by`")
            .Emit();
      }
      if (!arity(1, 1, Arguments(1))) return Type::Bool();
      ResolveDeclArg(*c.args[0], /*caps_only=*/false);
      return in_property_ ? Type::Bool() : Type::Error();
    }
    case ast::Builtin::None:
    case ast::Builtin::Tier:
      break;
  }
  return Type::Error();
}

// ---------------------------------------------------------------------------------------------
// Operators

auto Checker::CheckUnary(ast::UnaryExpr& u) -> Type {
  if (u.op == ast::UnaryOp::Not) {
    CheckExprAs(*u.operand, Type::Bool());
    return Type::Bool();
  }
  Type t = CheckExpr(*u.operand);
  if (t.is_error() || t.is_numeric()) return t;
  diags_.Build(u.operand->range, diag::TypeMismatch, kNumber, ast::ToString(t))
      .Label("cannot be negated")
      .Emit();
  return Type::Error();
}

auto Checker::CheckBinary(ast::BinaryExpr& b) -> Type {
  const char* op = ast::Spelling(b.op);
  auto operands_error = [&](const Type& l, const Type& r, const char* help) {
    auto d =
        diags_.Build(b.op_range, diag::InvalidOperands, op, ast::ToString(l), ast::ToString(r));
    d.Label("`{0}` and `{1}`", ast::ToString(l), ast::ToString(r));
    if (help) d.Help(help);
  };

  switch (b.op) {
    case ast::BinaryOp::Implies:
      if (!in_property_) {
        diags_.Build(b.op_range, diag::PropertyOnly, "implies")
            .Label("outside a property")
            .Help("write `not a or b` outside properties")
            .Emit();
      }
      CheckExprAs(*b.lhs, Type::Bool());
      CheckExprAs(*b.rhs, Type::Bool());
      return Type::Bool();
    case ast::BinaryOp::And:
    case ast::BinaryOp::Or:
      CheckExprAs(*b.lhs, Type::Bool());
      CheckExprAs(*b.rhs, Type::Bool());
      return Type::Bool();

    case ast::BinaryOp::Eq:
    case ast::BinaryOp::Ne:
    case ast::BinaryOp::Lt:
    case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt:
    case ast::BinaryOp::Ge: {
      Type l, r;
      if (IsContextual(*b.lhs) && !IsContextual(*b.rhs)) {
        r = CheckExpr(*b.rhs);
        l = CheckExpr(*b.lhs, r.is_error() ? nullptr : &r);
      } else {
        l = CheckExpr(*b.lhs);
        r = CheckExpr(*b.rhs, l.is_error() ? nullptr : &l);
      }
      if (l.is_error() || r.is_error()) return Type::Bool();
      bool ordered = b.op != ast::BinaryOp::Eq && b.op != ast::BinaryOp::Ne;
      bool ok = (l.is_numeric() && r.is_numeric()) ||
                (l == r && (l.kind == TypeKind::Date || l.kind == TypeKind::Enum)) ||
                (!ordered && l == r && (l.kind == TypeKind::Bool || l.kind == TypeKind::String));
      if (!ok) {
        const char* help = nullptr;
        if (ordered && l == r && (l.kind == TypeKind::Bool || l.kind == TypeKind::String)) {
          help = "strings and bools compare only with `==` and `!=`";
        } else if (l.kind == TypeKind::Set || r.kind == TypeKind::Set) {
          help = "test membership with `in`";
        }
        operands_error(l, r, help);
      }
      return Type::Bool();
    }

    case ast::BinaryOp::In:
    case ast::BinaryOp::NotIn: {
      Type l, r;
      if (IsContextual(*b.lhs) && !IsContextual(*b.rhs)) {
        r = CheckExpr(*b.rhs, nullptr, /*allow_set=*/true);
        Type elem = r.kind == TypeKind::Set ? r.element() : Type::Error();
        l = CheckExpr(*b.lhs, elem.is_error() ? nullptr : &elem);
      } else {
        l = CheckExpr(*b.lhs);
        r = CheckExpr(*b.rhs, l.is_error() ? nullptr : &l, /*allow_set=*/true);
      }
      if (l.is_error() || r.is_error()) return Type::Bool();
      if (r.kind != TypeKind::Set) {
        operands_error(l, r, "the right side of `in` is a set `{{…}` or a `const` set");
        return Type::Bool();
      }
      Type elem = r.element();
      if (!((l.is_numeric() && elem.is_numeric()) || l == elem)) operands_error(l, r, nullptr);
      return Type::Bool();
    }

    case ast::BinaryOp::Add:
    case ast::BinaryOp::Sub:
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::Div:
    case ast::BinaryOp::Rem: {
      Type l = CheckExpr(*b.lhs);
      Type r = CheckExpr(*b.rhs);
      if (l.is_error() || r.is_error()) return Type::Error();
      if (!l.is_numeric() || !r.is_numeric()) {
        const char* help = nullptr;
        if (l.kind == TypeKind::Date || r.kind == TypeKind::Date) {
          help = "use `days_between(a, b)` for the days between two dates";
        }
        operands_error(l, r, help);
        return Type::Error();
      }
      if (b.op == ast::BinaryOp::Rem) {
        if (l.kind != TypeKind::Int || r.kind != TypeKind::Int) {
          operands_error(l, r, "`%` takes two ints");
          return Type::Error();
        }
        return Type::Int();
      }
      if (b.op == ast::BinaryOp::Div) return Type::Float();
      return l.kind == TypeKind::Int && r.kind == TypeKind::Int ? Type::Int() : Type::Float();
    }
  }
  return Type::Error();
}

// ---------------------------------------------------------------------------------------------
// Sets, if, match

auto Checker::CheckSet(ast::SetExpr& s, const Type* expected_elem) -> Type {
  std::vector<ast::Expr*> exprs;
  for (auto& el : s.elements) exprs.push_back(el.get());
  Type t = CheckUnified(exprs, expected_elem, "member");
  if (t.is_error()) return t;
  if (t.kind == TypeKind::Set) {
    diags_.Build(s.range, diag::SetNotAllowed, "a set").Label("a set of sets").Emit();
    return Type::Error();
  }
  std::vector<std::pair<Value, const ast::Expr*>> seen;
  for (ast::Expr* el : exprs) {
    if (el->type.is_error()) continue;
    std::optional<Value> v = EvalReported(*el, Text(el->range));
    if (!v) continue;
    Value cv = ConvertToType(*v, t);
    for (const auto& [prev, prev_expr] : seen) {
      if (ValueEquals(prev, cv)) {
        diags_
            .Build(el->range, diag::InvalidSet,
                   llvm::formatv("`{0}` is listed twice in the set", FormatValue(cv, t)).str())
            .Label("listed again")
            .Note(prev_expr->range, "first listed here")
            .Emit();
        break;
      }
    }
    seen.push_back({cv, el});
  }
  return Type::SetOf(t);
}

auto Checker::CheckIf(ast::IfExpr& e, const Type* expected) -> Type {
  CheckExprAs(*e.cond, Type::Bool());
  return CheckUnified({e.then_expr.get(), e.else_expr.get()}, expected, "branch");
}

auto Checker::CheckMatch(ast::MatchExpr& m, const Type* expected) -> Type {
  Type st = CheckExpr(*m.scrutinee);
  const auto* en = st.is_enum() ? llvm::cast<ast::EnumLikeDecl>(st.decl) : nullptr;
  bool is_bool = st.kind == TypeKind::Bool;
  bool checkable = en || is_bool;
  if (!st.is_error() && !checkable) {
    diags_.Build(m.scrutinee->range, diag::TypeMismatch, "enum` or `bool", ast::ToString(st))
        .Label("cannot be matched")
        .Help(
            "`match` works on enum, tier, decision and bool values; use `if` or tiers for "
            "other values")
        .Emit();
  }
  size_t count = en ? en->member_count() : is_bool ? 2 : 0;
  std::vector<SourceRange> covered(count);
  bool wildcard = false;
  SourceRange wildcard_range;
  for (ast::MatchArm& arm : m.arms) {
    for (ast::ArmPattern& p : arm.patterns) {
      if (wildcard) {
        diags_.Build(p.range, diag::UnreachableArm, "`_` already matches every value")
            .Label("unreachable")
            .Note(wildcard_range, "`_` is here")
            .Emit();
        continue;
      }
      int index = -1;
      switch (p.kind) {
        case ast::ArmPattern::Kind::Wildcard: {
          bool all = checkable;
          for (const SourceRange& c : covered) all = all && c.valid();
          if (all && count > 0) {
            diags_.Build(p.range, diag::UnreachableArm, "every value is already covered")
                .Label("unreachable")
                .Emit();
          }
          wildcard = true;
          wildcard_range = p.range;
          continue;
        }
        case ast::ArmPattern::Kind::Bool:
          if (!is_bool) {
            if (checkable) {
              diags_.Build(p.range, diag::TypeMismatch, ast::ToString(st), "bool")
                  .Label("a bool pattern")
                  .Emit();
            }
            continue;
          }
          index = p.bool_value ? 1 : 0;
          break;
        case ast::ArmPattern::Kind::Member:
          if (is_bool) {
            diags_.Build(p.range, diag::TypeMismatch, "bool", p.member.str())
                .Label("not a bool")
                .Help("match a bool with `true` and `false`")
                .Emit();
            continue;
          }
          if (!en) continue;
          index = ResolveMemberOf(p.member, *en, diag::UnknownMember);
          break;
      }
      p.member_index = index;
      if (index < 0) continue;
      if (covered[index].valid()) {
        std::string what = is_bool ? (index ? "true" : "false") : en->member(index).name;
        diags_
            .Build(p.range, diag::UnreachableArm,
                   llvm::formatv("`{0}` is already covered", what).str())
            .Label("unreachable")
            .Note(covered[index], "first covered here")
            .Emit();
        continue;
      }
      covered[index] = p.range;
    }
  }
  if (checkable && !wildcard) {
    std::vector<std::string> missing;
    for (size_t i = 0; i < count; ++i) {
      if (!covered[i].valid()) {
        missing.push_back(is_bool ? (i ? "true" : "false") : en->member(i).name);
      }
    }
    if (!missing.empty()) {
      SourceRange kw = m.range;
      kw.end = std::min<uint32_t>(kw.end, kw.begin + 5);
      diags_.Build(kw, diag::NonExhaustiveMatch, QuoteList(missing))
          .Label("not exhaustive")
          .Help("{0}, or a `_ => …` arm",
                missing.size() == 1 ? "add an arm for it" : "add arms for them")
          .Emit();
    }
  }
  std::vector<ast::Expr*> values;
  for (ast::MatchArm& arm : m.arms) {
    if (arm.value) values.push_back(arm.value.get());
  }
  return CheckUnified(values, expected, "arm");
}

}  // namespace edict::sema
