// edict_ledger_stress: a separate process deciding against a shared ledger, for the ledger tests
// (several processes racing on one SQLite file or PostgreSQL server; a process killed with
// SIGKILL in the middle of a decide). Prints one line per answer, after Decide returned:
//
//   <id> <recorded amount> <replayed 0|1>
//
//   edict_ledger_stress URL race   POLICY LIMIT AMOUNT THREADS COUNT ID_PREFIX
//       THREADS threads each decide COUNT requests of AMOUNT on POLICY.budget (limit LIMIT);
//       ids ID_PREFIX-<thread>-<i>, or all the same id ID_PREFIX when ID_PREFIX starts with '='
//   edict_ledger_stress URL loop   POLICY FIRST COUNT
//       decides ids POLICY/crash-FIRST, POLICY/crash-FIRST+1, … one after another, amount
//       1 + id % 7, limit unbounded; the test kills it at a random moment
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "test_evaluation.h"

using namespace edict::ledger;
using namespace edict::ledger::testing;

namespace {

auto Fail(const std::string& what) -> int {
  std::fprintf(stderr, "edict_ledger_stress: %s\n", what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Fail("usage: edict_ledger_stress URL race|loop …");
  std::string error;
  std::unique_ptr<Ledger> ledger = Ledger::Open(argv[1], error);
  if (!ledger) return Fail(error);
  std::string mode = argv[2];
  if (mode == "race" && argc == 9) {
    BudgetPolicy p;
    p.policy = argv[3];
    p.limit = std::atoll(argv[4]);
    int64_t amount = std::atoll(argv[5]);
    int threads = std::atoi(argv[6]);
    int count = std::atoi(argv[7]);
    std::string prefix = argv[8];
    if (Status s = ledger->Register(p.Info()); !s.ok) return Fail(s.message);
    std::vector<std::thread> pool;
    std::vector<std::string> failures(threads);
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < count; ++i) {
          std::string id = prefix[0] == '='
                               ? prefix.substr(1)
                               : prefix + "-" + std::to_string(t) + "-" + std::to_string(i);
          BudgetEvaluation ev(p, amount);
          DecideResult r;
          Status s = ledger->Decide(p.Info(), id, std::to_string(amount), ev, r);
          if (!s.ok) {
            failures[t] = s.message;
            return;
          }
          std::printf("%s %lld %d\n", id.c_str(), static_cast<long long>(RecordedAmount(r.answer)),
                      r.replayed ? 1 : 0);
        }
      });
    }
    for (auto& th : pool) th.join();
    std::fflush(stdout);
    for (const std::string& f : failures) {
      if (!f.empty()) return Fail(f);
    }
    return 0;
  }
  if (mode == "loop" && argc == 6) {
    BudgetPolicy p;
    p.policy = argv[3];
    p.limit = INT64_MAX / 2;
    long first = std::atol(argv[4]);
    long count = std::atol(argv[5]);
    if (Status s = ledger->Register(p.Info()); !s.ok) return Fail(s.message);
    setvbuf(stdout, nullptr, _IOLBF, 0);
    for (long i = first; i < first + count; ++i) {
      int64_t amount = 1 + i % 7;
      BudgetEvaluation ev(p, amount);
      DecideResult r;
      std::string id = p.policy + "/crash-" + std::to_string(i);
      Status s = ledger->Decide(p.Info(), id, std::to_string(amount), ev, r);
      if (!s.ok) return Fail(s.message);
      std::printf("%s %lld %d\n", id.c_str(), static_cast<long long>(RecordedAmount(r.answer)),
                  r.replayed ? 1 : 0);
    }
    return 0;
  }
  return Fail("bad arguments (see the comment at the top of ledger_stress.cpp)");
}
