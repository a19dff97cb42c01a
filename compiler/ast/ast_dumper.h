// A deterministic, indented text dump of an AST, for `edict check --dump=ast` and for tests that
// compare two trees (e.g. "formatting does not change the AST").
//
// One node per line, children indented by two spaces:
//
//   Rule embargo @20:1-21:60
//     Cond
//       Binary == @20:15-20:33
//         Name dest_tier @20:15-20:24
//         Name tier3 @20:28-20:33
//     Outcome deny
//     Because "{destination} is a Tier 3 destination"
//
// Literals print their values, not their text: `1_000` and `1000` dump alike, floats print in
// shortest round-trip form, strings decoded and re-escaped, dates ISO. Source ranges print as
// `@line:col-line:col` (the end is exclusive: the position just after the node) only when a
// SourceManager is given. Types filled in by sema print as `: T` after an expression.
#pragma once

#include <string>

#include "ast/ast.h"
#include "source/source_manager.h"

namespace edict::ast {

// Dumps `module`. With `sources` null, no source locations are printed.
auto Dump(const Module& module, const SourceManager* sources) -> std::string;

}  // namespace edict::ast
