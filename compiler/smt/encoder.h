// The SMT encoding of a Policy IR module (Z3, quantifier-free bit-vectors and IEEE floating
// point). One `Encoding` turns one module into terms over the variables of one request; `edict
// verify` and the semantic diff build on it. The encoding is exact: for every request, the terms
// evaluate to what interp::Evaluate returns (error code first in the pir.h order, outcome,
// applying rules, exemptions and caps); tests/unit/smt/encoder_test.cpp checks this on random
// policies. The choices (docs/verify.md):
//
//   - bool: Z3 Bool. int: 64-bit bit-vector; overflow is detected exactly (the error, never a
//     wrapped value). date (and `today`): 32-bit bit-vector of days since 1970-01-01, within
//     0001-01-01..9999-12-31; year/month/day use the interpreter's civil-date arithmetic.
//   - enum, tier and decision values: a bit-vector just wide enough, below the member count.
//   - float: the request variable is the 64-bit IEEE pattern (so a model decodes bit-exactly),
//     its value Z3's double-precision float with round-to-nearest-even; never NaN or infinite.
//   - string: an index into a finite universe (StringUniverse): every string constant of the
//     policies encoded together plus one fresh "other" value per string field, enough for every
//     pattern of equalities among fields. Strings only support ==, != and `in`, so this is exact.
//   - cap usage: a 64-bit bit-vector >= 0.
//   - Every node is a pair (error, value); an operation's error is the first error among its
//     operands in evaluation order, else its own. Laziness of and/or/if/match is encoded by
//     taking only the operands actually evaluated. Memoisation needs no encoding: a node's
//     error and value are functions of the request.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::smt {

// A construct the encoding does not support (e.g. ordering comparisons on strings, which sema
// rejects anyway). Reported as an error by the callers.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The finite set of strings the encoded policies can tell apart (see above).
struct StringUniverse {
  std::vector<std::string> values;  // the constants (sorted), then the fresh "other" values
  size_t constants = 0;             // how many of `values` are constants
  unsigned width = 1;               // bits of a string variable

  auto Index(const std::string& s) const -> int64_t;  // -1 when not a member
};
auto MakeStringUniverse(const std::vector<const pir::Module*>& modules) -> StringUniverse;

struct EncodeOptions {
  // Add the error `not_in_force` for a `today` outside the policy's validity. The diff compares
  // versions as if both were in force and turns this off.
  bool policy_validity = true;
  std::string prefix;  // prefixed to variable names (two encodings in one context)
};

// An encoded value: its error (8-bit vector, 0 = none) and its value (valid when no error).
struct SVal {
  z3::expr err;
  z3::expr v;
};

class Encoding {
 public:
  Encoding(z3::context& ctx, const pir::Module& m, const StringUniverse& strings,
           EncodeOptions options = {});
  ~Encoding();
  Encoding(const Encoding&) = delete;
  Encoding& operator=(const Encoding&) = delete;

  const pir::Module& module() const { return m_; }
  z3::context& ctx() const { return ctx_; }

  // The request variables.
  std::vector<z3::expr> fields;  // per input: Bool, or the bit-vector described above
  z3::expr today;                // 32-bit
  std::vector<z3::expr> usage;   // per cap, 64-bit

  z3::expr domain;   // what every decodable request satisfies (members in range, finite floats…)
  z3::expr error;    // 8-bit: 0, or the pir::ErrorCode of the first evaluation error
  z3::expr outcome;  // decision member (when error == 0)
  std::vector<z3::expr> rule_applies, deciding, exemption_applies, cap_applies;
  std::vector<z3::expr> rule_in_force, rule_cond;  // in force on today; the condition's value

  // The value of instruction `v` (properties, tests): its error and value.
  auto Value(pir::ValueId v) -> SVal;
  // A property's (error, value).
  auto Property(size_t p) -> SVal;
  // The float value of a field's bit pattern variable (Float fields only).
  auto FloatOf(size_t field) const -> z3::expr;

  // The equalities fixing every request variable to `req`.
  auto Fix(const pir::Request& req) const -> z3::expr;
  // The request a model assigns (every field, today, usage).
  auto Decode(const z3::model& model) const -> pir::Request;
  // An error code as a term.
  auto Code(pir::ErrorCode c) const -> z3::expr;

  const StringUniverse& strings() const { return strings_; }

 private:
  struct Impl;
  z3::context& ctx_;
  const pir::Module& m_;
  const StringUniverse& strings_;
  std::unique_ptr<Impl> impl_;
};

// Bits of the bit-vector for an enum of `n` members.
auto EnumWidth(size_t n) -> unsigned;

// An int64 numeral of a bit-vector term in `model` (sign-extended from its width).
auto ModelInt(const z3::model& model, const z3::expr& e) -> int64_t;

// A request in the `edict eval` shape: {"input": {…}, "today": "…", "usage": {…}}.
auto RequestJson(const pir::Module& m, const pir::Request& req) -> std::string;
// A value as JSON for field type `t` (enum members as names, dates as ISO strings).
auto ValueJson(const pir::Module& m, pir::Type t, const pir::RtValue& v) -> std::string;

}  // namespace edict::smt
