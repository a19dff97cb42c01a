// Lowering of a checked policy to the Policy IR, and the IR's text form.
#pragma once

#include <string>

#include "pir/pir.h"
#include "sema/sema.h"
#include "source/source_manager.h"

namespace edict::pir {

// Lowers a checked, error-free policy. Never reports diagnostics: everything that can fail for a
// user's reason was caught by sema.
auto BuildPir(const sema::CheckedModule& checked, const SourceManager& sources) -> Module;

// The deterministic text form of a module (`edict check --dump pir`).
auto Print(const Module& module) -> std::string;

// Checks the structural invariants (operand ids in range and defined before use, types of
// operands, indexes into the tables). Returns the first problem found, or "" when the module is
// well formed. Run in tests after every BuildPir.
auto Verify(const Module& module) -> std::string;

}  // namespace edict::pir
