// Renders diagnostics for people (clang/rustc-style text with source snippets) and for tools
// (JSON). See STYLE.md §3.4 for the format.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_text.h"
#include "diagnostics/diagnostic.h"

namespace edict::driver {

struct RenderOptions {
  bool snippets = true;  // false: one line per fact (--diagnostic-snippets=none)
  bool color = false;
  int error_limit = 20;  // 0 = unlimited
};

// Prints every diagnostic of `diags` (sorted) and the closing summary line.
void RenderText(const DiagnosticEngine& diags, const RenderOptions& options, std::ostream& out);
// Prints {"diagnostics": [...], "errors": N, "warnings": N}.
void RenderJson(const DiagnosticEngine& diags, std::ostream& out);


}  // namespace edict::driver
