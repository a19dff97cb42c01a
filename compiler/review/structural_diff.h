// The structural difference of two versions of a policy (DESIGN.md "Reviewing a change",
// docs/review.md): which declarations were added, removed or changed, what changed inside each
// (conditions, outcomes, limits, windows, keys, amounts, record lists, validity, because/cite),
// per-member tier moves (`IL: tier2 → tier1`) and header changes (version, effective, expires).
//
// Declarations are matched by kind and name (the input block, `default` and the decision by kind;
// tests by title; imports by path). Whether a declaration changed is decided on its canonical
// text (`edict fmt`), so layout and comments never count as a change. The parts shown before and
// after are the source text of each part with comments dropped and blanks collapsed.
#pragma once

#include <string>
#include <vector>

#include "ast/ast.h"
#include "pir/pir.h"
#include "source/source_manager.h"

namespace edict::review {

// One side of the comparison: a checked policy's AST (with its sources) and its Policy IR.
struct Version {
  const ast::Module* ast = nullptr;
  const SourceManager* sources = nullptr;
  const pir::Module* pir = nullptr;
};

// One part that differs: `before` or `after` is empty when the part exists on one side only.
struct PartChange {
  std::string what;  // "condition", "limit", "effective", "field quantity", "tier tier1", …
  std::string before, after;
};

// A member of a classified enum that changed tier; `from`/`to` are empty when the member (or
// the tier function) exists on one side only.
struct TierMove {
  std::string member, from, to;
};

enum class Status { Added, Removed, Changed };
auto Spelling(Status s) -> const char*;  // "added", "removed", "changed"

struct DeclChange {
  Status status = Status::Changed;
  std::string kind;  // "rule", "exempt", "cap", "tiers", "const", "let", "output", "enum", …
  std::string name;  // the declaration's name; "" for input and default; the title for tests
  std::string before, after;  // canonical text of the whole declaration ("" when absent)
  std::vector<PartChange> parts;
  std::vector<TierMove> moves;  // tiers over an enum only, in the classified enum's order
};

struct StructuralDiff {
  std::vector<PartChange> header;  // "policy", "version", "effective", "expires"
  std::vector<DeclChange> decls;   // in the new version's declaration order, removed ones last
  auto empty() const -> bool { return header.empty() && decls.empty(); }
};

auto DiffStructure(const Version& old_version, const Version& new_version) -> StructuralDiff;

// The canonical text (`edict fmt` layout, without comments) of one declaration of `module`.
auto FormatDecl(const ast::Module& module, const ast::Decl& decl, const SourceManager& sources)
    -> std::string;

}  // namespace edict::review
