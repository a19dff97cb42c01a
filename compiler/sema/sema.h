// Semantic analysis: names, types, constants, tiers, caps, the exemption graph, tests and warnings
// (LANGUAGE.md §2–§8 and §10). Check() annotates the AST in place (Expr::type, NameExpr::ref, …)
// and returns a CheckedModule when the module has no errors.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "sema/check_tiers.h"
#include "sema/value.h"
#include "source/source_manager.h"

namespace edict::sema {

class ModuleLoader;

// A checked policy or module. Pointers point into the AST, which outlives it (the driver owns
// the main module, the ModuleLoader owns imported ones).
struct CheckedModule {
  ast::Module* module = nullptr;
  bool is_policy = false;
  std::string name;
  // Imported modules, in import order.
  std::vector<const CheckedModule*> imports;
  // Policies only:
  const ast::EnumDecl* decision = nullptr;
  const ast::DefaultDecl* default_decl = nullptr;
  const ast::InputDecl* input = nullptr;
  // Every declaration visible in the policy by its unqualified name (own and imported).
  std::map<std::string, const ast::Decl*> scope;
  // Exemptions in topological order: an exemption comes after every exemption that defeats it,
  // so evaluating `applies` in this order only ever reads already-computed defeaters.
  std::vector<const ast::ExemptDecl*> exemption_order;
  // Values computed while checking, for lowering: every constant of this module (converted to
  // its declared type) and the evaluated patterns of every `tiers` of this module.
  std::map<const ast::Decl*, Value> constants;
  std::map<const ast::Decl*, std::vector<TierArmValues>> tiers;
};

// Evaluates a constant expression of a checked module (or of one of its imports): a set, an
// enum member, a literal, a reference to a constant, arithmetic on those. Returns nullopt when
// the expression is not constant. Used by lowering for sets, defaults and test values.
auto EvaluateConstant(const CheckedModule& module, const ast::Expr& expr) -> std::optional<Value>;

struct SemaOptions {
  // Directory holding `std/` modules (`import std.NAME` → DIR/std/NAME.edict).
  std::string stdlib_dir;
};

// Resolves and loads imported modules: `std.NAME` from the standard library, `NAME` from NAME.edict
// beside the importing file. Each module is read, parsed and checked once and cached; import
// cycles are reported. Owns the ASTs of imported modules.
class ModuleLoader {
 public:
  ModuleLoader(SourceManager& sources, DiagnosticEngine& diags, SemaOptions options);
  ~ModuleLoader();

  // Returns the checked module for `path` imported from `importer`, or null after reporting an
  // error at `path`'s range.
  auto Load(const ast::QualName& path, FileId importer) -> const CheckedModule*;

  auto options() const -> const SemaOptions& { return options_; }

 private:
  struct Entry;
  SourceManager& sources_;
  DiagnosticEngine& diags_;
  SemaOptions options_;
  std::map<std::string, std::unique_ptr<Entry>> cache_;  // by resolved file path
  std::vector<std::string> loading_;                    // the import stack, for cycles
};

// Checks a parsed module (policy or library module). Reports every error and warning to `diags`.
// Returns the CheckedModule when no error was found in it.
auto Check(ast::Module& module, ModuleLoader& loader, DiagnosticEngine& diags)
    -> std::optional<CheckedModule>;

}  // namespace edict::sema
