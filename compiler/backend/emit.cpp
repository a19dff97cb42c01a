#include "backend/emit.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Target/TargetMachine.h"

namespace edict::backend {

auto Emit(llvm::Module& m, llvm::TargetMachine& tm, EmitKind kind, llvm::raw_pwrite_stream& out)
    -> llvm::Error {
  if (kind == EmitKind::LlvmIr) {
    m.print(out, nullptr);
    return llvm::Error::success();
  }
  llvm::legacy::PassManager pm;
  auto type = kind == EmitKind::Object ? llvm::CodeGenFileType::ObjectFile
                                       : llvm::CodeGenFileType::AssemblyFile;
  if (tm.addPassesToEmitFile(pm, out, nullptr, type)) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the target cannot emit this file type");
  }
  pm.run(m);
  return llvm::Error::success();
}

auto EmitToFile(llvm::Module& m, llvm::TargetMachine& tm, EmitKind kind, const std::string& path)
    -> llvm::Error {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec,
                           kind == EmitKind::Object ? llvm::sys::fs::OF_None : llvm::sys::fs::OF_Text);
  if (ec) return llvm::createFileError(path, ec);
  if (llvm::Error e = Emit(m, tm, kind, out)) return e;
  out.close();
  if (out.has_error()) return llvm::createFileError(path, out.error());
  return llvm::Error::success();
}

}  // namespace edict::backend
