// Test helpers: compile Edict source text (parse + check) in memory and collect the diagnostics
// in a form that table-driven tests can compare (code, severity, line, column, message).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pir/pir.h"

namespace edict::testing {

struct DiagInfo {
  std::string code;      // "E0201", "W0001"
  std::string severity;  // "error", "warning", "note"
  std::string path;
  unsigned line = 0;  // 1-based; 0 for file-less diagnostics
  unsigned col = 0;   // 1-based
  std::string message;
  std::vector<std::string> notes;
  std::vector<std::string> help;
};

struct CompileResult {
  bool success = false;               // parsed and checked without errors
  std::vector<DiagInfo> diagnostics;  // sorted by location
  // Codes of all diagnostics, in order ("E0201", …).
  std::vector<std::string> codes() const;
  // Codes of the errors only.
  std::vector<std::string> error_codes() const;
  bool has(std::string_view code) const;
  // One line per diagnostic, "path:line:col: CODE message", for failure messages.
  std::string ToString() const;
};

// Parses and checks `source` as the file `path`. `import std.X` resolves in EDICT_STDLIB_DIR.
CompileResult CompileString(std::string_view source, std::string path = "test.edict");

// Writes `files` (name → contents) into a fresh temporary directory and compiles the first one,
// so that `import NAME;` finds its siblings.
CompileResult CompileFiles(const std::vector<std::pair<std::string, std::string>>& files);

// A policy compiled down to the Policy IR, for evaluation tests. The SourceManager, AST and
// CheckedModule stay alive (owned by `state`) as long as this object does.
struct EvalCompilation {
  CompileResult result;        // diagnostics of parse + check
  std::optional<pir::Module> pir;  // set when `result.success`
  std::string verify_error;    // pir::Verify(*pir): "" when well formed
  struct State;
  std::shared_ptr<State> state;
};

// Parses, checks and lowers `source` (pir::BuildPir), then runs pir::Verify.
EvalCompilation CompileForEval(std::string_view source, std::string path = "test.edict");

}  // namespace edict::testing
