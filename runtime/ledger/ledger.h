// The cap ledger (LANGUAGE.md §5, DESIGN.md "Caps and the ledger"): usage per (cap, key, window),
// and `decide` = lock the request's slots, read usage, evaluate, record, make durable, answer —
// atomically per slot, idempotently per request id.
//
// The ledger knows nothing about policies or engines: the caller (the `edict` driver, a service)
// hands it an `Evaluation`, which names the slots a request touches and evaluates the request
// once usage figures are known. So the same ledger serves the interpreter, the JIT and built
// modules alike. Back ends are chosen by URL:
//
//   memory:                      sharded, in process (tests, single-process services)
//   sqlite:PATH                  embedded default: WAL, group commit, safe across processes
//   postgresql://… / postgres://…  shared by many service instances (libpq connection string)
//
// Thread safety: one Ledger may be used by many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edict::ledger {

// One cap slot: a cap of a policy, at one key, in one calendar window.
struct Slot {
  std::string cap;           // "<policy>.<cap>", e.g. "ai_diffusion.tier2_allocation"
  std::string key;           // canonical key text: a JSON array of the key values, e.g. ["IL"]
                             // (enum members by name, dates as ISO strings); "[]" without a key
  std::string window_start;  // ISO date of the window's first day; "0001-01-01" for `forever`

  friend auto operator<=>(const Slot&, const Slot&) = default;
  friend bool operator==(const Slot&, const Slot&) = default;
};

// What a cap is, so that a later policy version can be checked to continue the same usage.
struct CapInfo {
  std::string cap;        // "<policy>.<cap>"
  std::string key_shape;  // the key's types, e.g. "Country" or "string,int"; "" without a key
  std::string window;     // "day" | "month" | "quarter" | "year" | "forever"
};

struct PolicyInfo {
  std::string policy;   // policy name
  std::string version;  // policy version text ("" when the policy has none)
  std::vector<CapInfo> caps;
};

// Usage figures known so far, by slot; a slot never read is 0.
using UsageFn = std::function<int64_t(const Slot&)>;

struct Recording {
  Slot slot;
  int64_t amount = 0;  // >= 0
};

// The evaluator's answer for one request.
struct Answer {
  std::string text;                // what is returned (and replayed for a retried id): result JSON
  std::vector<Recording> record;   // amounts to record; empty for an error result or a `check`
};

// One request, as the ledger sees it. Both calls may be made several times (a back end may
// retry a transaction); they must be pure functions of the usage they are given.
class Evaluation {
 public:
  virtual ~Evaluation() = default;
  // The slots whose usage the request reads, given the usage known so far. The ledger calls it
  // until the set no longer changes (a cap's `applies` may depend on another cap's usage), then
  // holds all of them locked for Evaluate.
  virtual auto Slots(const UsageFn& usage) -> std::vector<Slot> = 0;
  virtual auto Evaluate(const UsageFn& usage) -> Answer = 0;
};

struct Status {
  bool ok = true;
  std::string message;  // when !ok: plain words naming what failed (URL, file, server message)
  static auto Ok() -> Status { return {}; }
  static auto Error(std::string m) -> Status { return {false, std::move(m)}; }
};

struct DecideResult {
  std::string answer;     // Answer::text of the first decide of this id
  bool replayed = false;  // the id had been decided before: nothing was recorded now
};

// A row of `edict ledger show`.
struct UsageRow {
  Slot slot;
  std::string window;         // from CapInfo
  int64_t usage = 0;
  std::string last_policy;    // policy and version that last recorded into this slot
  std::string last_version;
};

class Ledger {
 public:
  // Opens (creating schema and files as needed) the ledger at `url`; null with `error` set.
  static auto Open(std::string_view url, std::string& error) -> std::unique_ptr<Ledger>;
  virtual ~Ledger() = default;

  // Declares a policy's caps. A cap already known with another key shape or window is an error
  // naming it (its usage would not mean the same); same name and shape continue the usage.
  virtual auto Register(const PolicyInfo& policy) -> Status = 0;

  // Atomic decide. `id` empty: not idempotent. `request_digest` identifies the request's content:
  // a retry with the same id and another digest fails with a message starting
  // "idempotency_conflict:" and records nothing.
  virtual auto Decide(const PolicyInfo& policy, std::string_view id,
                      std::string_view request_digest, Evaluation& evaluation,
                      DecideResult& out) -> Status = 0;

  // Reads usage and evaluates; records nothing (Answer::record is ignored).
  virtual auto Check(Evaluation& evaluation, std::string& answer) -> Status = 0;

  // Usage per slot, ordered by cap, key, window; only `cap` when given.
  virtual auto Show(const std::optional<std::string>& cap, std::vector<UsageRow>& rows)
      -> Status = 0;
  // Forgets usage (and the remembered answers) of every cap, or of `cap` only.
  virtual auto Reset(const std::optional<std::string>& cap) -> Status = 0;
};

}  // namespace edict::ledger
