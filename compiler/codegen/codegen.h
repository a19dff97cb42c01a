// Lowers a Policy IR module to LLVM IR implementing the C ABI of runtime/include/edict.h.
//
// The emitted module defines, for a policy P:
//   edict_module_v1            the one exported entry point (returns the descriptor)
//   edict_P_eval               edict_eval_fn
//   edict_P_eval_batch         edict_eval_batch_fn
//   edict_P_cap_slots          edict_cap_slots_fn
// and internal functions and constant tables otherwise. It calls only the builtins of
// runtime/builtins/builtins.def (string sets and large tiers) and memcmp/memset.
//
// Never reports diagnostics: anything that can fail for a user's reason was caught by sema.
// No TargetMachine is involved: the caller sets the triple/data layout and optimises (backend/).
#pragma once

#include <memory>
#include <string>

#include "pir/pir.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace edict::codegen {

auto Codegen(const pir::Module& module, llvm::LLVMContext& context) -> std::unique_ptr<llvm::Module>;

// The symbol names of the entry points of `module`'s policy.
auto EvalSymbol(const pir::Module& module) -> std::string;
auto EvalBatchSymbol(const pir::Module& module) -> std::string;
auto CapSlotsSymbol(const pir::Module& module) -> std::string;
inline constexpr const char* kModuleEntrySymbol = "edict_module_v1";

}  // namespace edict::codegen
