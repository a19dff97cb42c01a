// The parser: one file's text to an owned AST. ANTLR stops in this folder: no other library
// includes a generated header (the grammar library is linked privately).
#pragma once

#include <optional>

#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "source/source_manager.h"

namespace edict::parse {

struct ParseOptions {
  bool debug_parser = false;  // also print ANTLR's raw messages to stderr
};

// Parses one file. Lexical and syntax errors are reported to `diags` (E01xx). Returns nullopt only
// when nothing usable was recovered (invalid UTF-8, nesting too deep, an internal error);
// otherwise returns a possibly partial module whose erroneous expressions are ast::ErrorExpr.
auto Parse(FileId file, const SourceManager& sources, DiagnosticEngine& diags,
           const ParseOptions& options = {}) -> std::optional<ast::Module>;

}  // namespace edict::parse
