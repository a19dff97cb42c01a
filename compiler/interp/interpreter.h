// The reference interpreter: evaluates a Policy IR module on one request by walking the
// instruction DAG. It is written for clarity, not speed, and is the oracle that the compiled
// (LLVM) evaluator is tested against, so every choice below is part of the contract that the
// compiled code must match bit for bit.
//
// Semantics follow pir.h (evaluation order, laziness, cap rules) and LANGUAGE.md §10. Choices
// the specification leaves open, made here and binding on every engine:
//
//   - Roots (pir.h item 2): for rules and exemptions the root is the *condition*; each rule's
//     and exemption's `applies` is computed after all roots, from memoised conditions, and so
//     can raise no new error. When `applies(x)` is needed earlier (through a cap's defeaters), it
//     is `in_force(x) and cond(x) and not (applies(d1) or applies(d2) or …)`, the defeaters
//     taken lazily, left to right, in `defeated_by` order.
//   - A cap that applies has a "core": its keys (in order), its limit, its amount, then the check
//     that usage + amount does not overflow. The cap root and `exceeds(C)` (when C applies) both
//     evaluate exactly the core. `limit(C)` and `remaining(C)` evaluate only the limit;
//     `usage(C)` evaluates nothing. None of them evaluates `applies(C)` or the keys.
//   - `usage(C)` is `Request::usage[C]`: the caller's figure for C's key and window, supplied
//     whether or not C applies (usage and remaining are defined for every request), 0 when C's
//     key cannot be computed (see ComputeCapSlots).
//   - A negative limit is `negative_limit`, a negative amount `negative_amount`, an overflowing
//     usage + amount `int_overflow`; all three are located at the cap's name.
//   - Float division by zero (x / 0.0, x / -0.0 and 0.0 / 0.0 alike) is `division_by_zero`;
//     any other non-finite float result (overflow) is `non_finite`.
//   - `min`/`max` return the first operand on a tie (so min(-0.0, 0.0) is -0.0).
//   - A request dated outside the policy's validity is `not_in_force` at location 0:0.
//
// Error results: when evaluation fails, `Result::error` and `Result::error_loc` are set,
// `outcome` is -1 and every vector (rules_applied, deciding, exemptions_applied, caps_applied,
// outputs, record) is empty.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::interp {

// Evaluates `req` against `m`: every root in pir.h order, then the outcome. `req.fields` must
// hold one type-checked value per input and `req.usage` one figure (>= 0) per cap. Never throws.
auto Evaluate(const pir::Module& m, const pir::Request& req) -> pir::Result;

// The key slot of every cap: evaluates its keys and, when they succeed, its `applies` (with
// defeat). A key that fails leaves `has_key = false`; an `applies` that fails or is false leaves
// `applies = false` (the key is still reported: usage(C) and remaining(C) read the ledger at it
// even when C does not apply). When the policy is not in force every slot is empty.
// `window_start` is always set. Never fails. `applies` may depend on other caps' usage
// (`exceeds`, `usage`, `remaining`), read from `req.usage`; see ResolveCapUsage for a caller
// that reads usage from a ledger.
auto ComputeCapSlots(const pir::Module& m, const pir::Request& req) -> std::vector<pir::CapSlot>;

// Reads the usage of every cap from a ledger: computes the slots, sets `req.usage[c]` to
// `lookup(c, slot)` for slots with a key and 0 for the others, and repeats until
// the slots no longer change (a cap's `applies` may depend on other caps' usage; cap
// dependencies are acyclic, so this takes at most caps + 1 rounds). Returns the final slots.
auto ResolveCapUsage(const pir::Module& m, pir::Request& req,
                     const std::function<int64_t(int32_t cap, const pir::CapSlot& slot)>& lookup)
    -> std::vector<pir::CapSlot>;

// Formats a `because` text for `req`: literal pieces as written, interpolated values by
// FormatValue, and `<error CODE>` for a value whose evaluation fails. Never fails.
auto FormatBecause(const pir::Module& m, const pir::Explanation& e, const pir::Request& req)
    -> std::string;

// Evaluates one value (a `where` clause, a property, an interpolation) for `req`, lazily: only
// what `v` uses. `Outcome`, `RuleApplies`, `ExemptApplies` and `CapApplies` are read from
// `outcome_for_properties` when given (it must be the error-free Result of `req`); without it
// they are computed (`Outcome` then evaluates the whole request). Does not check that the policy
// is in force. Returns the error code (None on success) and the value.
auto EvaluateValue(const pir::Module& m, const pir::Request& req, pir::ValueId v,
                   const pir::Result* outcome_for_properties)
    -> std::pair<pir::ErrorCode, pir::RtValue>;

// Formats a value of type `t` as `because` texts do: enum members by name, ints as plain
// digits, floats in shortest round-trip form, dates as ISO, strings raw, bools true/false.
auto FormatValue(const pir::Module& m, pir::Type t, const pir::RtValue& v) -> std::string;

// The value of a constant instruction (Const*), e.g. a test step's request field.
auto ConstantValue(const pir::Module& m, pir::ValueId v) -> pir::RtValue;

// Exact three-way comparison of an int with a finite double, as mathematical values:
// negative, zero or positive like `a <=> b`.
auto CompareIntFloat(int64_t a, double b) -> int;

}  // namespace edict::interp
