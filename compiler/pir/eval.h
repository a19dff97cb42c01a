// What every evaluation engine takes and returns, in engine-neutral C++ form: the reference
// interpreter produces it directly, the compiled code through the C ABI (runtime/include/edict.h),
// and differential tests compare the two field by field.
//
// Caps: the caller supplies each cap's usage for the request's own key and window (a stateless
// `check` takes them from the request; a `decide` first asks for the cap keys, looks the usage up
// in a ledger, then evaluates). A cap's key is only meaningful when the cap applies; keys are
// computed by a separate entry point so that a ledger can lock the slots before evaluation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pir/pir.h"

namespace edict::pir {

// A scalar value at run time. Bool (0/1), Int, Date (days since 1970-01-01) and Enum (member
// index) live in `i`; Float in `f`; String in `s`.
struct RtValue {
  int64_t i = 0;
  double f = 0.0;
  std::string s;

  static RtValue Int(int64_t v) { RtValue x; x.i = v; return x; }
  static RtValue Float(double v) { RtValue x; x.f = v; return x; }
  static RtValue Str(std::string v) { RtValue x; x.s = std::move(v); return x; }
  friend bool operator==(const RtValue& a, const RtValue& b) {
    return a.i == b.i && a.s == b.s && (a.f == b.f || (a.f != a.f && b.f != b.f));
  }
};

struct Request {
  std::vector<RtValue> fields;   // one per Module::inputs, already type-checked
  Date today;
  std::vector<int64_t> usage;    // one per Module::caps; >= 0
};

// The key slot of one cap for one request.
struct CapSlot {
  bool applies = false;          // the cap applies (and has_key): a `decide` records here
  // The key could be computed. Also set for a cap that does not apply: usage(C) and
  // remaining(C) are defined for every request (LANGUAGE.md §5), so the caller supplies the
  // usage at this key whenever has_key; false only when a key expression fails.
  bool has_key = false;
  std::vector<RtValue> key;      // when has_key: one value per key expression (Module::caps[c].keys)
  Date window_start;             // WindowStart(cap.window, today)
};

struct Result {
  ErrorCode error = ErrorCode::None;
  Location error_loc;            // where an evaluation error arose (0:0 for request errors)
  int32_t outcome = -1;          // decision member; -1 on error
  std::vector<bool> rules_applied;       // per rule
  std::vector<bool> deciding;            // per rule: applied and proposes the outcome
  std::vector<bool> exemptions_applied;  // per exemption
  std::vector<bool> caps_applied;        // per cap
  std::vector<RtValue> outputs;          // per output, in Module::lets order (outputs only)
  std::vector<int64_t> record;           // per cap: the amount a `decide` records, or -1

  friend bool operator==(const Result& a, const Result& b) = default;
};

}  // namespace edict::pir
