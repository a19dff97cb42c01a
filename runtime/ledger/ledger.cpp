// Ledger::Open and the pieces of the decide protocol that every back end shares.
#include <algorithm>
#include <ctime>

#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"

namespace edict::ledger {
namespace internal {

void SortUnique(std::vector<Slot>& slots) {
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
}

auto Includes(const std::vector<Slot>& set, const std::vector<Slot>& sub) -> bool {
  return std::includes(set.begin(), set.end(), sub.begin(), sub.end());
}

auto EstimateSlots(Evaluation& evaluation) -> std::vector<Slot> {
  std::vector<Slot> asked;
  std::vector<Slot> slots = evaluation.Slots([&](const Slot& slot) -> int64_t {
    asked.push_back(slot);
    return 0;
  });
  slots.insert(slots.end(), asked.begin(), asked.end());
  SortUnique(slots);
  return slots;
}

namespace {

auto Describe(const Slot& slot) -> std::string {
  return "cap `" + slot.cap + "` at key " + slot.key + " in the window from " + slot.window_start;
}

// Amounts are >= 0, and no slot's usage may pass INT64_MAX.
auto CheckRecordings(const std::vector<Recording>& record, const std::vector<Slot>& locked,
                     const std::vector<int64_t>& usage) -> std::string {
  std::vector<int64_t> after = usage;
  for (const Recording& r : record) {
    if (r.amount < 0) {
      return "the evaluation recorded a negative amount (" + std::to_string(r.amount) + ") into " +
             Describe(r.slot) + "; amounts must be 0 or more";
    }
    auto it = std::lower_bound(locked.begin(), locked.end(), r.slot);
    int64_t& u = after[static_cast<size_t>(it - locked.begin())];
    if (__builtin_add_overflow(u, r.amount, &u)) {
      return "recording " + std::to_string(r.amount) + " into " + Describe(r.slot) +
             " would take its usage past the largest 64-bit integer";
    }
  }
  return "";
}

}  // namespace

auto RunLockedRound(Evaluation& evaluation, const std::vector<Slot>& locked,
                    const std::vector<int64_t>& usage, bool evaluate) -> LockedRound {
  LockedRound round;
  std::vector<Slot> missing;
  UsageFn read = [&](const Slot& slot) -> int64_t {
    auto it = std::lower_bound(locked.begin(), locked.end(), slot);
    if (it != locked.end() && *it == slot) return usage[static_cast<size_t>(it - locked.begin())];
    missing.push_back(slot);
    return 0;
  };
  std::vector<Slot> wanted = evaluation.Slots(read);
  SortUnique(wanted);
  if (missing.empty() && Includes(locked, wanted)) {
    if (evaluate) {
      round.answer = evaluation.Evaluate(read);
      for (const Recording& r : round.answer.record) missing.push_back(r.slot);
      SortUnique(missing);
      if (Includes(locked, missing)) {
        round.stable = true;
        round.error = CheckRecordings(round.answer.record, locked, usage);
        return round;
      }
    } else {
      round.stable = true;
      return round;
    }
  }
  round.grown = locked;
  round.grown.insert(round.grown.end(), wanted.begin(), wanted.end());
  round.grown.insert(round.grown.end(), missing.begin(), missing.end());
  SortUnique(round.grown);
  round.answer = {};
  return round;
}

auto UnsettledSlotsMessage() -> std::string {
  return "the request's cap slots did not settle after " + std::to_string(kMaxSlotRounds) +
         " rounds (each round's usage named new slots)";
}

auto LedgerSchemaSql(std::string_view usage_table_options) -> std::string {
  std::string sql = R"sql(
CREATE TABLE IF NOT EXISTS edict_meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edict_caps(
  cap TEXT PRIMARY KEY, key_shape TEXT NOT NULL, cap_window TEXT NOT NULL,
  first_policy TEXT NOT NULL, first_version TEXT NOT NULL, registered_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edict_usage(
  cap TEXT NOT NULL, key TEXT NOT NULL, window_start TEXT NOT NULL, usage BIGINT NOT NULL,
  last_policy TEXT NOT NULL, last_version TEXT NOT NULL,
  PRIMARY KEY (cap, key, window_start)))sql";
  sql += usage_table_options;
  sql += R"sql(;
CREATE TABLE IF NOT EXISTS edict_requests(
  id TEXT PRIMARY KEY, digest TEXT NOT NULL, answer TEXT NOT NULL,
  policy TEXT NOT NULL, version TEXT NOT NULL, decided_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edict_records(
  request_id TEXT, cap TEXT NOT NULL, key TEXT NOT NULL, window_start TEXT NOT NULL,
  amount BIGINT NOT NULL, policy TEXT NOT NULL, version TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS edict_records_cap ON edict_records(cap);
CREATE INDEX IF NOT EXISTS edict_records_request ON edict_records(request_id);
)sql";
  return sql;
}

auto UtcNow() -> std::string {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

auto RedactUrl(std::string_view url) -> std::string {
  std::string s(url);
  // scheme://user:password@host → scheme://user:***@host
  size_t scheme = s.find("://");
  if (scheme == std::string::npos) return s;
  size_t at = s.find('@', scheme + 3);
  if (at == std::string::npos) return s;
  size_t colon = s.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return s;
  return s.substr(0, colon + 1) + "***" + s.substr(at);
}

}  // namespace internal

auto Ledger::Open(std::string_view url, std::string& error) -> std::unique_ptr<Ledger> {
  auto starts = [&](std::string_view p) { return url.substr(0, p.size()) == p; };
  if (url == "memory:" || url == "memory") return internal::OpenMemory(error);
  if (starts("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.substr(0, 2) == "//") path.remove_prefix(2);  // sqlite://PATH is accepted too
    if (path.empty()) {
      error = "ledger URL `" + std::string(url) + "` names no file: write sqlite:PATH";
      return nullptr;
    }
    return internal::OpenSqlite(path, error);
  }
  if (starts("postgresql://") || starts("postgres://")) return internal::OpenPostgres(url, error);
  error = "unknown ledger URL `" + internal::RedactUrl(url) +
          "`: expected memory:, sqlite:PATH, postgresql://… or postgres://…";
  return nullptr;
}

}  // namespace edict::ledger
