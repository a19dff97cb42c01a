// In-process compilation of a policy with ORC's LLJIT, and a C++ face over the compiled C ABI.
//
// JitPolicy goes through the real ABI of runtime/include/edict.h: it looks up
// `edict_module_v1`, checks the ABI version and struct size, and evaluates through the
// descriptor's function pointers, marshalling pir::Request into the input struct and the result
// struct back into pir::Result. Differential tests therefore exercise exactly what a loaded
// shared library would run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "edict.h"
#include "llvm/Support/Error.h"
#include "pir/eval.h"
#include "pir/pir.h"

namespace llvm::orc {
class LLJIT;
}

namespace edict::backend {

struct JitOptions {
  int opt_level = 2;  // 0..3: the IR pipeline and the machine-code generator
};

// Where the compile time went, in milliseconds of the compiling thread's CPU time.
struct JitTimings {
  double codegen_ms = 0;   // PIR → LLVM IR
  double optimize_ms = 0;  // the IR pipeline
  double jit_ms = 0;       // LLJIT setup, machine code, linking, the first lookup
  double total_ms = 0;
};

class JitPolicy {
 public:
  // Compiles `module`. Fails only for reasons of the environment (no target, JIT linking).
  static auto Compile(const pir::Module& module, JitOptions options = {})
      -> llvm::Expected<std::unique_ptr<JitPolicy>>;
  // Same, with the failure as text (null on failure).
  static auto Create(const pir::Module& module, std::string& error, JitOptions options = {})
      -> std::unique_ptr<JitPolicy>;
  ~JitPolicy();
  JitPolicy(const JitPolicy&) = delete;
  JitPolicy& operator=(const JitPolicy&) = delete;

  // One evaluation through edict_module::eval. `req.usage` may be empty (all zero).
  auto Evaluate(const pir::Request& req) const -> pir::Result;
  // Same, into `out`, reusing its storage: no allocation once `out` has held a result of this
  // policy (string outputs aside, while they fit). The batch path of `edict eval`.
  void EvaluateInto(const pir::Request& req, pir::Result& out) const;
  // Every cap's slot through edict_module::cap_slots.
  auto CapSlots(const pir::Request& req) const -> std::vector<pir::CapSlot>;
  auto ComputeCapSlots(const pir::Request& req) const -> std::vector<pir::CapSlot> {
    return CapSlots(req);
  }

  auto descriptor() const -> const edict_module& { return *module_; }
  auto timings() const -> const JitTimings& { return timings_; }

  // Marshalling, public for batch callers: writes `req`'s fields into an input struct of
  // descriptor().input_size bytes (8-aligned). String slots point into `req`, which must
  // outlive the evaluation.
  void EncodeInput(const pir::Request& req, void* input) const;
  // Reads a result struct back.
  auto DecodeResult(const void* result) const -> pir::Result;
  // Same, into `out`, reusing its storage; `out` ends up equal to DecodeResult(result).
  void DecodeResultInto(const void* result, pir::Result& out) const;

 private:
  JitPolicy() = default;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  const edict_module* module_ = nullptr;
  JitTimings timings_;
};

}  // namespace edict::backend
