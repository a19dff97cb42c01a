// A small real evaluation for the ledger tests, the stress program and nothing else: one cap
// `<policy>.budget` with a limit, and optionally a cap `<policy>.overflow` that applies only
// once the budget's usage has reached a threshold (so its slot depends on another slot's usage,
// and the ledger's slot fixpoint has work to do).
//
//   answer {"outcome":"ok","cap":"budget","amount":A}     recorded A into the budget slot
//   answer {"outcome":"ok","cap":"overflow","amount":A}   recorded A into the overflow slot
//   answer {"outcome":"over","amount":A}                   recorded nothing
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace edict::ledger::testing {

struct BudgetPolicy {
  std::string policy = "p";      // cap names are "<policy>.budget", "<policy>.overflow"
  std::string version = "1";
  int64_t limit = 100;
  std::string key = "[\"IL\"]";
  std::string window_start = "0001-01-01";
  bool with_overflow = false;
  int64_t overflow_threshold = 0;  // budget usage from which `overflow` applies
  int64_t overflow_limit = 0;

  auto Budget() const -> Slot { return {policy + ".budget", key, window_start}; }
  auto Overflow() const -> Slot { return {policy + ".overflow", key, window_start}; }
  auto Info() const -> PolicyInfo {
    PolicyInfo info{policy, version, {{policy + ".budget", "Country", "forever"}}};
    if (with_overflow) info.caps.push_back({policy + ".overflow", "Country", "forever"});
    return info;
  }
};

class BudgetEvaluation final : public Evaluation {
 public:
  BudgetEvaluation(const BudgetPolicy& policy, int64_t amount) : p_(policy), amount_(amount) {}

  auto Slots(const UsageFn& usage) -> std::vector<Slot> override {
    std::vector<Slot> slots{p_.Budget()};
    if (OverflowApplies(usage)) slots.push_back(p_.Overflow());
    return slots;
  }

  auto Evaluate(const UsageFn& usage) -> Answer override {
    Answer a;
    if (usage(p_.Budget()) + amount_ <= p_.limit) {
      a.text = R"({"outcome":"ok","cap":"budget","amount":)" + std::to_string(amount_) + "}";
      a.record.push_back({p_.Budget(), amount_});
    } else if (OverflowApplies(usage) && usage(p_.Overflow()) + amount_ <= p_.overflow_limit) {
      a.text = R"({"outcome":"ok","cap":"overflow","amount":)" + std::to_string(amount_) + "}";
      a.record.push_back({p_.Overflow(), amount_});
    } else {
      a.text = R"({"outcome":"over","amount":)" + std::to_string(amount_) + "}";
    }
    return a;
  }

 private:
  auto OverflowApplies(const UsageFn& usage) const -> bool {
    return p_.with_overflow && usage(p_.Budget()) >= p_.overflow_threshold;
  }
  BudgetPolicy p_;
  int64_t amount_;
};

// The amount an answer recorded (0 for "over"), read back from its text.
inline auto RecordedAmount(const std::string& answer) -> int64_t {
  if (answer.find(R"("outcome":"ok")") == std::string::npos) return 0;
  size_t at = answer.find(R"("amount":)");
  return at == std::string::npos ? 0 : std::stoll(answer.substr(at + 9));
}

// The usage of one slot, through Show.
inline auto UsageOf(Ledger& ledger, const Slot& slot) -> int64_t {
  std::vector<UsageRow> rows;
  if (!ledger.Show(slot.cap, rows).ok) return -1;
  for (const UsageRow& row : rows) {
    if (row.slot == slot) return row.usage;
  }
  return 0;
}

}  // namespace edict::ledger::testing
