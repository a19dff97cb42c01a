// The partition check of a `tiers` declaration (LANGUAGE.md §4, §10 "Tiers"): patterns must be
// disjoint, every tier must match something, and together they must cover the whole domain of
// the classified type. Works on already-evaluated constant bounds and set members.
#pragma once

#include <vector>

#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "sema/value.h"

namespace edict::sema {

struct TierPatternValues {
  const ast::Pattern* pattern = nullptr;  // its kind says how to read `values`
  // Set (and Name of a const set): the members. Lt/Le/Gt/Ge: one bound. RangeExcl/RangeIncl: two
  // bounds. Otherwise: empty. Int bounds of a float tier are already converted to Float.
  std::vector<Value> values;
  // Per-member ranges for sets written inline (empty for a const set name), for precise carets.
  std::vector<SourceRange> value_ranges;
};

struct TierArmValues {
  const ast::TierArm* arm = nullptr;
  std::vector<TierPatternValues> patterns;
};

// Checks the partition and reports E0307 (overlap, at the later pattern, naming the value or
// interval and both tiers, with a note at the earlier one), E0308 (gap, at the tiers name, naming
// the first uncovered value or interval), E0309 (a tier that matches nothing), E0310 (two
// `otherwise`). `of_type` is Int, Float, Date, String or Enum; for Enum, `of_type.decl` is an
// EnumLikeDecl whose members are the domain.
void CheckTierPartition(const ast::TiersDecl& decl, const ast::Type& of_type,
                        const std::vector<TierArmValues>& arms, DiagnosticEngine& diags);

// Classifies a constant value against evaluated patterns: the index of the matching arm, or -1.
// (Used by constant evaluation of `T(x)` and by tests.)
int ClassifyConstant(const ast::Type& of_type, const std::vector<TierArmValues>& arms,
                     const Value& v);

}  // namespace edict::sema
