// A seeded generator of random, well-typed Edict policies (as source text) and of random requests
// for them, for differential testing of the evaluation engines (interpreter vs compiled code).
//
// Every generated policy is meant to pass `edict check` without errors: tiers are disjoint and
// exhaustive by construction, lets form a DAG, exemptions only target earlier exemptions, and caps
// only read earlier caps (also through lets and through the exemptions that defeat them). The
// expressions use every operator and built-in, with small and huge operands, so that overflow,
// division by zero and non-finite results happen on a fair share of requests.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::testing {

struct GeneratedPolicy {
  uint64_t seed = 0;
  std::string source;  // header + "\n" + each of `decls` + "\n"
  // The same text in parts, for test-case reduction: the `policy` header (with its doc comment)
  // and the declarations in source order, each possibly spanning several lines.
  std::string header;
  std::vector<std::string> decls;
  // Values the policy mentions (literals, tier cut points, …), so that requests can hit the
  // boundaries: ints, floats, strings (decoded), dates (days since 1970-01-01).
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  std::vector<int32_t> dates;
};

// Deterministic in `seed`.
GeneratedPolicy GeneratePolicy(uint64_t seed);

// Joins a header and declarations into source text, as GeneratePolicy does.
std::string AssemblePolicy(const std::string& header, const std::vector<std::string>& decls);

// Whether a declaration may be dropped when reducing a failing case (everything but the
// decision, the default and the input block, which every policy needs).
bool IsRemovableDecl(const std::string& decl);

// Re-targets `request` (made for `from`) at `to`, matching input fields and caps by name; fields
// of `to` missing from `from` get a zero value of their type, caps missing get usage 0.
pir::Request RemapRequest(const pir::Module& from, const pir::Request& request,
                          const pir::Module& to);

// A random request for `module` (built from `policy`): every field has a value of its type drawn
// across the whole domain (extremes, zero, negatives, the policy's own constants ± 1, sometimes
// the field's default), `today` inside and outside the validity ranges, cap usage from 0 to huge.
pir::Request GenerateRequest(const pir::Module& module, const GeneratedPolicy& policy,
                             std::mt19937_64& rng);

// JSON in the shape of `edict eval` requests: {"input": {…}, "today": "…", "usage": {…}}.
std::string RequestToJson(const pir::Module& module, const pir::Request& request);

// A readable one-line rendering of a result, naming rules, exemptions, caps and outputs.
std::string ResultToString(const pir::Module& module, const pir::Result& result);

}  // namespace edict::testing
