// Warnings about unused declarations (LANGUAGE.md §6, W0001). A `let`, `const` or `enum` of a
// policy that nothing refers to (rules, exemptions, caps, lets, outputs, properties, tests,
// `because` texts, tier patterns, field types, …) is reported. Outputs are always used (they are
// returned); imported declarations are never reported in the importer, and library modules never
// warn about their own declarations (they exist to be imported).
#include "llvm/Support/Casting.h"
#include "sema/sema_internal.h"

namespace edict::sema {

void Checker::ReportUnused() {
  for (auto& d : module_.decls) {
    if (d->used || d->name.name.empty() || !IsOwn(d.get())) continue;
    const char* what = nullptr;
    switch (d->kind) {
      case ast::DeclKind::Let:
        what = "let";
        break;
      case ast::DeclKind::Const:
        what = "constant";
        break;
      case ast::DeclKind::Enum:
        what = "enum";
        break;
      default:
        break;
    }
    if (!what) continue;
    // Duplicates are reported as such, and a declaration with an error is not worth a warning.
    if (LookupDecl(d->name.name) != d.get()) continue;
    if (auto* v = llvm::dyn_cast<ast::ValueDecl>(d.get()); v && v->type.is_error()) continue;
    if (auto* e = llvm::dyn_cast<ast::EnumDecl>(d.get()); e && e->members.empty()) continue;
    diags_.Build(d->name.range, diag::UnusedDeclaration, what, d->name.name)
        .Label("never used")
        .Emit();
  }
}

}  // namespace edict::sema
