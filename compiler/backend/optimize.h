// The new-pass-manager pipeline for compiled policies.
#pragma once

namespace llvm {
class Module;
class TargetMachine;
}  // namespace llvm

namespace edict::backend {

// Runs LLVM's default per-module pipeline at `opt_level` (0..3; 2 by default) on `m`, whose
// triple and data layout must already be set. `tm` may be null (no target-specific tuning).
void Optimize(llvm::Module& m, llvm::TargetMachine* tm, int opt_level = 2);

}  // namespace edict::backend
