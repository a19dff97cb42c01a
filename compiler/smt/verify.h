// `edict verify` (LANGUAGE.md §7, §10 "Properties"): proves each property of a policy for every
// request in force — every value of every input field, every `today` in the policy's validity,
// every non-negative cap usage — or finds a counterexample request; also finds the rules and
// exemptions that can never apply, the rules that are always defeated when their condition
// holds, and whether any request ends in an evaluation error. See docs/verify.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::smt {

struct VerifyOptions {
  unsigned timeout_ms = 20000;  // per solver query
  bool warnings = true;         // look for rules/exemptions that never apply
  bool errors = true;           // look for reachable evaluation errors
};

struct PropertyVerdict {
  enum class Status { Proved, Failed, Unknown };
  std::string name;
  pir::Location loc;
  Status status = Status::Proved;
  // Failed: a request (error-free) on which the property is false, or on which evaluating it
  // fails with `property_error`.
  std::optional<pir::Request> counterexample;
  std::string counterexample_json;  // in the `edict eval` request shape
  pir::ErrorCode property_error = pir::ErrorCode::None;
  std::string reason;  // Unknown: why the solver gave up (e.g. the timeout)
};

struct VerifyWarning {
  enum class Kind { RuleNeverApplies, RuleAlwaysDefeated, ExemptionNeverApplies };
  Kind kind;
  std::string name;
  pir::Location loc;
  std::string message;
};

// One evaluation error a request can end in, with an example.
struct ReachableError {
  pir::ErrorCode code = pir::ErrorCode::None;
  pir::Request example;
  std::string example_json;
};

struct VerifyReport {
  bool ok = true;     // false: the policy could not be encoded (see `error`)
  std::string error;
  std::vector<PropertyVerdict> properties;  // in declaration order
  std::vector<VerifyWarning> warnings;
  std::vector<ReachableError> errors;       // every reachable error code, in code order
  bool errors_complete = true;              // false when the search for errors gave up
};

auto Verify(const pir::Module& m, const VerifyOptions& options) -> VerifyReport;

}  // namespace edict::smt
