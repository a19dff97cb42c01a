// Private state of semantic analysis, shared by the files of compiler/sema/. One Checker checks one
// module (policy or library module): it collects the declarations, resolves names with expected
// types, types every expression, evaluates constants, checks tiers, caps, rules, exemptions, tests
// and reports warnings. Declarations are checked on demand (a `let` is typed when first used), so
// declaration order never matters and definition cycles are found on the way.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ast/ast.h"
#include "base/suggest.h"
#include "diagnostics/diagnostic.h"
#include "sema/check_tiers.h"
#include "sema/sema.h"
#include "sema/value.h"

namespace edict::sema {

// Checks `module` and returns the CheckedModule even when errors were found (so that an importer
// can still resolve the module's names); `ok` is false when this check reported an error.
auto CheckModule(ast::Module& module, ModuleLoader& loader, DiagnosticEngine& diags)
    -> std::pair<CheckedModule, bool>;

using edict::Suggest;  // base/suggest.h

// `noun` with its indefinite article: "a constant", "an enum type".
auto WithArticle(std::string_view noun) -> std::string;
// "`a`", "`a` and `b`", "`a`, `b` and `c`", with at most `limit` names then "and N more".
auto QuoteList(const std::vector<std::string>& names, size_t limit = 6) -> std::string;

// Why constant evaluation stopped.
struct EvalFailure {
  enum class Kind : unsigned char {
    None,
    NotConstant,  // `expr` depends on the request (a field, `today`, a cap, …)
    Failed,       // overflow, division by zero, non-finite: `reason`, at `expr`
    Silent,       // an error already reported elsewhere (error types, a broken constant)
  };
  Kind kind = Kind::None;
  const ast::Expr* expr = nullptr;
  std::string reason;
};

// Equality of two scalar values as the language defines it (ints and floats compare exactly).
bool ValueEquals(const Value& a, const Value& b);
// Three-way comparison of two ordered scalar values of compatible types: <0, 0, >0.
int CompareValues(const Value& a, const Value& b);
// Converts an int value (or a set of ints) to float when `type` asks for a float.
Value ConvertToType(Value v, const ast::Type& type);
// Formats a value for a message: `US`, `42`, `2025-01-01`, `"x"`.
std::string FormatValue(const Value& v, const ast::Type& type);

struct TierInfo {
  bool ok = false;  // every pattern evaluated
  std::vector<TierArmValues> arms;
};

class Checker {
 public:
  Checker(ast::Module& module, ModuleLoader& loader, DiagnosticEngine& diags);
  CheckedModule Run();

  // ---- sema.cpp: declarations, scope, types ------------------------------------------------
  void LoadImports();
  void CollectDeclarations();
  void CheckSingletons();
  void CheckEnums();
  void CheckInputFields();
  void CheckDefault();
  void CheckValueDecls();
  void CheckModuleRestrictions();
  void CheckPolicyHeader();

  bool IsOwn(const ast::Decl* d) const { return d->range.file == module_.file; }
  auto Text(SourceRange r) const -> std::string;
  // Declaration visible by its unqualified name (own or imported), or null.
  auto LookupDecl(const std::string& name) const -> const ast::Decl*;
  auto LookupField(const std::string& name) const -> const ast::Field*;
  // A declaration of imported module `q` by name (the module's own declarations only).
  auto LookupModuleDecl(const std::string& q, const std::string& name) const -> const ast::Decl*;
  bool IsModuleName(const std::string& q) const { return modules_.count(q) != 0; }
  // Every visible name (declarations, fields, members), for suggestions.
  auto AllNames() const -> std::vector<std::string>;
  // Resolves a type reference, reporting E0201/E0335; `what` names the holder for E0331
  // ("field", "let", …) and null allows sets.
  auto ResolveTypeRef(const ast::TypeRef& ref, const char* no_set_holder) -> ast::Type;
  // Types a const/let/output on first use; returns its type (Error while in a cycle).
  auto EnsureValueDecl(const ast::ValueDecl& decl, SourceRange use_range) -> ast::Type;
  // Resolves parts [0, n) of `q` to an enum-like declaration (`Tier`, `iso3166.Country`),
  // reporting an error when it is not one; null then.
  auto ResolveEnumPrefix(const ast::QualName& q, size_t n) -> const ast::EnumLikeDecl*;
  // Resolves `q` as a member of `within` (`deny`, `Outcome.deny`). Returns the index, or -1
  // after reporting: unknown simple members via `on_missing` (E0317/E0206).
  auto ResolveMemberOf(const ast::QualName& q, const ast::EnumLikeDecl& within, DiagKind on_missing)
      -> int;
  static auto DescribeDecl(const ast::Decl& d) -> const char*;

  // ---- check_expr.cpp: expressions -----------------------------------------------------------
  // Types `e` with an optional expected type (a hint for bare members, sets, if/match), stores
  // the type in e.type and returns it. `allow_set` permits a set literal or a const set.
  auto CheckExpr(ast::Expr& e, const ast::Type* expected = nullptr, bool allow_set = false)
      -> ast::Type;
  // CheckExpr, then reports E0301 unless the type is assignable to `want` (int widens to float).
  auto CheckExprAs(ast::Expr& e, const ast::Type& want, bool allow_set = false) -> ast::Type;
  static bool IsAssignable(const ast::Type& to, const ast::Type& from);
  // True when `e`'s type depends on the expected type (a bare member, a set of them, …).
  bool IsContextual(const ast::Expr& e) const;
  void ReportTypeMismatch(const ast::Expr& e, const ast::Type& want, const ast::Type& found);
  auto CheckName(ast::NameExpr& n, const ast::Type* expected) -> ast::Type;
  auto CheckSimpleName(ast::NameExpr& n, const ast::Type* expected) -> ast::Type;
  auto CheckQualifiedName(ast::NameExpr& n) -> ast::Type;
  auto CheckCall(ast::CallExpr& c, const ast::Type* expected) -> ast::Type;
  auto CheckUnary(ast::UnaryExpr& u) -> ast::Type;
  auto CheckBinary(ast::BinaryExpr& b) -> ast::Type;
  auto CheckSet(ast::SetExpr& s, const ast::Type* expected_elem) -> ast::Type;
  auto CheckIf(ast::IfExpr& e, const ast::Type* expected) -> ast::Type;
  auto CheckMatch(ast::MatchExpr& m, const ast::Type* expected) -> ast::Type;
  // Resolves the argument of exceeds/usage/remaining/limit (a cap) or applied (rule, exemption
  // or cap). Returns the declaration or null after reporting.
  auto ResolveDeclArg(ast::Expr& arg, bool caps_only) -> const ast::Decl*;
  // Checks several expressions that must share one type (if branches, match arms, min/max):
  // the first non-contextual one is checked first and gives the others their expected type.
  auto CheckUnified(const std::vector<ast::Expr*>& exprs, const ast::Type* expected,
                    const char* what) -> ast::Type;

  // ---- const_eval.cpp ------------------------------------------------------------------------
  auto Eval(const ast::Expr& e, EvalFailure& fail) -> std::optional<Value>;
  auto EvalCall(const ast::CallExpr& c, EvalFailure& fail) -> std::optional<Value>;
  auto EvalBinary(const ast::BinaryExpr& b, EvalFailure& fail) -> std::optional<Value>;
  // Evaluates a constant expression and reports E0304 (not constant) or E0305 (naming `what`).
  auto EvalReported(const ast::Expr& e, const std::string& what) -> std::optional<Value>;
  // The value of a `const` (own or imported), evaluated once; reports errors of own constants.
  auto ConstValue(const ast::ValueDecl& decl) -> std::optional<Value>;
  // The evaluated patterns of a `tiers` (own ones are checked and partition-checked first).
  auto GetTierInfo(const ast::TiersDecl& decl) -> const TierInfo*;
  void CheckTiersDecl(ast::TiersDecl& decl);

  // ---- check_caps.cpp ------------------------------------------------------------------------
  void CheckCaps();
  void CheckCap(ast::CapDecl& cap);
  void CheckCapCycles();
  // Caps whose exceeds/usage/remaining/limit an expression reads, through lets and outputs.
  void CollectCapUses(const ast::Expr* e, std::set<const ast::Decl*>& out);

  // ---- check_rules.cpp: rules, exemptions, properties, because, validity ---------------------
  void CheckRules();
  void CheckExemptions();
  void CheckExemptionGraph();
  void CheckProperties();
  void CheckValidity(const ast::Decl& d, const ast::Validity& v);
  void CheckExplanation(const ast::Explanation& ex);
  void CheckInterpolation(const ast::StringLit& s);
  auto CheckOutcomeName(const ast::QualName& q) -> int;

  // ---- check_tests.cpp -----------------------------------------------------------------------
  void CheckTests();
  void CheckStep(ast::TestStep& step);

  // ---- warnings.cpp --------------------------------------------------------------------------
  void ReportUnused();

  // ---- state ---------------------------------------------------------------------------------
  ast::Module& module_;
  ModuleLoader& loader_;
  DiagnosticEngine& diags_;
  const SourceManager& sources_;
  CheckedModule out_;
  bool is_policy_ = true;
  std::string module_name_;

  std::map<std::string, const CheckedModule*> modules_;  // imported, by module name
  std::map<std::string, const ast::Decl*> scope_;        // unqualified names
  std::map<std::string, std::vector<std::pair<const ast::EnumLikeDecl*, int>>> members_;
  std::vector<const ast::EnumLikeDecl*> visible_enums_;
  ast::EnumDecl* decision_ = nullptr;
  ast::InputDecl* input_ = nullptr;
  ast::DefaultDecl* default_ = nullptr;
  std::map<std::string, const ast::Field*> fields_;

  // Expression context.
  bool in_property_ = false;

  // On-demand typing of value declarations.
  enum class State : unsigned char { Unvisited, InProgress, Done };
  std::map<const ast::Decl*, State> decl_state_;
  struct StackEntry {
    const ast::ValueDecl* decl;
    SourceRange entered_from;  // the use that started checking it
  };
  std::vector<StackEntry> decl_stack_;
  std::set<const ast::Decl*> cyclic_;

  // Constant values.
  std::map<const ast::Decl*, std::optional<Value>> const_values_;
  std::set<const ast::Decl*> const_in_progress_;
  std::map<const ast::Decl*, TierInfo> tier_info_;
  std::set<const ast::Decl*> tiers_in_progress_;
  std::set<const ast::Decl*> tiers_checked_;

  // Cap uses through lets/outputs, memoised.
  std::map<const ast::Decl*, std::set<const ast::Decl*>> decl_cap_uses_;
  std::set<const ast::Decl*> cap_use_in_progress_;

  std::optional<Date> policy_effective_;
  std::optional<Date> policy_expires_;
};

}  // namespace edict::sema
