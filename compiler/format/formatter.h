// `edict fmt`: the canonical layout of a parsed module. Needs only the AST and `Module::comments`
// (no sema). The output keeps every comment exactly once, parses to the same AST (ignoring source
// ranges), and is a fixed point: formatting it again gives the same text.
//
// Layout rules:
//   - 2-space indentation, 100 columns, exactly one trailing newline, no trailing whitespace.
//   - One blank line is kept between declarations (and between members of a block) where the
//     source had one or more; none at the start or end of a file or block.
//   - Enums, decisions, sets, calls, matches and requests print on one line when they fit and hold
//     no comment, else one element per line with a trailing comma. Input fields, tier arms, cap
//     entries and test steps are always one per line.
//   - Long `and`/`or` chains fill lines and break before the operator, continuation indent 4;
//     `because`/`cite` and `where` move to continuation lines (indent 2) when a rule or step does
//     not fit on one line.
//   - Parentheses are the minimal ones that precedence, associativity and the greedy `if`/`match`
//     branches need. Literals keep their text as written (ints, floats, strings); dates print ISO.
//   - Comments before a node stay on their own lines before it; a comment after a node on the
//     same line stays at the end of that line; a comment inside a construct printed on one line
//     (e.g. inside an expression) moves to its own line before the enclosing declaration or list
//     element.
#pragma once

#include <string>

#include "ast/ast.h"
#include "source/source_manager.h"

namespace edict::format {

// Returns the canonical text of `module`, whose comments and ranges refer to `sources`.
auto Format(const ast::Module& module, const SourceManager& sources) -> std::string;

}  // namespace edict::format
