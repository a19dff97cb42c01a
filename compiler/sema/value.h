// Compile-time values: what constant evaluation produces (constants, tier bounds, set members,
// defaults, test request values).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/date.h"

namespace edict::sema {

struct Value {
  enum class Kind : unsigned char { Bool, Int, Float, String, Date, Member, Set };
  Kind kind = Kind::Int;
  bool b = false;
  int64_t i = 0;       // Int; Member: the member index in its enum-like declaration
  double f = 0.0;
  std::string s;
  Date d;
  std::vector<Value> set;  // Set: members, no duplicates

  static Value Bool(bool v) { Value x; x.kind = Kind::Bool; x.b = v; return x; }
  static Value Int(int64_t v) { Value x; x.kind = Kind::Int; x.i = v; return x; }
  static Value Float(double v) { Value x; x.kind = Kind::Float; x.f = v; return x; }
  static Value String(std::string v) { Value x; x.kind = Kind::String; x.s = std::move(v); return x; }
  static Value DateV(Date v) { Value x; x.kind = Kind::Date; x.d = v; return x; }
  static Value Member(int64_t index) { Value x; x.kind = Kind::Member; x.i = index; return x; }
};

}  // namespace edict::sema
