// Writing a compiled policy out: object file, assembly or LLVM IR text (`edict build --emit`).
#pragma once

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace llvm {
class Module;
class TargetMachine;
}  // namespace llvm

namespace edict::backend {

enum class EmitKind { Object, Assembly, LlvmIr };

// Emits `m` (configured for `tm`, usually optimised) to `out`. Objects are position independent
// and export `edict_module_v1`, so `cc -shared x.o <builtins>` makes a loadable module.
auto Emit(llvm::Module& m, llvm::TargetMachine& tm, EmitKind kind, llvm::raw_pwrite_stream& out)
    -> llvm::Error;

// Emits to a file (binary for objects).
auto EmitToFile(llvm::Module& m, llvm::TargetMachine& tm, EmitKind kind, const std::string& path)
    -> llvm::Error;

}  // namespace edict::backend
