// Evaluation speed of the AI diffusion policy (DESIGN.md "Quality targets"):
//
//   compiled/single      edict_module::eval through the C ABI, one request per call
//   compiled/batch       edict_module::eval_batch over 1024 requests per call
//   baseline/single      the hand-written C++ evaluator (bench/baseline), called through a pointer
//   baseline/batch       its batch loop over the same 1024 requests
//   jit_wrapper/single   backend::JitPolicy::Evaluate (pir::Request in, pir::Result out): the
//                        marshalling `edict eval` pays per request today
//   interp/single        the reference interpreter, for reference
//   */single_hot         the same request over and over (every branch predicted): a lower bound
//   so/single, so/batch1024   the same through a lib<policy>.so built by `edict build` and loaded
//                        with dlopen, when given with --so=PATH (bench/run_all.sh does)
//
// The policy is JIT-compiled in process (parse, check, PIR, codegen, O2, LLJIT); the requests are
// a pre-generated pool of 1024 realistic requests (bench_common.h) cycled through. Before
// measuring, the baseline is checked against the compiled module (and the interpreter) on 200k
// random requests; any difference aborts. `ns/eval` is the figure to read.
//
//   edict_eval_bench [--check-only] [--check-requests=N] [--so=LIB.so] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "backend/jit.h"
#include "bench_common.h"
#include "interp/interpreter.h"

namespace edict::bench {
namespace {

constexpr size_t kPool = 1024;   // requests cycled through (a power of two)
constexpr size_t kBatch = 1024;  // requests per eval_batch call

struct Global {
  pir::Module pm;
  std::unique_ptr<backend::JitPolicy> jit;
  const edict_module* m = nullptr;
  const edict_module* so = nullptr;  // --so: the built module, else null
  std::unique_ptr<AbiMap> map;
  Pool pool;
};
Global* g = nullptr;

// Called through a pointer the optimiser cannot see through, like the module's eval.
int (*volatile g_baseline_eval)(const ai::Input&, const ai::Usage&, int32_t,
                                ai::Result*) = &ai::Evaluate;

void SetPerEval(benchmark::State& st, size_t evals_per_iteration) {
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * evals_per_iteration));
  // Seconds (CPU time) per evaluation; the console shows it with an SI prefix ("9.8n" = 9.8 ns).
  st.counters["ns/eval"] = benchmark::Counter(
      static_cast<double>(st.iterations() * evals_per_iteration),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void CompiledSingle(benchmark::State& st, const edict_module* m) {
  Pool& p = g->pool;
  edict_eval_fn eval = m->eval;
  std::vector<uint64_t> result(p.result_size / 8 + 1);
  auto* res = reinterpret_cast<edict_result*>(result.data());
  size_t i = 0;
  for (auto _ : st) {
    int rc = eval(p.input(i), &p.usage[2 * i], p.today[i], res);
    benchmark::DoNotOptimize(rc);
    i = (i + 1) & (kPool - 1);
  }
  benchmark::ClobberMemory();
  SetPerEval(st, 1);
}

void CompiledSingleHot(benchmark::State& st) {
  Pool& p = g->pool;
  edict_eval_fn eval = g->m->eval;
  std::vector<uint64_t> result(p.result_size / 8 + 1);
  auto* res = reinterpret_cast<edict_result*>(result.data());
  const size_t i = 3;  // a tier-2 chip order (any request will do)
  for (auto _ : st) {
    int rc = eval(p.input(i), &p.usage[2 * i], p.today[i], res);
    benchmark::DoNotOptimize(rc);
  }
  benchmark::ClobberMemory();
  SetPerEval(st, 1);
}

void CompiledBatch(benchmark::State& st, const edict_module* m) {
  Pool& p = g->pool;
  edict_eval_batch_fn batch = m->eval_batch;
  for (auto _ : st) {
    size_t errors = batch(kBatch, p.inputs.data(), p.usage.data(), p.today.data(),
                          p.results.data());
    benchmark::DoNotOptimize(errors);
    benchmark::ClobberMemory();
  }
  SetPerEval(st, kBatch);
}

void BaselineSingle(benchmark::State& st) {
  Pool& p = g->pool;
  auto eval = g_baseline_eval;
  ai::Result res;
  size_t i = 0;
  for (auto _ : st) {
    int rc = eval(p.base_inputs[i], p.base_usage[i], p.today[i], &res);
    benchmark::DoNotOptimize(rc);
    i = (i + 1) & (kPool - 1);
  }
  benchmark::ClobberMemory();
  SetPerEval(st, 1);
}

void BaselineSingleHot(benchmark::State& st) {
  Pool& p = g->pool;
  auto eval = g_baseline_eval;
  ai::Result res;
  const size_t i = 3;
  for (auto _ : st) {
    int rc = eval(p.base_inputs[i], p.base_usage[i], p.today[i], &res);
    benchmark::DoNotOptimize(rc);
  }
  benchmark::ClobberMemory();
  SetPerEval(st, 1);
}

void BaselineBatch(benchmark::State& st) {
  Pool& p = g->pool;
  for (auto _ : st) {
    size_t errors = ai::EvaluateBatch(kBatch, p.base_inputs.data(), p.base_usage.data(),
                                      p.today.data(), p.base_results.data());
    benchmark::DoNotOptimize(errors);
    benchmark::ClobberMemory();
  }
  SetPerEval(st, kBatch);
}

void JitWrapperSingle(benchmark::State& st) {
  Pool& p = g->pool;
  size_t i = 0;
  for (auto _ : st) {
    pir::Result r = g->jit->Evaluate(p.pir_requests[i]);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (kPool - 1);
  }
  SetPerEval(st, 1);
}

void InterpSingle(benchmark::State& st) {
  Pool& p = g->pool;
  size_t i = 0;
  for (auto _ : st) {
    pir::Result r = interp::Evaluate(g->pm, p.pir_requests[i]);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (kPool - 1);
  }
  SetPerEval(st, 1);
}

// Console output as usual, and the ns/eval of each benchmark (the median when repeated) kept
// for the closing summary.
class Reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      auto it = run.counters.find("ns/eval");
      if ((median || single) && it != run.counters.end()) {
        ns_[run.run_name.function_name] = it->second.value * 1e9;
      }
    }
  }
  auto ns(const std::string& name) const -> double {
    auto it = ns_.find(name);
    return it == ns_.end() ? 0.0 : it->second;
  }
  bool has(const std::string& name) const { return ns_.count(name) != 0; }

 private:
  std::map<std::string, double> ns_;
};

}  // namespace
}  // namespace edict::bench

int main(int argc, char** argv) {
  using namespace edict::bench;
  bool check_only = false;
  std::string so_path;
  size_t check_n = 100'000;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--check-only") {
      check_only = true;
    } else if (a.starts_with("--so=")) {
      so_path = std::string(a.substr(5));
    } else if (a.starts_with("--check-requests=")) {
      check_n = std::stoul(std::string(a.substr(17)));
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 2;

  static Global global;
  g = &global;
  g->pm = LoadPir(AiDiffusionPath());
  std::string error;
  g->jit = edict::backend::JitPolicy::Create(g->pm, error);
  if (!g->jit) {
    std::cerr << "edict bench: the JIT failed: " << error << "\n";
    return 2;
  }
  g->m = &g->jit->descriptor();
  g->map = std::make_unique<AbiMap>(*g->m);
  const auto& t = g->jit->timings();
  std::printf("policy %s %s: JIT compile %.1f ms CPU (codegen %.1f, O2 %.1f, machine code %.1f)\n",
              g->m->name, g->m->version, t.total_ms, t.codegen_ms, t.optimize_ms, t.jit_ms);
  std::printf("input struct %u bytes, result struct %u bytes; baseline Input %zu, Result %zu\n",
              g->m->input_size, g->m->result_size, sizeof(ai::Input), sizeof(ai::Result));

  // A benchmark against a wrong baseline is worthless: check first (every 4th request also
  // against the interpreter).
  CheckBaseline(g->pm, *g->m, check_n, 4);
  if (!so_path.empty()) {
    void* lib = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    auto entry = lib ? reinterpret_cast<edict_module_v1_fn>(dlsym(lib, "edict_module_v1")) : nullptr;
    if (!entry) {
      std::cerr << "edict bench: cannot load " << so_path << ": " << dlerror() << "\n";
      return 2;
    }
    g->so = entry();
    AbiMap so_map(*g->so);  // same schema, tables and layout as the JIT's
    if (g->so->input_size != g->m->input_size || g->so->result_size != g->m->result_size) {
      std::cerr << "edict bench: " << so_path << " has another layout than the JIT module\n";
      return 2;
    }
    std::printf("%s: ", so_path.c_str());
    CheckBaseline(g->pm, *g->so, check_n / 4, 0);
  }
  if (check_only) return 0;

  g->pool = MakePool(*g->map, RealisticRequests(kPool, 42), true);

  benchmark::RegisterBenchmark("compiled/single", CompiledSingle, g->m);
  benchmark::RegisterBenchmark("compiled/batch1024", CompiledBatch, g->m);
  benchmark::RegisterBenchmark("baseline/single", BaselineSingle);
  benchmark::RegisterBenchmark("baseline/batch1024", BaselineBatch);
  benchmark::RegisterBenchmark("compiled/single_hot", CompiledSingleHot);
  benchmark::RegisterBenchmark("baseline/single_hot", BaselineSingleHot);
  benchmark::RegisterBenchmark("jit_wrapper/single", JitWrapperSingle);
  benchmark::RegisterBenchmark("interp/single", InterpSingle);
  if (g->so != nullptr) {
    benchmark::RegisterBenchmark("so/single", CompiledSingle, g->so);
    benchmark::RegisterBenchmark("so/batch1024", CompiledBatch, g->so);
  }

  Reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  auto line = [&](const char* what, const std::string& name, double target) {
    if (!reporter.has(name)) return;
    std::printf("  %-44s %9.2f ns/eval", what, reporter.ns(name));
    if (target > 0) {
      std::printf("   target <= %.0f ns: %s", target, reporter.ns(name) <= target ? "met" : "MISSED");
    }
    std::printf("\n");
  };
  auto ratio = [&](const char* what, const std::string& a, const std::string& b, double target) {
    if (!reporter.has(a) || !reporter.has(b) || reporter.ns(b) == 0) return;
    double x = reporter.ns(a) / reporter.ns(b);
    std::printf("  %-44s %9.2fx", what, x);
    if (target > 0) std::printf("        target <= %.1fx: %s", target, x <= target ? "met" : "MISSED");
    std::printf("\n");
  };
  std::printf("\nsummary (medians when repeated; ns/eval = time per request):\n");
  line("compiled eval, one request per call", "compiled/single", 10);
  line("compiled eval_batch, 1024 per call", "compiled/batch1024", 2);
  line("baseline, one request per call", "baseline/single", 0);
  line("baseline batch, 1024 per call", "baseline/batch1024", 0);
  line("compiled eval, same request (hot)", "compiled/single_hot", 0);
  line("baseline, same request (hot)", "baseline/single_hot", 0);
  line("JitPolicy::Evaluate (pir marshalling)", "jit_wrapper/single", 0);
  line("reference interpreter", "interp/single", 0);
  line("built .so eval, one request per call", "so/single", 10);
  line("built .so eval_batch, 1024 per call", "so/batch1024", 2);
  ratio("compiled/baseline, single", "compiled/single", "baseline/single", 0);
  ratio("compiled/baseline, batch", "compiled/batch1024", "baseline/batch1024", 1.5);
  ratio("compiled/baseline, hot", "compiled/single_hot", "baseline/single_hot", 0);
  ratio("interpreter/compiled, single", "interp/single", "compiled/single", 0);
  return 0;
}
