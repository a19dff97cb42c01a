// Semantic difference of two versions of a policy (DESIGN.md "Reviewing a change"): both Policy
// IR modules are encoded to SMT (Z3) over one shared request, and every outcome transition
// (`allow → license_required`, `… → error`) is reported with an exact, readable description of
// the requests that move and a few concrete witness requests.
//
// Matching the two versions: input fields by name and type, enum members by name, caps by name
// (a matched cap's usage is one variable). What only one side has is left free and said so in
// `notes`. Policy-level validity is compared structurally; semantically both versions are
// evaluated on the same `today` (see docs/review.md for the rule chosen).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::smt {

struct DiffOptions {
  int max_witnesses = 3;          // per transition
  bool rules = false;             // also report changes of deciding rules with the same outcome
  std::optional<Date> today;      // pin `today` (otherwise free, see docs/review.md)
  unsigned timeout_ms = 20000;    // per solver query
  int max_region_cubes = 8;       // per transition; more is reported as `region_truncated`
  // Added by the SMT owner (additive): bounds on the region search. Each transition may spend
  // `region_queries` solver queries widening cubes, and all transitions together
  // `region_time_ms` of wall time; a region cut short is reported as `region_truncated`
  // (every cube shown is still proved). Witnesses are always searched for.
  int region_queries = 120;
  // Z3's deterministic resource limit per query (0: none); tests use it instead of wall time.
  unsigned rlimit = 0;
  unsigned region_time_ms = 1200;
  // Added (additive): the region search also stops when the whole Diff has run this long, so
  // that finding the transitions (which is never cut short) and the regions together stay
  // near it (0: no such limit). Witnesses take little time after it (they are read off the
  // cubes and checked with the interpreter).
  unsigned total_time_ms = 1700;
};

// One side of an outcome: an outcome member, or an evaluation error.
struct Side {
  int32_t outcome = -1;                 // member of that version's decision; -1 for an error
  pir::ErrorCode error = pir::ErrorCode::None;  // when outcome == -1 (None: "any error")
  std::vector<int32_t> deciding;        // with DiffOptions::rules: that version's deciding rules
  std::string text;                     // "allow", "error", "error(int_overflow)",
                                        // "allow by [r1, r2]" …
};

// A concrete request valid for both versions.
struct Witness {
  pir::Request old_request;   // in OLD's terms (fields in OLD's input order, usage per OLD cap)
  pir::Request new_request;   // the same request in NEW's terms
  std::string json;           // {"input": {…}, "today": "…", "usage": {…}} naming every field
                              // of either version, decodable by `edict eval` of each
};

// A conjunction of readable constraints on one field each, e.g.
// {"destination ∈ {IL, PT}", "item = gpu", "quantity > 1700"}; empty means "every request".
using Cube = std::vector<std::string>;

struct Transition {
  Side from, to;
  std::vector<Cube> region;        // disjunction; each cube lies wholly inside the transition
  bool region_truncated = false;   // the cubes do not cover the whole transition
  std::vector<Witness> witnesses;
};

struct SemanticDiff {
  bool ok = true;
  std::string error;                    // when !ok (a solver timeout names the query)
  std::vector<Transition> transitions;  // sorted by (from, to) text
  std::vector<std::string> notes;       // fields/caps/members only on one side, today's range, …
  // Rule-level transitions (DiffOptions::rules) where the outcome is the same.
  std::vector<Transition> rule_changes;
};

auto Diff(const pir::Module& old_module, const pir::Module& new_module, const DiffOptions& options)
    -> SemanticDiff;

}  // namespace edict::smt
