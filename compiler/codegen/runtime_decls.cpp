#include "codegen/runtime_decls.h"

#include <string_view>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/DerivedTypes.h"

namespace edict::codegen {
namespace {

struct BuiltinInfo {
  const char* name;
  const char* ret;
  const char* params;  // "(ptr, i64, …)"
};

constexpr BuiltinInfo kBuiltins[] = {
#define EDICT_BUILTIN(name, ret, params) {#name, #ret, #params},
#include "builtins.def"
#undef EDICT_BUILTIN
};

auto TypeOf(llvm::LLVMContext& ctx, llvm::StringRef s) -> llvm::Type* {
  s = s.trim();
  if (s == "i64") return llvm::Type::getInt64Ty(ctx);
  if (s == "f64") return llvm::Type::getDoubleTy(ctx);
  if (s == "ptr") return llvm::PointerType::getUnqual(ctx);
  if (s == "void") return llvm::Type::getVoidTy(ctx);
  llvm_unreachable("unknown builtin type in builtins.def");
}

}  // namespace

auto GetBuiltin(llvm::Module& m, Builtin b) -> llvm::FunctionCallee {
  const BuiltinInfo& info = kBuiltins[static_cast<int>(b)];
  llvm::LLVMContext& ctx = m.getContext();
  llvm::StringRef params = llvm::StringRef(info.params).trim().drop_front().drop_back();
  llvm::SmallVector<llvm::StringRef, 4> parts;
  params.split(parts, ',', -1, false);
  std::vector<llvm::Type*> types;
  for (llvm::StringRef p : parts) types.push_back(TypeOf(ctx, p));
  auto* fty = llvm::FunctionType::get(TypeOf(ctx, info.ret), types, false);
  llvm::FunctionCallee callee = m.getOrInsertFunction(info.name, fty);
  if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    f->setDoesNotThrow();
    f->setOnlyReadsMemory();
    f->setWillReturn();
  }
  return callee;
}

}  // namespace edict::codegen
