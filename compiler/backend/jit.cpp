#include "backend/jit.h"

#include "abi/marshal.h"

#include <cstring>
#include <ctime>

#include "backend/optimize.h"
#include "backend/target.h"
#include "builtins.h"
#include "codegen/codegen.h"
#include "llvm/ExecutionEngine/JITSymbol.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace edict::backend {
namespace {

// Compile times are measured in this thread's CPU time, so that a busy machine does not
// inflate them (the JIT compiles in place, on the calling thread).
struct Clock {
  using time_point = double;  // ms
  static auto now() -> double {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
};

auto Ms(double a, double b) -> double { return b - a; }

}  // namespace

JitPolicy::~JitPolicy() = default;

auto JitPolicy::Compile(const pir::Module& module, JitOptions options)
    -> llvm::Expected<std::unique_ptr<JitPolicy>> {
  auto t0 = Clock::now();
  InitializeNativeTarget();
  std::unique_ptr<JitPolicy> policy(new JitPolicy());

  auto context = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> ir = codegen::Codegen(module, *context);
  auto t1 = Clock::now();

  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return jtmb.takeError();
  llvm::CodeGenOptLevel level = options.opt_level <= 0   ? llvm::CodeGenOptLevel::None
                                : options.opt_level == 1 ? llvm::CodeGenOptLevel::Less
                                : options.opt_level == 2 ? llvm::CodeGenOptLevel::Default
                                                         : llvm::CodeGenOptLevel::Aggressive;
  jtmb->setCodeGenOptLevel(level);
  auto tm = jtmb->createTargetMachine();
  if (!tm) return tm.takeError();
  ConfigureModule(*ir, **tm);
  Optimize(*ir, tm->get(), options.opt_level);
  auto t2 = Clock::now();

  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
  if (!jit) return jit.takeError();
  policy->jit_ = std::move(*jit);
  llvm::orc::LLJIT& j = *policy->jit_;

  // The runtime builtins and the libc functions compiled code may call (STYLE §4.9).
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char* name, auto* fn) {
    symbols[j.mangleAndIntern(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                                        llvm::JITSymbolFlags::Exported |
                                            llvm::JITSymbolFlags::Callable};
  };
#define EDICT_BUILTIN(name, ret, params) add(#name, &name);
#include "builtins.def"
#undef EDICT_BUILTIN
  add("memcmp", &::memcmp);
  add("bcmp", &::memcmp);  // LLVM turns memcmp(…) == 0 into bcmp; same contract for == 0
  add("memset", &::memset);
  add("memcpy", &::memcpy);
  add("memmove", &::memmove);
  if (llvm::Error e = j.getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    return e;
  }

  if (llvm::Error e = j.addIRModule(llvm::orc::ThreadSafeModule(std::move(ir), std::move(context)))) {
    return e;
  }
  auto entry = j.lookup(codegen::kModuleEntrySymbol);
  if (!entry) return entry.takeError();
  auto* get = entry->toPtr<edict_module_v1_fn>();
  policy->module_ = get();
  auto t3 = Clock::now();
  const edict_module* m = policy->module_;
  if (m == nullptr || m->abi_version != EDICT_ABI_VERSION || m->struct_size != sizeof(edict_module)) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "compiled module does not match edict.h (ABI %u, size %u)",
                                   m ? m->abi_version : 0, m ? m->struct_size : 0);
  }
  policy->timings_ = {Ms(t0, t1), Ms(t1, t2), Ms(t2, t3), Ms(t0, t3)};
  return policy;
}

auto JitPolicy::Create(const pir::Module& module, std::string& error, JitOptions options)
    -> std::unique_ptr<JitPolicy> {
  auto jit = Compile(module, options);
  if (!jit) {
    error = llvm::toString(jit.takeError());
    return nullptr;
  }
  return std::move(*jit);
}

void JitPolicy::EncodeInput(const pir::Request& req, void* input) const {
  abi::EncodeInput(*module_, req, input);
}

auto JitPolicy::DecodeResult(const void* result) const -> pir::Result {
  pir::Result out;
  DecodeResultInto(result, out);
  return out;
}

void JitPolicy::DecodeResultInto(const void* result, pir::Result& out) const {
  abi::DecodeResult(*module_, result, out);
}

auto JitPolicy::Evaluate(const pir::Request& req) const -> pir::Result {
  pir::Result out;
  EvaluateInto(req, out);
  return out;
}

void JitPolicy::EvaluateInto(const pir::Request& req, pir::Result& out) const {
  // The input and result structs live on the stack when they are small (they are for any
  // realistic policy), else on the heap; zeroed either way, as before.
  constexpr size_t kStackWords = 256;
  size_t input_words = (module_->input_size + 7) / 8 + 1;
  size_t result_words = (module_->result_size + 7) / 8 + 1;
  alignas(16) uint64_t input_stack[kStackWords];
  alignas(16) uint64_t result_stack[kStackWords];
  std::vector<uint64_t> input_heap, result_heap;
  uint64_t* input = input_stack;
  uint64_t* result = result_stack;
  if (input_words > kStackWords) {
    input_heap.resize(input_words);
    input = input_heap.data();
  } else {
    std::memset(input, 0, input_words * 8);
  }
  if (result_words > kStackWords) {
    result_heap.resize(result_words);
    result = result_heap.data();
  } else {
    std::memset(result, 0, result_words * 8);
  }
  EncodeInput(req, input);
  const int64_t* usage = req.usage.empty() ? nullptr : req.usage.data();
  module_->eval(input, usage, req.today.days, reinterpret_cast<edict_result*>(result));
  DecodeResultInto(result, out);
}

auto JitPolicy::CapSlots(const pir::Request& req) const -> std::vector<pir::CapSlot> {
  return abi::CapSlots(*module_, req);
}

}  // namespace edict::backend
