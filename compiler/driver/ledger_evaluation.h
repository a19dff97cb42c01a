// The bridge between an evaluation engine (engine.h) and the cap ledger (runtime/ledger/ledger.h):
// a decoded request, evaluated by any engine, as the `ledger::Evaluation` that a `decide` or a
// `check` runs under the ledger's locks.
//
// Nothing here knows about the command line: `edict eval --ledger` uses it, and so can a service
// that decodes requests itself.
//
// Naming (the ledger's view of a policy):
//   cap        "<policy>.<cap>", e.g. "ai_diffusion.lpp"
//   key        a JSON array of the cap's key values in key order: ints as digits, strings as JSON
//              strings, bools as true/false, dates as "YYYY-MM-DD", enum members by name
//              (so reordering an enum keeps its usage); "[]" for a cap without `key`
//   window     the window's first day, "YYYY-MM-DD" (pir::WindowStart; "0001-01-01" for forever)
//   key shape  the key types' names joined by ",": "Country", "string,int"; "" without a key
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "driver/engine.h"
#include "ledger/ledger.h"
#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::driver {

// The policy and its caps as the ledger registers them.
auto LedgerPolicyInfo(const pir::Module& m) -> ledger::PolicyInfo;

// "<policy>.<cap>" for cap `c` of `m`.
auto LedgerCapName(const pir::Module& m, size_t c) -> std::string;

// The canonical key text of cap `c` for the key values `key` (one per key expression).
auto LedgerKeyText(const pir::Module& m, size_t c, const std::vector<pir::RtValue>& key)
    -> std::string;

// A stable digest of a request's content: every input field (after defaults) and `today`, as
// 32 hex digits. Two requests with the same id and different digests are an idempotency
// conflict; the digest does not depend on the JSON spelling (key order, spaces, defaults left
// out or written).
auto LedgerRequestDigest(const pir::Module& m, const pir::Request& req) -> std::string;

// Whether the JSON request text has a top-level `usage` key (a request decided through a ledger
// must not: the ledger supplies the usage). `data[len .. len + json::kPadding)` must be
// readable. Call it only for a request that decoded without error.
class UsageKeyProbe {
 public:
  UsageKeyProbe();
  ~UsageKeyProbe();
  UsageKeyProbe(const UsageKeyProbe&) = delete;
  auto operator=(const UsageKeyProbe&) -> UsageKeyProbe& = delete;
  auto HasUsage(const char* data, size_t len) -> bool;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The message of the error result for a request that gives `usage` under a ledger.
auto LedgerUsageGivenMessage() -> std::string;

// Writes the answer text for a result (the result JSON, one line without newline).
using ResultWriter =
    std::function<void(const pir::Request& req, const pir::Result& r, std::string& out)>;

// One request as a ledger::Evaluation. `engine` evaluates; `req` is the decoded request (its
// `usage` is overwritten with the ledger's figures). All referenced objects must outlive it.
// Not thread-safe: one per request (or per thread, reused with Reset).
class LedgerEvaluation final : public ledger::Evaluation {
 public:
  LedgerEvaluation(const pir::Module& m, Engine& engine, ResultWriter writer);

  // Starts on a new request (keeps storage).
  void Reset(pir::Request& req);

  auto Slots(const ledger::UsageFn& usage) -> std::vector<ledger::Slot> override;
  auto Evaluate(const ledger::UsageFn& usage) -> ledger::Answer override;

  // The result of the last Evaluate call (for the caller's exit status).
  auto result() const -> const pir::Result& { return result_; }

 private:
  // Sets req_->usage from `usage` for the request's slots until the slots no longer change.
  void Resolve(const ledger::UsageFn& usage);
  auto SlotOf(size_t c) -> const ledger::Slot&;

  const pir::Module& m_;
  Engine& engine_;
  ResultWriter writer_;
  pir::Request* req_ = nullptr;
  std::vector<std::string> cap_names_;
  std::vector<pir::CapSlot> slots_;
  struct Named {
    bool valid = false;
    std::vector<pir::RtValue> key;
    Date window_start;
    ledger::Slot slot;
  };
  std::vector<Named> named_;  // per cap: the ledger name of slots_[c]
  pir::Result result_;
};

}  // namespace edict::driver
