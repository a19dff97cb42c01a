// One compilation: the sources, the diagnostics and the phases run in order (parse → sema),
// stopping early on request (--phase) or on errors. Commands build on it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "parse/parser.h"
#include "sema/sema.h"
#include "source/source_manager.h"

namespace edict::driver {

enum class Phase { Parse, Sema };

struct CompileOptions {
  std::string stdlib_dir;  // empty: EDICT_STDLIB, then the compiled-in path
  Phase stop_after = Phase::Sema;
  parse::ParseOptions parse;
  DiagnosticOptions diagnostics;
};

// The stdlib directory to use: `flag` when given, else $EDICT_STDLIB, else the build's path.
auto ResolveStdlibDir(const std::string& flag) -> std::string;

class Compilation {
 public:
  explicit Compilation(CompileOptions options);
  ~Compilation();

  struct Unit {
    FileId file;
    std::optional<ast::Module> module;          // null when reading or parsing failed
    std::optional<sema::CheckedModule> checked;  // null when sema was not run or failed
    bool io_error = false;  // unreadable or too large: exit status 2
  };

  // Reads, parses and (unless stopped earlier) checks one file. I/O failures are reported as
  // E0001 and flagged with `io_error`.
  auto CompileFile(const std::string& path) -> Unit&;
  // Same for text that did not come from a file (the fuzzer, stdin).
  auto CompileText(std::string path, std::string text) -> Unit&;

  auto sources() -> SourceManager& { return sources_; }
  auto diags() -> DiagnosticEngine& { return *diags_; }

 private:
  auto Run(FileId file) -> Unit&;

  CompileOptions options_;
  SourceManager sources_;
  std::unique_ptr<DiagnosticEngine> diags_;
  std::unique_ptr<sema::ModuleLoader> loader_;
  std::vector<std::unique_ptr<Unit>> units_;
};

// Reads a whole file; returns false and sets `error` to a readable reason on failure.
auto ReadFile(const std::string& path, std::string& contents, std::string& error) -> bool;

}  // namespace edict::driver
