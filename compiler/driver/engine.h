// Evaluation engines for `edict eval`: what turns a decoded request into a result. The command
// decodes and encodes JSON itself and sees engines only through this interface, so that a new
// kind (the LLVM JIT, a built `lib<policy>.so` loaded through runtime/edict.h) is one more class.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::driver {

// Evaluate, EvaluateInto and CapSlots may be called from several threads at once.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual auto name() const -> std::string_view = 0;
  // Evaluates one type-checked request (fields, today and usage set). Never throws.
  virtual auto Evaluate(const pir::Request& req) -> pir::Result = 0;
  // Same, into `out`, reusing its storage where the engine can (the JIT and built modules do:
  // no allocation per request once `out` has held a result).
  virtual void EvaluateInto(const pir::Request& req, pir::Result& out) { out = Evaluate(req); }
  // Every cap's ledger slot for `req` (pir/eval.h CapSlot): its key values, whether it applies,
  // its window start. `applies` may read other caps' usage from `req.usage`. Never throws.
  virtual auto CapSlots(const pir::Request& req) -> std::vector<pir::CapSlot> = 0;
};

// The reference interpreter over `m` (which must outlive the engine).
auto MakeInterpreterEngine(const pir::Module& m) -> std::unique_ptr<Engine>;

// The LLVM JIT over `m`, or null with `error` set when this build has no JIT or compiling fails.
auto MakeJitEngine(const pir::Module& m, std::string& error) -> std::unique_ptr<Engine>;

// Whether MakeJitEngine can succeed in this build.
auto HaveJit() -> bool;

// A built module (`lib<policy>.so` from `edict build`) loaded through libedict
// (runtime/include/edict_runtime.h). The JSON codec works on a pir::Module, so `schema()` is one
// rebuilt from the module's descriptor: names, types, enum members, input defaults, validity and
// the rule/exemption/cap/output tables, without conditions or expressions (a cap's `keys` are
// placeholder constants that carry only the key types, so that the ledger adapter can name the
// key shape and print key values). It decodes requests
// and encodes results exactly like the source policy's module. Explanations cannot re-evaluate
// conditions, so `AppendExplain` reads them from the result and the descriptor alone
// (module_engine.cpp says how that differs from the source-based `--explain`).
class ModuleEngine : public Engine {
 public:
  virtual auto schema() const -> const pir::Module& = 0;
  // Appends `, "explain": {…}` for `r`, the error-free result of `req`.
  virtual void AppendExplain(const pir::Result& r, const pir::Request& req, std::string& out) const = 0;
};

// Whether `policy` names a built module rather than a source file (it ends in `.so`).
auto IsModulePath(std::string_view policy) -> bool;

// Loads `path`; null with `error` set (the loader's message) on failure.
auto LoadModuleEngine(const std::string& path, std::string& error) -> std::unique_ptr<ModuleEngine>;

}  // namespace edict::driver
