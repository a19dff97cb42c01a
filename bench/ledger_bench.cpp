// Ledger decides per second and latency per back end (DESIGN.md "Quality targets": memory
// >= 1 M decides/s, SQLite durable >= 10,000 decides/s with group commit).
//
//   edict_ledger_bench [--benchmark_filter=…]
//     EDICT_BENCH_LEDGER_DIR   where the SQLite file goes (default: the current directory; keep
//                              it on a real disk, not tmpfs, or fsync costs nothing)
//     EDICT_BENCH_PG_URL       a PostgreSQL server (e.g. one started by tests/pg/pg_harness.sh);
//                              the postgresql benchmarks are skipped without it
//
// Each decide: a trivial evaluation (one cap, 1000 keys cycled through, amount 1, a limit never
// reached) with a unique request id, so the idempotency bookkeeping is paid too. Counters:
// items_per_second = decides/s over all threads; p50_us / p99_us = latency of one Decide call
// (each thread's percentile, averaged over threads).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace {

using namespace edict::ledger;

class CountEvaluation final : public Evaluation {
 public:
  explicit CountEvaluation(Slot slot) : slot_(std::move(slot)) {}
  auto Slots(const UsageFn&) -> std::vector<Slot> override { return {slot_}; }
  auto Evaluate(const UsageFn& usage) -> Answer override {
    Answer a;
    if (usage(slot_) + 1 <= (int64_t{1} << 60)) {
      a.text = R"({"outcome":"allow"})";
      a.record.push_back({slot_, 1});
    } else {
      a.text = R"({"outcome":"deny"})";
    }
    return a;
  }

 private:
  Slot slot_;
};

std::unique_ptr<Ledger> g_ledger;
std::atomic<uint64_t> g_next_id{0};
std::string g_sqlite_path;
const PolicyInfo kPolicy{"bench", "1", {{"bench.cap", "string", "forever"}}};

auto Url(int64_t kind) -> std::string {
  if (kind == 0) return "memory:";
  if (kind == 1) {
    const char* dir = std::getenv("EDICT_BENCH_LEDGER_DIR");
    g_sqlite_path = (std::filesystem::path(dir ? dir : ".") / "edict_ledger_bench.db").string();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(g_sqlite_path + ext);
    return "sqlite:" + g_sqlite_path;
  }
  const char* pg = std::getenv("EDICT_BENCH_PG_URL");
  return pg ? pg : "";
}

void SetUp(const benchmark::State& state) {
  std::string url = Url(state.range(0)), error;
  if (url.empty()) return;
  g_ledger = Ledger::Open(url, error);
  if (!g_ledger) {
    std::fprintf(stderr, "ledger_bench: %s\n", error.c_str());
    return;
  }
  g_ledger->Reset(std::nullopt);
  g_ledger->Register(kPolicy);
}

void TearDown(const benchmark::State&) {
  g_ledger.reset();
  if (!g_sqlite_path.empty()) {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(g_sqlite_path + ext);
    g_sqlite_path.clear();
  }
}

void BM_Decide(benchmark::State& state) {
  if (!g_ledger) {
    state.SkipWithError(state.range(0) == 2 ? "EDICT_BENCH_PG_URL is not set"
                                            : "the ledger did not open");
    return;
  }
  std::vector<double> latencies;
  latencies.reserve(1 << 16);
  std::vector<Slot> slots;
  for (int k = 0; k < 1000; ++k) {
    slots.push_back({"bench.cap", "[\"k" + std::to_string(k) + "\"]", "0001-01-01"});
  }
  size_t k = static_cast<size_t>(state.thread_index()) * 7;
  for (auto _ : state) {
    std::string id;
    if (state.range(1)) {
      id = 'r';  // (not "r" + …: GCC 12 warns falsely about that at -O2, -Wrestrict)
      id += std::to_string(g_next_id.fetch_add(1, std::memory_order_relaxed));
    }
    CountEvaluation ev(slots[k++ % slots.size()]);
    DecideResult out;
    auto t0 = std::chrono::steady_clock::now();
    Status s = g_ledger->Decide(kPolicy, id, "d", ev, out);
    auto t1 = std::chrono::steady_clock::now();
    if (!s.ok) {
      state.SkipWithError(s.message.c_str());
      break;
    }
    latencies.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations());
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    auto at = [&](double q) { return latencies[static_cast<size_t>(q * (latencies.size() - 1))]; };
    state.counters["p50_us"] = benchmark::Counter(at(0.50), benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(at(0.99), benchmark::Counter::kAvgThreads);
  }
}

// range(0): 0 memory, 1 sqlite, 2 postgresql; range(1): 1 with a unique request id, 0 without.
BENCHMARK(BM_Decide)->Name("decide/memory")->Args({0, 1})->Args({0, 0})
    ->Setup(SetUp)->Teardown(TearDown)
    ->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Decide)->Name("decide/sqlite")->Args({1, 1})->Setup(SetUp)->Teardown(TearDown)
    ->Threads(1)->Threads(2)->Threads(16)->Threads(64)->UseRealTime();
BENCHMARK(BM_Decide)->Name("decide/postgresql")->Args({2, 1})->Setup(SetUp)->Teardown(TearDown)
    ->Threads(1)->Threads(2)->Threads(16)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
