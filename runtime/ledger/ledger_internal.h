// Shared by the ledger back ends: the decide protocol's slot fixpoint, URL parsing helpers and
// the constructors of each back end. Not part of the public API (ledger.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"

namespace edict::ledger::internal {

// How many times the slot set may grow under the lock before a decide gives up: an evaluation
// whose slots never settle is a bug in the caller, reported rather than looped on.
inline constexpr int kMaxSlotRounds = 16;

// Sorted, without duplicates: the one global lock order (cap, key, window_start).
void SortUnique(std::vector<Slot>& slots);

// True when every element of the sorted `sub` is in the sorted `set`.
auto Includes(const std::vector<Slot>& set, const std::vector<Slot>& sub) -> bool;

// The first guess of the slots a request touches, before any lock is taken: Slots() with every
// usage read as 0, plus every slot it asked about. Sorted and unique.
auto EstimateSlots(Evaluation& evaluation) -> std::vector<Slot>;

// One attempt under the locks of `locked` (sorted), whose usage figures are `usage` (parallel).
// Calls Slots() and, when every slot it reads or names is locked, Evaluate(). When the request
// needs a slot outside `locked`, `stable` is false and `grown` holds the union to lock next.
// A stable round whose answer cannot be recorded (a negative amount, or usage that would pass
// INT64_MAX) has `error` set: the decide fails with it and records nothing.
struct LockedRound {
  bool stable = false;
  std::vector<Slot> grown;
  Answer answer;
  std::string error;
};
auto RunLockedRound(Evaluation& evaluation, const std::vector<Slot>& locked,
                    const std::vector<int64_t>& usage, bool evaluate = true) -> LockedRound;

// Ok when `now` has the key shape and window of the cap as `known`; else the error naming the
// cap, both shapes and the way out.
auto CheckSameShape(const CapInfo& known, const CapInfo& now) -> Status;

// The message when the slots never settle.
auto UnsettledSlotsMessage() -> std::string;

// The tables every SQL back end creates (schema version 1), in SQL that SQLite and PostgreSQL
// (and the PostgreSQL-compatible engines) all accept; `usage_table_options` follows the usage
// table's definition (SQLite: " WITHOUT ROWID").
auto LedgerSchemaSql(std::string_view usage_table_options) -> std::string;

// "2026-11-23T06:10:00Z": when a record or answer was written.
auto UtcNow() -> std::string;

// Back-end constructors (Ledger::Open dispatches on the scheme).
auto OpenMemory(std::string& error) -> std::unique_ptr<Ledger>;
auto OpenSqlite(std::string_view path, std::string& error) -> std::unique_ptr<Ledger>;
auto OpenPostgres(std::string_view url, std::string& error) -> std::unique_ptr<Ledger>;

// The URL with any password replaced by "***", for messages.
auto RedactUrl(std::string_view url) -> std::string;

}  // namespace edict::ledger::internal
