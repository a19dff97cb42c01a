// LLVM declarations of the runtime builtins (runtime/builtins/builtins.def).
#pragma once

#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

namespace edict::codegen {

enum class Builtin {
#define EDICT_BUILTIN(name, ret, params) name,
#include "builtins.def"
#undef EDICT_BUILTIN
};

// Declares (once) and returns the builtin in `m`.
auto GetBuiltin(llvm::Module& m, Builtin b) -> llvm::FunctionCallee;

}  // namespace edict::codegen
