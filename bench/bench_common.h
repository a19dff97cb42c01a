// Shared by the benchmark binaries: compiling the AI diffusion policy, random requests for it,
// and the mapping between the hand-written baseline's structs and the compiled C ABI.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "baseline/ai_diffusion_baseline.h"
#include "edict.h"
#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::bench {

namespace ai = edict::bench::ai_diffusion;

// policies/ai_diffusion/2025-01-15.edict of the source tree (or $EDICT_BENCH_POLICY).
auto AiDiffusionPath() -> std::string;
// The stdlib of the source tree (or $EDICT_STDLIB).
auto StdlibDir() -> std::string;

// Parses, checks and lowers a policy file; exits with the diagnostics when it does not compile.
auto LoadPir(const std::string& path) -> pir::Module;

// One request in the baseline's form. `in.consignee` points into a process-lifetime table.
struct Request {
  ai::Input in;
  ai::Usage usage;
  int32_t today;
};

// Realistic traffic, the distribution of bench/gen_requests.py: 25 countries across the three
// tiers, 60% chips, TPP up to 50M, usage anywhere in [0, limit], dates in 2025.
auto RealisticRequests(size_t n, uint64_t seed) -> std::vector<Request>;
// Adversarial traffic for the correctness check: every country, every item and end user, TPP and
// usage on and around the limits, negative amounts, overflowing usage, dates before `effective`,
// training operations on and around 1e26.
auto AdversarialRequests(size_t n, uint64_t seed) -> std::vector<Request>;

// The compiled module's view of the baseline's types: checks that the descriptor's enums, fields,
// rules, exemptions, caps and outputs are the ones the baseline hard-codes (exits otherwise),
// and encodes requests into the ABI input struct.
class AbiMap {
 public:
  explicit AbiMap(const edict_module& m);
  const edict_module& module() const { return m_; }
  // Writes the input struct (m.input_size bytes, 8-aligned).
  void Encode(const ai::Input& in, void* slot) const;
  // The reference interpreter's request.
  auto ToPir(const Request& r) const -> pir::Request;
  // Compares a result struct with the baseline's result; returns "" or what differs.
  auto Compare(const edict_result* compiled, const ai::Result& base) const -> std::string;
  // Compares the interpreter's result with the baseline's result.
  auto Compare(const pir::Result& interp, const ai::Result& base) const -> std::string;

 private:
  const edict_module& m_;
  uint32_t off_destination_, off_headquarters_, off_consignee_, off_item_, off_tpp_,
      off_end_user_, off_training_ops_;
  // Output slots in the result struct, and output indexes, by baseline meaning.
  enum { kDestTier, kHqTier, kRemainingAllocation, kLppRemaining, kH100, kCompliance, kOutputs };
  uint32_t out_offset_[kOutputs];
  int out_index_[kOutputs];
};

// A request pool laid out for the C ABI (inputs, usage, today, results) and for the baseline.
struct Pool {
  size_t n = 0;
  uint32_t input_size = 0, result_size = 0;
  std::vector<uint64_t> inputs;   // n * input_size bytes
  std::vector<int64_t> usage;     // n * cap_count
  std::vector<int32_t> today;     // n
  std::vector<uint64_t> results;  // n * result_size bytes
  std::vector<ai::Input> base_inputs;
  std::vector<ai::Usage> base_usage;
  std::vector<ai::Result> base_results;
  std::vector<pir::Request> pir_requests;

  auto input(size_t i) const -> const void* {
    return reinterpret_cast<const char*>(inputs.data()) + i * input_size;
  }
  auto result(size_t i) -> edict_result* {
    return reinterpret_cast<edict_result*>(reinterpret_cast<char*>(results.data()) +
                                           i * result_size);
  }
};
auto MakePool(const AbiMap& map, const std::vector<Request>& reqs, bool with_pir) -> Pool;

// Runs `n` adversarial and `n` realistic requests through the baseline, the compiled module and
// (for every `interp_every`-th request) the reference interpreter, aborting with the request on
// the first difference. Prints a one-line summary.
void CheckBaseline(const pir::Module& pm, const edict_module& m, size_t n, size_t interp_every);

}  // namespace edict::bench
