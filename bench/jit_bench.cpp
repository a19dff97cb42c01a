// Compile time of the AI diffusion policy (DESIGN.md target: JIT compile <= 50 ms):
//
//   jit/frontend          read, parse, check (with std.iso3166), lower to PIR
//   jit/full_O2           all of the above, then codegen + O2 + LLJIT (machine code, link, lookup):
//                         what `edict eval POLICY.edict` pays before its first request
//   jit/codegen+jit_O2    codegen + O2 + LLJIT from a ready PIR module
//   jit/codegen+jit_O0    the same at -O0, for reference
//
// Both wall time ("Time") and this thread's CPU time ("CPU") are shown; on a shared machine the
// CPU time is the steadier figure. jit/codegen+jit_* also report JitPolicy's own split
// (codegen_ms, optimize_ms, jit_ms; thread CPU time).
#include <benchmark/benchmark.h>

#include <iostream>

#include "backend/jit.h"
#include "bench_common.h"

namespace edict::bench {
namespace {

void Frontend(benchmark::State& st) {
  const std::string path = AiDiffusionPath();
  for (auto _ : st) {
    pir::Module m = LoadPir(path);
    benchmark::DoNotOptimize(m);
  }
}

void Full(benchmark::State& st) {
  const std::string path = AiDiffusionPath();
  for (auto _ : st) {
    pir::Module m = LoadPir(path);
    std::string error;
    auto jit = backend::JitPolicy::Create(m, error, {.opt_level = 2});
    if (!jit) st.SkipWithError(error.c_str());
    benchmark::DoNotOptimize(jit);
  }
}

void CodegenJit(benchmark::State& st, int level) {
  pir::Module m = LoadPir(AiDiffusionPath());
  double codegen = 0, optimize = 0, jit_ms = 0;
  for (auto _ : st) {
    std::string error;
    auto jit = backend::JitPolicy::Create(m, error, {.opt_level = level});
    if (!jit) {
      st.SkipWithError(error.c_str());
      break;
    }
    codegen += jit->timings().codegen_ms;
    optimize += jit->timings().optimize_ms;
    jit_ms += jit->timings().jit_ms;
    benchmark::DoNotOptimize(jit);
  }
  auto n = static_cast<double>(st.iterations());
  st.counters["codegen_ms"] = codegen / n;
  st.counters["optimize_ms"] = optimize / n;
  st.counters["jit_ms"] = jit_ms / n;
}

}  // namespace
}  // namespace edict::bench

int main(int argc, char** argv) {
  using namespace edict::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RegisterBenchmark("jit/frontend", Frontend)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("jit/full_O2", Full)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("jit/codegen+jit_O2", CodegenJit, 2)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("jit/codegen+jit_O0", CodegenJit, 0)->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
