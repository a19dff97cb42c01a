// The Policy IR: a typed, flat lowering of one checked policy. Every back end (the reference
// interpreter, LLVM code generation, the SMT encoding) reads only this.
//
// Values are instructions in one array (`Module::insts`), referred to by index (`ValueId`);
// pure subexpressions are shared (hash-consed), so the expressions form a DAG. The named parts of
// a policy are "nodes" evaluated on demand and at most once per request:
//
//   - lets and outputs (`Op::Let` refers to one by index),
//   - the `applies` of every rule, exemption and cap (`Op::RuleApplies`, `Op::ExemptApplies`,
//     `Op::CapApplies`), and each cap's key, limit, amount and usage.
//
// Evaluation semantics (LANGUAGE.md §6, §9, §10) that every back end implements identically:
//
//   1. A request dated outside [effective, expires) is the error `not_in_force`.
//   2. The roots are evaluated in this order: every output (declaration order); the condition of
//      every rule in force (declaration order); the condition of every exemption in force
//      (declaration order); for every cap (declaration order) its `applies`, and when the cap
//      applies, its keys, limit and amount. The first evaluation error ends the request.
//   3. `and`, `or`, `select` (if) and `switch` (match) evaluate their operands lazily, left to
//      right; every other instruction evaluates all its operands first, in operand order.
//   4. applies(x) = in_force(x) and cond(x) and not any(applies(e) for e defeating x), with the
//      condition evaluated before the defeaters (which, being in force, are roots anyway).
//   5. exceeds(C) = applies(C) and usage(C) + amount(C) > limit(C); usage(C) is the request's
//      usage for C's key and window (0 when not given); remaining(C) = max(0, limit - usage).
//      A negative limit or amount, or an overflowing usage + amount, is an evaluation error.
//   6. outcome = the most restrictive outcome of the applying rules, else the default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/date.h"

namespace edict::pir {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;

enum class TypeKind : uint8_t { Bool, Int, Float, String, Date, Enum };

struct Type {
  TypeKind kind = TypeKind::Bool;
  int32_t enum_id = -1;  // Enum: index into Module::enums
  friend bool operator==(Type a, Type b) { return a.kind == b.kind && a.enum_id == b.enum_id; }
};

// An enum-like type: a declared enum, a tiers type or the decision.
struct Enum {
  std::string name;
  std::vector<std::string> members;
};

// Where an instruction came from, for error results.
struct Location {
  uint32_t line = 0;
  uint32_t col = 0;
  friend bool operator==(Location a, Location b) = default;
};

// Evaluation error codes (LANGUAGE.md §10), stable across engines and versions.
enum class ErrorCode : uint8_t {
  None = 0,
  IntOverflow,
  DivisionByZero,
  NonFinite,
  NegativeAmount,
  NegativeLimit,
  NotInForce,
  UnknownField,
  MissingField,
  WrongType,
  UnknownMember,
  InvalidDate,
  BadRequest,
  IdempotencyConflict,
};
const char* Spelling(ErrorCode code);  // "int_overflow", …

enum class Cmp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

enum class Op : uint8_t {
  // Leaves.
  ConstBool,    // imm
  ConstInt,     // imm
  ConstFloat,   // fimm
  ConstString,  // imm: index into Module::strings
  ConstDate,    // imm: days since 1970-01-01
  ConstEnum,    // imm: member index (type names the enum)
  Input,        // imm: field index
  Today,
  // Named nodes, evaluated on demand and memoised.
  Let,           // imm: index into Module::lets (lets and outputs)
  RuleApplies,   // imm: rule index (properties only: applied(R))
  ExemptApplies, // imm: exemption index
  CapApplies,    // imm: cap index
  CapUsage,      // imm: cap index
  CapLimit,      // imm: cap index
  CapRemaining,  // imm: cap index
  CapExceeds,    // imm: cap index
  Outcome,       // properties only: the final outcome (type: the decision)
  // Lazy control flow.
  And,     // args[0], args[1]
  Or,      // args[0], args[1]
  Select,  // args[0] ? args[1] : args[2]
  Switch,  // args[0] is the scrutinee (Enum or Bool); imm: index into Module::switches;
           // args[1..] are the arm values
  // Bool.
  Not,
  // Int arithmetic (checked: overflow is IntOverflow; Rem by zero is DivisionByZero).
  AddInt, SubInt, MulInt, RemInt, NegInt, AbsInt,
  // Float arithmetic (a non-finite result is NonFinite; Div by zero is DivisionByZero).
  AddFloat, SubFloat, MulFloat, DivFloat, NegFloat, AbsFloat,
  IntToFloat,
  FloorToInt, CeilToInt, RoundToInt,  // float → int; out of range is IntOverflow
  // min/max over two operands of one type (Int, Float, Date or Enum); n-ary calls are chains.
  Min, Max,
  // Dates.
  Year, Month, Day, DaysBetween,
  // Comparison: `cmp` with operand types given by the operands (Int/Float mixed compares exactly).
  Compare,
  // Set membership against a constant set: imm indexes Module::sets.
  InSet,
  // Tier classification of args[0]: imm indexes Module::tiers; the result is the tier enum.
  Classify,
};

struct Inst {
  Op op = Op::ConstBool;
  Type type;
  Cmp cmp = Cmp::Eq;   // Compare
  int64_t imm = 0;
  double fimm = 0.0;
  std::vector<ValueId> args;
  Location loc;
};

// A constant set for `in`: sorted, no duplicates. Ints, dates and enum members as int64 in
// `ints`; floats in `floats`; strings in `strings`; bools as 0/1 in `ints`.
struct ConstSet {
  Type elem;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
};

// `match` lowering: the arm taken for each member of the scrutinee's enum (or false/true).
struct SwitchTable {
  std::vector<int32_t> arm_of_member;  // member index → arm index (index into args[1..])
};

// A tiers classification. Enum domains use a lookup table; ordered domains use sorted,
// disjoint intervals; strings use a set per tier plus the `otherwise` tier.
struct Tiers {
  std::string name;
  Type of;             // the classified type
  int32_t enum_id;     // the tier type
  // Enum domain: tier of each member of `of`'s enum.
  std::vector<int32_t> table;
  // Int, Date and Enum-by-order domains as int64 intervals; Float domains as double intervals.
  struct Interval {
    int64_t lo = 0, hi = 0;  // inclusive bounds (Int, Date)
    double flo = 0, fhi = 0; // inclusive bounds (Float)
    int32_t tier = 0;
  };
  std::vector<Interval> intervals;  // sorted by lower bound; gaps go to `otherwise_tier`
  std::vector<std::pair<std::string, int32_t>> string_members;  // sorted by string
  int32_t otherwise_tier = -1;
};

// A `let` or an `output`.
struct Let {
  std::string name;
  Type type;
  ValueId value = kNoValue;
  bool is_output = false;
  std::vector<std::string> doc;
};

struct InputField {
  std::string name;
  Type type;
  std::optional<ValueId> default_value;  // a constant instruction
  std::vector<std::string> doc;
};

// Validity: in force on effective <= today < until.
struct Validity {
  std::optional<Date> effective;
  std::optional<Date> until;
};

// A `because` text split into literal pieces and interpolated values.
struct Explanation {
  struct Piece {
    std::string text;            // literal text (braces already unescaped)
    ValueId value = kNoValue;    // or an interpolated value
  };
  std::vector<Piece> because;
  std::optional<std::string> cite;
};

struct Rule {
  std::string name;
  ValueId cond = kNoValue;
  int32_t outcome = 0;  // decision member
  Validity validity;
  Explanation explanation;
  std::vector<int32_t> defeated_by;  // exemption indexes
  Location loc;
  std::vector<std::string> doc;
};

struct Exemption {
  std::string name;
  ValueId cond = kNoValue;
  Validity validity;
  Explanation explanation;
  std::vector<int32_t> target_rules, target_exemptions, target_caps;
  std::vector<int32_t> defeated_by;  // exemption indexes
  Location loc;
  std::vector<std::string> doc;
};

enum class Window : uint8_t { Day, Month, Quarter, Year, Forever };
const char* Spelling(Window w);
// The first day of the window holding `today` (0001-01-01 for Forever).
Date WindowStart(Window w, Date today);

struct Cap {
  std::string name;
  ValueId limit = kNoValue;
  ValueId amount = kNoValue;
  ValueId applies = kNoValue;  // a ConstBool true when the cap has no `applies`
  std::vector<ValueId> keys;
  Window window = Window::Forever;
  std::vector<bool> record;  // per decision member: record the amount on this outcome
  std::vector<int32_t> defeated_by;
  Location loc;
  std::vector<std::string> doc;
};

struct Property {
  std::string name;
  ValueId value = kNoValue;
  Location loc;
};

// A test step's request and expectations, with constant values.
struct TestStep {
  bool decide = false;
  Location loc;
  std::vector<std::optional<ValueId>> fields;  // per input field: a constant instruction
  std::optional<Date> today;
  std::vector<std::pair<int32_t, int64_t>> usage;  // cap index, figure
  ErrorCode expected_error = ErrorCode::None;
  int32_t expected_outcome = -1;
  std::optional<std::vector<int32_t>> expected_by;  // rule indexes; empty = `by nothing`
  ValueId where = kNoValue;
};

struct Test {
  std::string name;
  Location loc;
  std::vector<TestStep> steps;
};

struct Module {
  std::string name;
  std::string version;
  std::string source_path;
  uint64_t source_hash = 0;
  Validity validity;  // the policy's effective / expires

  std::vector<Enum> enums;
  int32_t decision_enum = -1;
  int32_t default_outcome = 0;
  std::vector<InputField> inputs;

  std::vector<Inst> insts;
  std::vector<std::string> strings;
  std::vector<ConstSet> sets;
  std::vector<SwitchTable> switches;
  std::vector<Tiers> tiers;

  std::vector<Let> lets;  // lets and outputs, in declaration order
  std::vector<Rule> rules;
  std::vector<Exemption> exemptions;
  std::vector<int32_t> exemption_order;  // defeaters before the exemptions they defeat
  std::vector<Cap> caps;
  std::vector<Property> properties;
  std::vector<Test> tests;
};

}  // namespace edict::pir
