// The engines of engine.h.
#include "driver/engine.h"

#include "interp/interpreter.h"

#ifdef EDICT_HAVE_JIT
#include "backend/jit.h"
#include "llvm/Support/Error.h"
#endif

namespace edict::driver {
namespace {

class InterpreterEngine final : public Engine {
 public:
  explicit InterpreterEngine(const pir::Module& m) : m_(m) {}
  auto name() const -> std::string_view override { return "interp"; }
  auto Evaluate(const pir::Request& req) -> pir::Result override {
    return interp::Evaluate(m_, req);
  }
  auto CapSlots(const pir::Request& req) -> std::vector<pir::CapSlot> override {
    return interp::ComputeCapSlots(m_, req);
  }

 private:
  const pir::Module& m_;
};

#ifdef EDICT_HAVE_JIT
class JitEngine final : public Engine {
 public:
  explicit JitEngine(std::unique_ptr<backend::JitPolicy> policy) : policy_(std::move(policy)) {}
  auto name() const -> std::string_view override { return "jit"; }
  auto Evaluate(const pir::Request& req) -> pir::Result override {
    return policy_->Evaluate(req);
  }
  void EvaluateInto(const pir::Request& req, pir::Result& out) override {
    policy_->EvaluateInto(req, out);
  }
  auto CapSlots(const pir::Request& req) -> std::vector<pir::CapSlot> override {
    return policy_->CapSlots(req);
  }

 private:
  std::unique_ptr<backend::JitPolicy> policy_;
};
#endif

}  // namespace

auto MakeInterpreterEngine(const pir::Module& m) -> std::unique_ptr<Engine> {
  return std::make_unique<InterpreterEngine>(m);
}

#ifdef EDICT_HAVE_JIT
auto HaveJit() -> bool { return true; }

auto MakeJitEngine(const pir::Module& m, std::string& error) -> std::unique_ptr<Engine> {
  auto policy = backend::JitPolicy::Compile(m);
  if (!policy) {
    error = "the LLVM JIT failed: " + llvm::toString(policy.takeError());
    return nullptr;
  }
  return std::make_unique<JitEngine>(std::move(*policy));
}
#else
auto HaveJit() -> bool { return false; }

auto MakeJitEngine(const pir::Module& /*m*/, std::string& error) -> std::unique_ptr<Engine> {
  error = "this build of edict has no LLVM JIT engine; use --engine interp";
  return nullptr;
}
#endif

}  // namespace edict::driver
