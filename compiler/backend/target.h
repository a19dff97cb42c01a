// The host target: LLVM initialisation, triple, CPU and a TargetMachine for emission.
#pragma once

#include <memory>

#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

namespace edict::backend {

// Initialises the native target, its assembly printer and parser (idempotent, thread-safe).
void InitializeNativeTarget();

// A TargetMachine for the host (triple, CPU name and features) with PIC relocations, so that
// objects it emits can be linked into shared libraries. `opt_level` is 0..3.
auto CreateHostTargetMachine(int opt_level = 2) -> llvm::Expected<std::unique_ptr<llvm::TargetMachine>>;

// Sets `m`'s triple and data layout to `tm`'s (before optimising or emitting).
void ConfigureModule(llvm::Module& m, const llvm::TargetMachine& tm);

}  // namespace edict::backend
