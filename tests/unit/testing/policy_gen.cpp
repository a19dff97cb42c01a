#include "testing/policy_gen.h"

#include <algorithm>
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "base/date.h"

namespace edict::testing {

namespace {

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

enum class K { Bool, Int, Float, String, Date, Enum };

struct Ty {
  K k = K::Bool;
  int e = -1;  // K::Enum: index into Gen::enums_
  friend bool operator==(Ty a, Ty b) { return a.k == b.k && a.e == b.e; }
};

Ty TBool() { return {K::Bool, -1}; }
Ty TInt() { return {K::Int, -1}; }
Ty TFloat() { return {K::Float, -1}; }
Ty TString() { return {K::String, -1}; }
Ty TDate() { return {K::Date, -1}; }
Ty TEnum(int e) { return {K::Enum, e}; }

// A generated expression: its text and its actual type (an Int where a Float was asked for is
// widened by the checker).
struct Ex {
  std::string s;
  Ty t;
};

struct EnumInfo {
  std::string name;
  std::vector<std::string> members;
  int tiers = -1;  // the tiers declaring this type, or -1 for a plain enum
};

struct Named {
  std::string name;
  Ty t;
};

struct LetInfo {
  std::string name;
  Ty t;
  int level = 0;  // may read caps < level, and lets of level <= level
  bool output = false;
};

struct TiersInfo {
  std::string name;
  int type_enum = -1;  // the tier type
  Ty of;
};

// What an expression may read.
struct Ctx {
  int caps = 0;          // cap functions of caps [0, caps)
  int lets = 0;          // lets/outputs [0, lets) …
  int level = 0;         // … whose level <= level
  bool runtime = true;   // fields, lets, today, caps (false: constant context)
};

// String literals: source spelling and decoded value. Includes an embedded NUL, bytes above
// 0x7f (which order differently as signed and unsigned chars), prefixes of one another and a
// string longer than the usual small-string buffers.
struct StrLit {
  const char* src;
  std::string_view value;
};
using namespace std::string_view_literals;
constexpr StrLit kStrings[] = {
    {"\"\"", ""sv},
    {"\"a\"", "a"sv},
    {"\"b\"", "b"sv},
    {"\"abc\"", "abc"sv},
    {"\"ab\"", "ab"sv},
    {"\"A\"", "A"sv},
    {"\"x y\"", "x y"sv},
    {"\"tab\\t\"", "tab\t"sv},
    {"\"q\\\"\"", "q\""sv},
    {"\"\\u{e9}\"", "\xc3\xa9"sv},
    {"\"\\u{ff}z\"", "\xc3\xbfz"sv},
    {"\"\\u{1F600}\"", "\xf0\x9f\x98\x80"sv},
    {"\"\\u{7f}\"", "\x7f"sv},
    {"\"a\\u{0}b\"", "a\0b"sv},
    {"\"US\"", "US"sv},
    {"\"gpu\"", "gpu"sv},
    {"\"zz\"", "zz"sv},
    {"\"abcdefghijklmnopqrstuvwxyz0123456789\"", "abcdefghijklmnopqrstuvwxyz0123456789"sv},
};
constexpr int kNumStrings = sizeof(kStrings) / sizeof(kStrings[0]);

std::string IntLit(int64_t v, bool underscores) {
  if (v == kI64Min) return "(-9223372036854775808)";
  bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  std::string digits = std::to_string(u);
  if (underscores && digits.size() > 3) {
    std::string grouped;
    int n = static_cast<int>(digits.size());
    for (int i = 0; i < n; ++i) {
      if (i > 0 && (n - i) % 3 == 0) grouped += '_';
      grouped += digits[i];
    }
    digits = grouped;
  }
  return neg ? "(-" + digits + ")" : digits;
}

// A float literal that reads back as exactly `v` (finite, non-negative; negatives get a unary
// minus).
std::string FloatLit(double v) {
  bool neg = std::signbit(v);
  double a = std::fabs(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", a);
  // Use the shortest spelling that round-trips.
  for (int prec = 1; prec <= 17; ++prec) {
    char b2[64];
    std::snprintf(b2, sizeof b2, "%.*g", prec, a);
    if (std::strtod(b2, nullptr) == a) {
      std::snprintf(buf, sizeof buf, "%s", b2);
      break;
    }
  }
  std::string s = buf;
  // Needs digits on both sides of '.', or an exponent. "1e+26" → "1e26".
  if (auto p = s.find("e+"); p != std::string::npos) s.erase(p + 1, 1);
  if (s.find('.') == std::string::npos && s.find('e') == std::string::npos) s += ".0";
  if (auto p = s.find('.'); p != std::string::npos && p + 1 < s.size() && s[p + 1] == 'e') {
    s.insert(p + 1, "0");
  }
  return neg ? "(-" + s + ")" : s;
}

std::string DateLit(int32_t days) { return FormatDate(Date{days}); }

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) { out_.seed = seed; }

  GeneratedPolicy Run();

 private:
  // --- randomness
  uint64_t U(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  int64_t R(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(U(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool P(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[U(v.size())];
  }

  // --- literals
  int64_t RandomInt();
  double RandomFloat();
  int32_t RandomDate();
  Ex IntLiteral();
  Ex FloatLiteral();
  Ex StringLiteral();
  Ex DateLiteral();
  std::string Member(int e, int m);  // bare or qualified

  // --- expressions
  Ex Gen0(Ty want, int depth, const Ctx& c);
  Ex Leaf(Ty want, const Ctx& c);
  Ex GenInt(int depth, const Ctx& c);
  Ex GenFloat(int depth, const Ctx& c);
  Ex GenBool(int depth, const Ctx& c);
  Ex GenDate(int depth, const Ctx& c);
  Ex GenString(int depth, const Ctx& c);
  Ex GenEnum(int e, int depth, const Ctx& c);
  Ex GenNumeric(int depth, const Ctx& c);
  Ex GenIf(Ty want, int depth, const Ctx& c);
  Ex GenMatch(Ty want, int depth, const Ctx& c);
  Ex GenMinMax(Ty want, int depth, const Ctx& c);
  Ex GenCompare(int depth, const Ctx& c);
  Ex GenIn(int depth, const Ctx& c);
  std::vector<std::string> Readable(Ty t, const Ctx& c);  // fields, consts, lets of type t
  Ty RandomScalarType(bool allow_float);
  Ty RandomEnumType() { return TEnum(static_cast<int>(U(enums_.size()))); }

  // --- declarations
  void Header();
  void Enums();
  void Decision();
  void Consts();
  void Tiers();
  void TiersOrdered(int idx, K kind);
  void TiersEnum(int idx);
  void TiersString(int idx);
  void Inputs();
  void Lets();
  void Caps();
  void Rules();
  void Exemptions();
  std::string Validity();
  std::string Because();
  std::string DefaultFor(Ty t);

  std::mt19937_64 rng_;
  GeneratedPolicy out_;
  std::vector<std::string> decls_;  // every declaration after the header, shuffled at the end

  std::vector<EnumInfo> enums_;
  int num_user_enums_ = 0;
  std::vector<std::string> outcomes_;
  std::vector<Named> fields_;
  std::vector<Named> consts_;
  std::vector<std::string> small_int_consts_;
  std::vector<std::pair<std::string, Ty>> const_sets_;  // name, element type
  std::vector<TiersInfo> tiers_;
  std::vector<LetInfo> lets_;
  std::vector<std::string> caps_;
  std::vector<std::string> rules_;
  std::vector<std::string> exemptions_;
  std::vector<int> exemption_level_;
  int32_t effective_ = kMinDate.days;
  int32_t expires_ = kMaxDate.days + 1;
  int tier_member_counter_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Literals

int64_t Gen::RandomInt() {
  switch (U(12)) {
    case 0: return R(-5, 5);
    case 1: case 2: case 3: return R(0, 100);
    case 4: return R(-1000, 1000);
    case 5: return R(0, 1'000'000);
    case 6: return kI64Max;
    case 7: return kI64Min;
    case 8: return P(0.5) ? 3037000500 : -3037000500;  // squares overflow
    case 9: return P(0.5) ? (int64_t{1} << 62) : 9'000'000'000'000'000'000;
    case 10: return R(-(int64_t{1} << 40), int64_t{1} << 40);
    default: return R(1, 12);
  }
}

double Gen::RandomFloat() {
  switch (U(10)) {
    case 0: return 0.5;
    case 1: return static_cast<double>(R(0, 400)) / 4.0;
    case 2: return 1e300;
    case 3: return 1e26;
    case 4: return 2.5e-3;
    case 5: return 1.7976931348623157e308;
    case 6: return 9007199254740993.0;  // 2^53 (rounded)
    case 7: return 9.2233720368547758e18;  // 2^63
    case 8: return static_cast<double>(R(0, 1000)) / 8.0;
    default: return static_cast<double>(R(1, 99)) / 100.0;
  }
}

int32_t Gen::RandomDate() {
  switch (U(8)) {
    case 0: return kMinDate.days + static_cast<int32_t>(R(0, 3));
    case 1: return kMaxDate.days - static_cast<int32_t>(R(0, 3));
    case 2: return static_cast<int32_t>(R(-719162, 2932896));
    default: {
      // 1990 … 2040
      return static_cast<int32_t>(R(7305, 25567));
    }
  }
}

Ex Gen::IntLiteral() {
  int64_t v = RandomInt();
  out_.ints.push_back(v);
  return {IntLit(v, P(0.3)), TInt()};
}

Ex Gen::FloatLiteral() {
  if (P(0.15)) {
    // percent literal
    int64_t n = R(0, 250);
    bool half = P(0.3);
    std::string s = std::to_string(n) + (half ? ".5" : "") + "%";
    out_.floats.push_back((static_cast<double>(n) + (half ? 0.5 : 0.0)) / 100.0);
    return {s, TFloat()};
  }
  double v = RandomFloat();
  if (P(0.2)) v = -v;
  out_.floats.push_back(v);
  return {FloatLit(v), TFloat()};
}

Ex Gen::StringLiteral() {
  const StrLit& s = kStrings[U(kNumStrings)];
  return {s.src, TString()};
}

Ex Gen::DateLiteral() {
  int32_t d = RandomDate();
  out_.dates.push_back(d);
  return {DateLit(d), TDate()};
}

std::string Gen::Member(int e, int m) {
  const EnumInfo& en = enums_[e];
  if (P(0.25)) return en.name + "." + en.members[m];
  return en.members[m];
}

// ---------------------------------------------------------------------------------------------
// Expressions

std::vector<std::string> Gen::Readable(Ty t, const Ctx& c) {
  std::vector<std::string> names;
  if (c.runtime) {
    for (const Named& f : fields_) {
      if (f.t == t) names.push_back(f.name);
    }
    for (int i = 0; i < c.lets && i < static_cast<int>(lets_.size()); ++i) {
      if (lets_[i].t == t && lets_[i].level <= c.level) names.push_back(lets_[i].name);
    }
  }
  for (const Named& k : consts_) {
    if (k.t == t) names.push_back(k.name);
  }
  return names;
}

Ty Gen::RandomScalarType(bool allow_float) {
  for (;;) {
    switch (U(7)) {
      case 0: return TBool();
      case 1: return TInt();
      case 2:
        if (allow_float) return TFloat();
        break;
      case 3: return TString();
      case 4: return TDate();
      default: return RandomEnumType();
    }
  }
}

Ex Gen::Leaf(Ty want, const Ctx& c) {
  std::vector<std::string> names = Readable(want, c);
  bool use_name = !names.empty() && P(0.65);
  switch (want.k) {
    case K::Bool:
      if (c.runtime && c.caps > 0 && P(0.12)) {
        return {"exceeds(" + caps_[U(c.caps)] + ")", TBool()};
      }
      if (use_name) return {Pick(names), want};
      return {P(0.5) ? "true" : "false", want};
    case K::Int:
      if (c.runtime && c.caps > 0 && P(0.12)) {
        static const char* const kFns[] = {"usage", "limit", "remaining"};
        return {std::string(kFns[U(3)]) + "(" + caps_[U(c.caps)] + ")", TInt()};
      }
      if (use_name) return {Pick(names), want};
      return IntLiteral();
    case K::Float:
      if (use_name) return {Pick(names), want};
      if (P(0.2)) return Leaf(TInt(), c);  // widened
      return FloatLiteral();
    case K::String:
      if (use_name) return {Pick(names), want};
      return StringLiteral();
    case K::Date:
      if (c.runtime && P(0.2)) return {"today", want};
      if (use_name) return {Pick(names), want};
      return DateLiteral();
    case K::Enum:
      if (use_name) return {Pick(names), want};
      return {Member(want.e, static_cast<int>(U(enums_[want.e].members.size()))), want};
  }
  return {"true", TBool()};
}

Ex Gen::Gen0(Ty want, int depth, const Ctx& c) {
  if (depth <= 0 || P(0.25)) return Leaf(want, c);
  switch (want.k) {
    case K::Bool: return GenBool(depth, c);
    case K::Int: return GenInt(depth, c);
    case K::Float: return GenFloat(depth, c);
    case K::String: return GenString(depth, c);
    case K::Date: return GenDate(depth, c);
    case K::Enum: return GenEnum(want.e, depth, c);
  }
  return Leaf(want, c);
}

Ex Gen::GenNumeric(int depth, const Ctx& c) {
  return P(0.5) ? Gen0(TInt(), depth, c) : Gen0(TFloat(), depth, c);
}

Ex Gen::GenInt(int depth, const Ctx& c) {
  int d = depth - 1;
  switch (U(17)) {
    case 0: case 1: {
      Ex a = Gen0(TInt(), d, c), b = Gen0(TInt(), d, c);
      return {"(" + a.s + " + " + b.s + ")", TInt()};
    }
    case 2: {
      Ex a = Gen0(TInt(), d, c), b = Gen0(TInt(), d, c);
      return {"(" + a.s + " - " + b.s + ")", TInt()};
    }
    case 3: case 4: {
      Ex a = Gen0(TInt(), d, c), b = Gen0(TInt(), d, c);
      return {"(" + a.s + " * " + b.s + ")", TInt()};
    }
    case 5: {
      Ex a = Gen0(TInt(), d, c);
      Ex b = P(0.15) ? Ex{P(0.5) ? "(-1)" : "0", TInt()} : Gen0(TInt(), d, c);
      return {"(" + a.s + " % " + b.s + ")", TInt()};
    }
    case 6: return {"(-" + Gen0(TInt(), d, c).s + ")", TInt()};
    case 7: return {"abs(" + Gen0(TInt(), d, c).s + ")", TInt()};
    case 8: {
      static const char* const kFns[] = {"floor", "ceil", "round"};
      return {std::string(kFns[U(3)]) + "(" + GenNumeric(d, c).s + ")", TInt()};
    }
    case 9: return GenMinMax(TInt(), depth, c);
    case 10: {
      static const char* const kFns[] = {"year", "month", "day"};
      return {std::string(kFns[U(3)]) + "(" + Gen0(TDate(), d, c).s + ")", TInt()};
    }
    case 11: {
      Ex a = Gen0(TDate(), d, c), b = Gen0(TDate(), d, c);
      return {"days_between(" + a.s + ", " + b.s + ")", TInt()};
    }
    case 12: case 13: return GenIf(TInt(), depth, c);
    case 14: return GenMatch(TInt(), depth, c);
    default: return Leaf(TInt(), c);
  }
}

Ex Gen::GenFloat(int depth, const Ctx& c) {
  int d = depth - 1;
  static const char* const kOps[] = {" + ", " - ", " * "};
  switch (U(12)) {
    case 0: case 1: case 2: {
      // at least one float operand
      Ex a = Gen0(TFloat(), d, c), b = GenNumeric(d, c);
      if (P(0.5)) std::swap(a, b);
      Ty t = a.t.k == K::Int && b.t.k == K::Int ? TInt() : TFloat();
      return {"(" + a.s + kOps[U(3)] + b.s + ")", t};
    }
    case 3: case 4: {
      Ex a = GenNumeric(d, c), b = GenNumeric(d, c);
      return {"(" + a.s + " / " + b.s + ")", TFloat()};
    }
    case 5: {
      Ex a = Gen0(TFloat(), d, c);
      return {"(-" + a.s + ")", a.t};
    }
    case 6: {
      Ex a = Gen0(TFloat(), d, c);
      return {"abs(" + a.s + ")", a.t};
    }
    case 7: return {"float(" + GenNumeric(d, c).s + ")", TFloat()};
    case 8: return GenMinMax(TFloat(), depth, c);
    case 9: return GenIf(TFloat(), depth, c);
    case 10: return GenMatch(TFloat(), depth, c);
    default: return Leaf(TFloat(), c);
  }
}

Ex Gen::GenString(int depth, const Ctx& c) {
  switch (U(4)) {
    case 0: return GenIf(TString(), depth, c);
    case 1: return GenMatch(TString(), depth, c);
    default: return Leaf(TString(), c);
  }
}

Ex Gen::GenDate(int depth, const Ctx& c) {
  switch (U(5)) {
    case 0: return GenIf(TDate(), depth, c);
    case 1: return GenMatch(TDate(), depth, c);
    case 2: return GenMinMax(TDate(), depth, c);
    default: return Leaf(TDate(), c);
  }
}

Ex Gen::GenEnum(int e, int depth, const Ctx& c) {
  switch (U(6)) {
    case 0: return GenIf(TEnum(e), depth, c);
    case 1: return GenMatch(TEnum(e), depth, c);
    case 2: return GenMinMax(TEnum(e), depth, c);
    case 3: case 4:
      if (enums_[e].tiers >= 0) {
        const TiersInfo& t = tiers_[enums_[e].tiers];
        Ex arg = Gen0(t.of, depth - 1, c);
        return {t.name + "(" + arg.s + ")", TEnum(e)};
      }
      [[fallthrough]];
    default: return Leaf(TEnum(e), c);
  }
}

Ex Gen::GenBool(int depth, const Ctx& c) {
  int d = depth - 1;
  switch (U(14)) {
    case 0: case 1: {
      Ex a = Gen0(TBool(), d, c), b = Gen0(TBool(), d, c);
      return {"(" + a.s + " and " + b.s + ")", TBool()};
    }
    case 2: case 3: {
      Ex a = Gen0(TBool(), d, c), b = Gen0(TBool(), d, c);
      return {"(" + a.s + " or " + b.s + ")", TBool()};
    }
    case 4: return {"(not " + Gen0(TBool(), d, c).s + ")", TBool()};
    case 5: case 6: case 7: case 8: return GenCompare(depth, c);
    case 9: case 10: return GenIn(depth, c);
    case 11: return GenIf(TBool(), depth, c);
    case 12: return GenMatch(TBool(), depth, c);
    default: return Leaf(TBool(), c);
  }
}

Ex Gen::GenCompare(int depth, const Ctx& c) {
  int d = depth - 1;
  static const char* const kOrd[] = {" == ", " != ", " < ", " <= ", " > ", " >= "};
  static const char* const kEq[] = {" == ", " != "};
  Ex a, b;
  const char* op;
  switch (U(8)) {
    case 0: case 1: case 2:  // numbers, mixed int/float compared exactly
      a = GenNumeric(d, c);
      b = GenNumeric(d, c);
      op = kOrd[U(6)];
      break;
    case 3:
      a = Gen0(TDate(), d, c);
      b = Gen0(TDate(), d, c);
      op = kOrd[U(6)];
      break;
    case 4: case 5: {
      Ty t = RandomEnumType();
      a = Gen0(t, d, c);
      b = Gen0(t, d, c);
      op = kOrd[U(6)];
      break;
    }
    case 6:
      a = Gen0(TString(), d, c);
      b = Gen0(TString(), d, c);
      op = kEq[U(2)];
      break;
    default:
      a = Gen0(TBool(), d, c);
      b = Gen0(TBool(), d, c);
      op = kEq[U(2)];
      break;
  }
  return {"(" + a.s + op + b.s + ")", TBool()};
}

Ex Gen::GenIn(int depth, const Ctx& c) {
  int d = depth - 1;
  const char* op = P(0.3) ? " not in " : " in ";
  // A named const set, sometimes.
  if (!const_sets_.empty() && P(0.3)) {
    const auto& [name, elem] = Pick(const_sets_);
    Ex a = elem.k == K::Int && P(0.3) ? Gen0(TFloat(), d, c) : Gen0(elem, d, c);
    return {"(" + a.s + op + name + ")", TBool()};
  }
  Ty t;
  switch (U(6)) {
    case 0: t = TInt(); break;
    case 1: t = TFloat(); break;
    case 2: t = TString(); break;
    case 3: t = TDate(); break;
    case 4: t = TBool(); break;
    default: t = RandomEnumType(); break;
  }
  Ex a = Gen0(t, d, c);
  std::vector<std::string> members;
  int n = static_cast<int>(R(1, 4));
  switch (t.k) {
    case K::Int: {
      std::set<int64_t> seen;
      for (int i = 0; i < n; ++i) {
        int64_t v = P(0.7) ? R(-3, 20) : RandomInt();
        if (seen.insert(v).second) {
          members.push_back(IntLit(v, false));
          out_.ints.push_back(v);
        }
      }
      break;
    }
    case K::Float: {
      std::set<double> seen;
      for (int i = 0; i < n; ++i) {
        double v = P(0.5) ? static_cast<double>(R(-3, 20)) : RandomFloat();
        if (P(0.2)) v = -v;
        if (v == 0.0) v = 0.0;  // -0.0 == 0.0: one member
        if (seen.insert(v).second) {
          // Int-valued members are sometimes written as ints (promoted to float).
          if (v == std::floor(v) && std::fabs(v) < 1e6 && P(0.3)) {
            members.push_back(IntLit(static_cast<int64_t>(v), false));
          } else {
            members.push_back(FloatLit(v));
          }
          out_.floats.push_back(v);
        }
      }
      break;
    }
    case K::String: {
      std::set<int> seen;
      if (P(0.4)) n = static_cast<int>(R(5, 10));  // large string sets are searched
      for (int i = 0; i < n; ++i) {
        int k = static_cast<int>(U(kNumStrings));
        if (seen.insert(k).second) members.push_back(kStrings[k].src);
      }
      break;
    }
    case K::Date: {
      std::set<int32_t> seen;
      for (int i = 0; i < n; ++i) {
        int32_t v = RandomDate();
        if (seen.insert(v).second) {
          members.push_back(DateLit(v));
          out_.dates.push_back(v);
        }
      }
      break;
    }
    case K::Bool:
      members.push_back(P(0.5) ? "true" : "false");
      break;
    case K::Enum: {
      std::vector<int> idx(enums_[t.e].members.size());
      for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int>(i);
      std::shuffle(idx.begin(), idx.end(), rng_);
      int m = std::min<int>(n, static_cast<int>(idx.size()));
      for (int i = 0; i < m; ++i) members.push_back(Member(t.e, idx[i]));
      break;
    }
  }
  std::string set = "{";
  for (size_t i = 0; i < members.size(); ++i) set += (i ? ", " : "") + members[i];
  if (P(0.1)) set += ",";
  set += "}";
  return {"(" + a.s + op + set + ")", TBool()};
}

Ex Gen::GenIf(Ty want, int depth, const Ctx& c) {
  int d = depth - 1;
  Ex cond = Gen0(TBool(), d, c);
  Ex a = Gen0(want, d, c), b = Gen0(want, d, c);
  Ty t = want;
  if (want.k == K::Float && a.t.k == K::Int && b.t.k == K::Int) t = TInt();
  return {"(if " + cond.s + " then " + a.s + " else " + b.s + ")", t};
}

Ex Gen::GenMinMax(Ty want, int depth, const Ctx& c) {
  int d = depth - 1;
  int n = P(0.75) ? 2 : 3;
  std::string s = P(0.5) ? "min(" : "max(";
  bool all_int = true;
  for (int i = 0; i < n; ++i) {
    Ex a = want.k == K::Float ? GenNumeric(d, c) : Gen0(want, d, c);
    all_int = all_int && a.t.k == K::Int;
    s += (i ? ", " : "") + a.s;
  }
  s += ")";
  Ty t = want;
  if (want.k == K::Float && all_int) t = TInt();
  return {s, t};
}

Ex Gen::GenMatch(Ty want, int depth, const Ctx& c) {
  int d = depth - 1;
  bool on_bool = P(0.2);
  Ty st = on_bool ? TBool() : RandomEnumType();
  Ex scrut = Gen0(st, d, c);
  int n = on_bool ? 2 : static_cast<int>(enums_[st.e].members.size());
  std::vector<int> idx(n);
  for (int i = 0; i < n; ++i) idx[i] = i;
  std::shuffle(idx.begin(), idx.end(), rng_);
  // Split into groups; the last group may become `_`.
  std::vector<std::vector<int>> groups;
  for (int i = 0; i < n;) {
    int len = static_cast<int>(R(1, std::min(3, n - i)));
    groups.emplace_back(idx.begin() + i, idx.begin() + i + len);
    i += len;
  }
  bool wildcard = groups.size() > 1 && P(0.4);
  std::string s = "(match " + scrut.s + " { ";
  bool all_int = true;
  for (size_t g = 0; g < groups.size(); ++g) {
    std::string pat;
    if (wildcard && g + 1 == groups.size()) {
      pat = "_";
    } else {
      for (size_t j = 0; j < groups[g].size(); ++j) {
        if (j) pat += " | ";
        pat += on_bool ? (groups[g][j] ? "true" : "false") : Member(st.e, groups[g][j]);
      }
    }
    Ex v = Gen0(want, d, c);
    all_int = all_int && v.t.k == K::Int;
    s += (g ? ", " : "") + pat + " => " + v.s;
  }
  if (P(0.2)) s += ",";
  s += " })";
  Ty t = want;
  if (want.k == K::Float && all_int) t = TInt();
  return {s, t};
}

// ---------------------------------------------------------------------------------------------
// Declarations

void Gen::Header() {
  std::string h = "policy gen" + std::to_string(out_.seed % 100000);
  if (P(0.5)) h += " version \"" + std::to_string(U(10)) + "." + std::to_string(U(10)) + "\"";
  if (P(0.8)) {
    effective_ = static_cast<int32_t>(R(7305, 20000));  // 1990 … 2024
    h += " effective " + DateLit(effective_);
    out_.dates.push_back(effective_);
  }
  if (P(0.5)) {
    int32_t base = std::max<int32_t>(effective_, 7305);
    expires_ = base + static_cast<int32_t>(R(30, 365 * 30));
    h += " expires " + DateLit(expires_);
    out_.dates.push_back(expires_);
  }
  h += ";";
  out_.header = "/// Generated by policy_gen (seed " + std::to_string(out_.seed) + ").\n" + h;
}

void Gen::Enums() {
  num_user_enums_ = static_cast<int>(R(1, 3));
  for (int e = 0; e < num_user_enums_; ++e) {
    EnumInfo info;
    info.name = "En" + std::to_string(e);
    int n = static_cast<int>(R(2, 5));
    for (int m = 0; m < n; ++m) info.members.push_back("m" + std::to_string(e) + "_" + std::to_string(m));
    std::string d = "enum " + info.name + " { ";
    for (int m = 0; m < n; ++m) {
      d += (m ? ", " : "") + info.members[m];
    }
    d += P(0.2) ? ", }" : " }";
    decls_.push_back(d);
    enums_.push_back(std::move(info));
  }
}

void Gen::Decision() {
  int n = static_cast<int>(R(2, 4));
  static const char* const kNames[] = {"allow", "notify", "review", "deny"};
  for (int i = 0; i < n; ++i) outcomes_.push_back(kNames[i] + std::string(n == 4 ? "" : "_o"));
  std::string d = "/// Least to most restrictive.\ndecision Outcome { ";
  for (int i = 0; i < n; ++i) d += (i ? ", " : "") + outcomes_[i];
  d += " }";
  decls_.push_back(d);
  decls_.push_back("default " + outcomes_[U(n)] + ";");
}

void Gen::Consts() {
  Ctx cc;
  cc.runtime = false;
  // Scalar constants of several types; later ones may use earlier ones.
  int n = static_cast<int>(R(1, 4));
  for (int i = 0; i < n; ++i) {
    std::string name = "K" + std::to_string(i);
    Ty t;
    std::string value;
    switch (U(6)) {
      case 0: case 1: {
        t = TInt();
        if (!small_int_consts_.empty() && P(0.4)) {
          // Arithmetic on small constants only, so that it never overflows.
          value = Pick(small_int_consts_) + " * " + std::to_string(R(1, 9)) + " + " +
                  std::to_string(R(0, 9));
          break;
        }
        int64_t v = P(0.8) ? R(-50, 100'000) : RandomInt();
        value = IntLit(v, P(0.5));
        out_.ints.push_back(v);
        if (v >= -100'000 && v <= 100'000) small_int_consts_.push_back(name);
        break;
      }
      case 2: {
        t = TFloat();
        value = FloatLiteral().s;
        if (P(0.5)) {
          decls_.push_back("const " + name + ": float = " + value + ";");
          consts_.push_back({name, t});
          continue;
        }
        break;
      }
      case 3:
        t = TString();
        value = StringLiteral().s;
        break;
      case 4:
        t = TDate();
        value = DateLiteral().s;
        break;
      default: {
        t = RandomEnumType();
        value = Member(t.e, static_cast<int>(U(enums_[t.e].members.size())));
        if (P(0.4)) {
          decls_.push_back("const " + name + ": " + enums_[t.e].name + " = " + value + ";");
          consts_.push_back({name, t});
          continue;
        }
        break;
      }
    }
    decls_.push_back("const " + name + " = " + value + ";");
    consts_.push_back({name, t});
  }
  // Constant sets for `in`.
  int ns = static_cast<int>(R(0, 3));
  for (int i = 0; i < ns; ++i) {
    std::string name = "S" + std::to_string(i);
    std::vector<std::string> members;
    Ty elem;
    switch (U(3)) {
      case 0: {
        elem = TInt();
        std::set<int64_t> seen;
        int n2 = static_cast<int>(R(1, 5));
        for (int j = 0; j < n2; ++j) {
          int64_t v = R(-5, 50);
          if (seen.insert(v).second) {
            members.push_back(IntLit(v, false));
            out_.ints.push_back(v);
          }
        }
        break;
      }
      case 1: {
        elem = TString();
        std::set<int> seen;
        int n2 = static_cast<int>(P(0.4) ? R(5, 10) : R(1, 4));
        for (int j = 0; j < n2; ++j) {
          int k = static_cast<int>(U(kNumStrings));
          if (seen.insert(k).second) members.push_back(kStrings[k].src);
        }
        break;
      }
      default: {
        elem = RandomEnumType();
        int m = static_cast<int>(enums_[elem.e].members.size());
        std::vector<int> idx(m);
        for (int j = 0; j < m; ++j) idx[j] = j;
        std::shuffle(idx.begin(), idx.end(), rng_);
        int k = static_cast<int>(R(1, m));
        for (int j = 0; j < k; ++j) members.push_back(Member(elem.e, idx[j]));
        break;
      }
    }
    std::string d = "const " + name;
    if (elem.k == K::Enum && P(0.3)) d += ": set<" + enums_[elem.e].name + ">";
    d += " = {";
    for (size_t j = 0; j < members.size(); ++j) d += (j ? ", " : "") + members[j];
    d += "};";
    decls_.push_back(d);
    const_sets_.push_back({name, elem});
  }
}

void Gen::Tiers() {
  // One tiers per ordered domain, one over strings, one or two over enums.
  std::vector<K> kinds = {K::Int, K::Float, K::Date, K::String, K::Enum};
  if (P(0.5)) kinds.push_back(K::Enum);
  for (K k : kinds) {
    int idx = static_cast<int>(tiers_.size());
    switch (k) {
      case K::Int: case K::Float: case K::Date: TiersOrdered(idx, k); break;
      case K::String: TiersString(idx); break;
      default: TiersEnum(idx); break;
    }
  }
}

void Gen::TiersOrdered(int idx, K kind) {
  std::string name = "Ti" + std::to_string(idx);
  int members = static_cast<int>(R(2, 4));
  // Sometimes many cut points: large tiers are compiled differently (binary search).
  const bool large = P(0.3);
  int cuts = large ? static_cast<int>(R(17, 40)) : members - 1 + static_cast<int>(R(0, 2));
  // Cut points, ascending, with gaps >= 3 (discrete domains) so that every atom is non-empty
  // even after excluding a bound.
  std::vector<int64_t> icuts;
  std::vector<double> fcuts;
  if (kind == K::Int) {
    std::set<int64_t> s;
    int64_t span = P(0.2) ? (int64_t{1} << 60) : (large || P(0.5)) ? 1000 : 100;
    while (static_cast<int>(s.size()) < cuts) {
      int64_t v = R(-span, span);
      bool ok = true;
      for (int64_t w : s) ok = ok && (v > w ? v - w : w - v) >= 3;
      if (ok) s.insert(v);
    }
    icuts.assign(s.begin(), s.end());
    for (int64_t v : icuts) out_.ints.push_back(v);
  } else if (kind == K::Date) {
    std::set<int64_t> s;
    bool wide = P(0.2);
    while (static_cast<int>(s.size()) < cuts) {
      int64_t v = wide ? R(kMinDate.days + 3, kMaxDate.days - 3) : R(7305, 25567);
      bool ok = true;
      for (int64_t w : s) ok = ok && (v > w ? v - w : w - v) >= 3;
      if (ok) s.insert(v);
    }
    icuts.assign(s.begin(), s.end());
    for (int64_t v : icuts) out_.dates.push_back(static_cast<int32_t>(v));
  } else {
    std::set<double> s;
    while (static_cast<int>(s.size()) < cuts) {
      double v;
      switch (U(4)) {
        case 0: v = static_cast<double>(R(-400, 400)) / 4.0; break;
        case 1: v = static_cast<double>(R(-20, 20)); break;
        case 2: v = P(0.5) ? 1e26 : -1e300; break;
        default: v = static_cast<double>(R(-1000, 1000)) / 10.0; break;
      }
      if (v == 0.0) v = 0.0;
      s.insert(v);
    }
    fcuts.assign(s.begin(), s.end());
    for (double v : fcuts) out_.floats.push_back(v);
  }
  int atoms = cuts + 1;
  // Assign atoms to members, every member at least one.
  std::vector<int> owner(atoms);
  std::vector<int> order(atoms);
  for (int i = 0; i < atoms; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng_);
  for (int i = 0; i < atoms; ++i) owner[order[i]] = i < members ? i : static_cast<int>(U(members));
  int otherwise = P(0.5) ? static_cast<int>(U(members)) : -1;

  auto ival = [&](int64_t v) -> std::string {
    if (kind == K::Date) return DateLit(static_cast<int32_t>(v));
    return v < 0 ? "-" + std::to_string(-v) : std::to_string(v);
  };
  auto fval = [&](double v) -> std::string {
    std::string s = FloatLit(std::fabs(v));
    return std::signbit(v) ? "-" + s : s;
  };

  EnumInfo type;
  type.name = name;
  type.tiers = idx;
  std::string d = "tiers " + name + " of " +
                  (kind == K::Int ? "int" : kind == K::Float ? "float" : "date") + " {\n";
  for (int m = 0; m < members; ++m) {
    std::string mname = "t" + std::to_string(idx) + "_" + std::to_string(m);
    type.members.push_back(mname);
    if (m == otherwise) {
      d += "  " + mname + ": otherwise;\n";
      continue;
    }
    std::vector<std::string> pats;
    for (int a = 0; a < atoms;) {
      if (owner[a] != m) {
        ++a;
        continue;
      }
      int b = a;
      while (b + 1 < atoms && owner[b + 1] == m) ++b;
      // Run [a, b]: lower bound cut[a-1] (closed) unless a == 0; upper bound cut[b] (open)
      // unless b == atoms-1.
      bool lo_inf = a == 0, hi_inf = b == atoms - 1;
      bool next_is_otherwise = !hi_inf && owner[b + 1] == otherwise;
      std::string p;
      if (kind == K::Float) {
        double lo = lo_inf ? 0 : fcuts[a - 1], hi = hi_inf ? 0 : fcuts[b];
        bool incl_hi = next_is_otherwise && P(0.5);
        bool excl_lo = otherwise >= 0 && P(0.3);
        if (lo_inf) {
          p = (incl_hi ? "<= " : "< ") + fval(hi);
        } else if (hi_inf) {
          p = (excl_lo ? "> " : ">= ") + fval(lo);
        } else {
          p = fval(lo) + (incl_hi ? " ..= " : " ..< ") + fval(hi);
        }
      } else {
        int64_t lo = lo_inf ? 0 : icuts[a - 1], hi = hi_inf ? 0 : icuts[b];
        if (lo_inf) {
          p = P(0.5) ? "< " + ival(hi) : "<= " + ival(hi - 1);
        } else if (hi_inf) {
          p = P(0.5) ? ">= " + ival(lo) : "> " + ival(lo - 1);
        } else if (kind == K::Int && hi - lo <= 5 && P(0.5)) {
          p = "{";
          for (int64_t v = lo; v < hi; ++v) p += (v > lo ? ", " : "") + ival(v);
          p += "}";
        } else {
          p = ival(lo) + (P(0.5) ? " ..< " + ival(hi) : " ..= " + ival(hi - 1));
        }
      }
      pats.push_back(p);
      a = b + 1;
    }
    d += "  " + mname + ": ";
    for (size_t i = 0; i < pats.size(); ++i) d += (i ? " | " : "") + pats[i];
    d += ";\n";
  }
  d += "}";
  decls_.push_back(d);
  TiersInfo info;
  info.name = name;
  info.type_enum = static_cast<int>(enums_.size());
  info.of = kind == K::Int ? TInt() : kind == K::Float ? TFloat() : TDate();
  enums_.push_back(std::move(type));
  tiers_.push_back(info);
}

void Gen::TiersEnum(int idx) {
  std::string name = "Ti" + std::to_string(idx);
  int dom = static_cast<int>(U(enums_.size()));
  const int n = static_cast<int>(enums_[dom].members.size());
  int members = static_cast<int>(R(2, std::min(4, n)));
  std::vector<int> owner(n), order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng_);
  for (int i = 0; i < n; ++i) owner[order[i]] = i < members ? i : static_cast<int>(U(members));
  int otherwise = P(0.4) ? static_cast<int>(U(members)) : -1;
  EnumInfo type;
  type.name = name;
  type.tiers = idx;
  std::string d = "tiers " + name + " of " + enums_[dom].name + " {\n";
  for (int m = 0; m < members; ++m) {
    std::string mname = "t" + std::to_string(idx) + "_" + std::to_string(m);
    type.members.push_back(mname);
    if (m == otherwise) {
      d += "  " + mname + ": otherwise;\n";
      continue;
    }
    std::vector<std::string> pats;
    if (P(0.4)) {
      std::string p = "{";
      bool first = true;
      for (int a = 0; a < n; ++a) {
        if (owner[a] != m) continue;
        p += (first ? "" : ", ") + Member(dom, a);
        first = false;
      }
      pats.push_back(p + "}");
    } else {
      for (int a = 0; a < n;) {
        if (owner[a] != m) {
          ++a;
          continue;
        }
        int b = a;
        while (b + 1 < n && owner[b + 1] == m) ++b;
        std::string p;
        if (a == 0) {
          p = P(0.5) ? "< " + Member(dom, b + 1) : "<= " + Member(dom, b);
        } else if (b == n - 1) {
          p = P(0.5) ? ">= " + Member(dom, a) : "> " + Member(dom, a - 1);
        } else if (a == b && P(0.5)) {
          p = "{" + Member(dom, a) + "}";
        } else {
          p = Member(dom, a) + (P(0.5) ? " ..= " + Member(dom, b) : " ..< " + Member(dom, b + 1));
        }
        pats.push_back(p);
        a = b + 1;
      }
    }
    d += "  " + mname + ": ";
    for (size_t i = 0; i < pats.size(); ++i) d += (i ? " | " : "") + pats[i];
    d += ";\n";
  }
  d += "}";
  decls_.push_back(d);
  TiersInfo info;
  info.name = name;
  info.type_enum = static_cast<int>(enums_.size());
  info.of = TEnum(dom);
  enums_.push_back(std::move(type));
  tiers_.push_back(info);
}

void Gen::TiersString(int idx) {
  std::string name = "Ti" + std::to_string(idx);
  int members = static_cast<int>(R(2, 4));
  int otherwise = static_cast<int>(U(members));
  std::vector<int> pool(kNumStrings);
  for (int i = 0; i < kNumStrings; ++i) pool[i] = i;
  std::shuffle(pool.begin(), pool.end(), rng_);
  size_t next = 0;
  EnumInfo type;
  type.name = name;
  type.tiers = idx;
  std::string d = "tiers " + name + " of string {\n";
  for (int m = 0; m < members; ++m) {
    std::string mname = "t" + std::to_string(idx) + "_" + std::to_string(m);
    type.members.push_back(mname);
    if (m == otherwise) {
      d += "  " + mname + ": otherwise;\n";
      continue;
    }
    int k = static_cast<int>(P(0.4) ? R(3, 7) : R(1, 3));
    std::string set = "{";
    for (int j = 0; j < k && next < pool.size(); ++j, ++next) {
      set += (j ? ", " : "") + std::string(kStrings[pool[next]].src);
      out_.strings.push_back(std::string(kStrings[pool[next]].value));
    }
    set += "}";
    if (P(0.3)) {
      // A const set as a pattern.
      std::string cname = "TS" + std::to_string(idx) + "_" + std::to_string(m);
      decls_.push_back("const " + cname + " = " + set + ";");
      const_sets_.push_back({cname, TString()});
      set = cname;
    }
    d += "  " + mname + ": " + set + ";\n";
  }
  d += "}";
  decls_.push_back(d);
  TiersInfo info;
  info.name = name;
  info.type_enum = static_cast<int>(enums_.size());
  info.of = TString();
  enums_.push_back(std::move(type));
  tiers_.push_back(info);
}

std::string Gen::DefaultFor(Ty t) {
  Ctx cc;
  cc.runtime = false;
  std::vector<std::string> names = Readable(t, cc);
  if (!names.empty() && P(0.3)) return Pick(names);
  switch (t.k) {
    case K::Bool: return P(0.5) ? "true" : "false";
    case K::Int: return IntLiteral().s;
    case K::Float: return P(0.3) ? IntLiteral().s : FloatLiteral().s;
    case K::String: return StringLiteral().s;
    case K::Date: return DateLiteral().s;
    case K::Enum: return Member(t.e, static_cast<int>(U(enums_[t.e].members.size())));
  }
  return "true";
}

void Gen::Inputs() {
  std::vector<std::pair<std::string, Ty>> fs = {
      {"b0", TBool()}, {"i0", TInt()}, {"i1", TInt()}, {"x0", TFloat()}, {"x1", TFloat()},
      {"s0", TString()}, {"d0", TDate()}};
  if (P(0.5)) fs.push_back({"i2", TInt()});
  if (P(0.5)) fs.push_back({"b1", TBool()});
  if (P(0.3)) fs.push_back({"d1", TDate()});
  for (int e = 0; e < num_user_enums_; ++e) fs.push_back({"e" + std::to_string(e), TEnum(e)});
  // A field of a tier type.
  fs.push_back({"tf0", TEnum(tiers_[U(tiers_.size())].type_enum)});
  std::shuffle(fs.begin(), fs.end(), rng_);
  std::string d = "input {\n";
  for (const auto& [name, t] : fs) {
    if (P(0.15)) d += "  /// The " + name + " field.\n";
    std::string type;
    switch (t.k) {
      case K::Bool: type = "bool"; break;
      case K::Int: type = "int"; break;
      case K::Float: type = "float"; break;
      case K::String: type = "string"; break;
      case K::Date: type = "date"; break;
      case K::Enum: type = enums_[t.e].name; break;
    }
    d += "  " + name + ": " + type;
    if (P(0.35)) d += " = " + DefaultFor(t);
    d += ";\n";
    fields_.push_back({name, t});
  }
  d += "}";
  decls_.push_back(d);
}

std::string Gen::Validity() {
  std::string v;
  int32_t lo = std::max<int32_t>(effective_, 7305);
  int32_t eff = 0;
  bool has_eff = false;
  if (P(0.25)) {
    eff = lo + static_cast<int32_t>(R(-100, 365 * 5));
    v += " effective " + DateLit(eff);
    out_.dates.push_back(eff);
    has_eff = true;
  }
  if (P(0.25)) {
    int32_t until = (has_eff ? eff : lo) + static_cast<int32_t>(R(1, 365 * 8));
    v += " until " + DateLit(until);
    out_.dates.push_back(until);
  }
  return v;
}

std::string Gen::Because() {
  std::string s;
  if (P(0.3)) {
    const Named& f = Pick(fields_);
    s += " because \"" + std::string(P(0.3) ? "{{literal}} " : "") + "{" + f.name +
         "} on {today}\"";
  }
  if (P(0.2)) s += " cite \"Reg. " + std::to_string(U(1000)) + "\"";
  return s;
}

void Gen::Lets() {
  int n = static_cast<int>(R(2, 7));
  int caps = static_cast<int>(R(1, 3));
  for (int i = 0; i < caps; ++i) caps_.push_back("c" + std::to_string(i));
  for (int i = 0; i < n; ++i) {
    LetInfo l;
    l.output = i >= 2 && P(0.35);
    l.name = (l.output ? "out" : "l") + std::to_string(i);
    l.level = l.output || P(0.3) ? static_cast<int>(R(0, caps)) : 0;
    Ctx c;
    c.caps = l.level;
    c.lets = i;
    c.level = l.level;
    Ty want = RandomScalarType(true);
    Ex e = Gen0(want, static_cast<int>(R(1, 4)), c);
    std::string ann;
    if (P(0.3) || (want.k == K::Float && e.t.k == K::Int && P(0.5))) {
      // Annotated: `let x: float = <int>` widens.
      switch (want.k) {
        case K::Bool: ann = ": bool"; break;
        case K::Int: ann = ": int"; break;
        case K::Float: ann = ": float"; break;
        case K::String: ann = ": string"; break;
        case K::Date: ann = ": date"; break;
        case K::Enum: ann = ": " + enums_[want.e].name; break;
      }
      e.t = want;
    }
    l.t = e.t;
    decls_.push_back((l.output ? "output " : "let ") + l.name + ann + " = " + e.s + ";");
    lets_.push_back(l);
  }
  // At least one output.
  if (std::none_of(lets_.begin(), lets_.end(), [](const LetInfo& l) { return l.output; })) {
    LetInfo l;
    l.output = true;
    l.name = "out_last";
    l.level = caps;
    Ctx c;
    c.caps = caps;
    c.lets = static_cast<int>(lets_.size());
    c.level = caps;
    Ex e = Gen0(RandomScalarType(true), 2, c);
    l.t = e.t;
    decls_.push_back("output " + l.name + " = " + e.s + ";");
    lets_.push_back(l);
  }
}

void Gen::Caps() {
  static const char* const kWindows[] = {"day", "month", "quarter", "year", "forever"};
  for (int i = 0; i < static_cast<int>(caps_.size()); ++i) {
    Ctx c;
    c.caps = i;
    c.lets = static_cast<int>(lets_.size());
    c.level = i;
    std::vector<std::string> entries;
    // limit: never a negative constant.
    {
      std::string limit;
      switch (U(5)) {
        case 0: limit = IntLit(R(0, 100), P(0.3)); break;
        case 1: limit = IntLit(R(0, 100'000), true); break;
        case 2: limit = P(0.5) ? "9_223_372_036_854_775_807" : IntLit(int64_t{1} << 62, false); break;
        default: {
          std::vector<std::string> runtime;
          for (const Named& f : fields_) {
            if (f.t.k == K::Int) runtime.push_back(f.name);
          }
          // A request-dependent limit (sometimes negative: negative_limit).
          std::string base = Pick(runtime);
          limit = P(0.5) ? base : "(" + base + " + " + Gen0(TInt(), 2, c).s + ")";
          if (P(0.3)) limit = "max(" + limit + ", 0)";
          break;
        }
      }
      entries.push_back("limit: " + limit + ";");
    }
    if (P(0.6)) {
      int nk = static_cast<int>(R(1, 2));
      std::string keys;
      for (int k = 0; k < nk; ++k) {
        Ty t = RandomScalarType(/*allow_float=*/false);
        keys += (k ? ", " : "") + Gen0(t, static_cast<int>(R(0, 2)), c).s;
      }
      entries.push_back("key: " + keys + ";");
    }
    if (P(0.7)) entries.push_back(std::string("window: ") + kWindows[U(5)] + ";");
    {
      std::string amount;
      switch (U(5)) {
        case 0: amount = IntLit(R(0, 10), false); break;
        case 1: amount = "max(0, " + Gen0(TInt(), 2, c).s + ")"; break;
        default: amount = Gen0(TInt(), static_cast<int>(R(0, 3)), c).s; break;
      }
      entries.push_back("amount: " + amount + ";");
    }
    if (P(0.7)) entries.push_back("applies: " + Gen0(TBool(), static_cast<int>(R(1, 3)), c).s + ";");
    if (P(0.6)) {
      if (P(0.15)) {
        entries.push_back("record: none;");
      } else {
        std::vector<int> idx(outcomes_.size());
        for (size_t j = 0; j < idx.size(); ++j) idx[j] = static_cast<int>(j);
        std::shuffle(idx.begin(), idx.end(), rng_);
        int k = static_cast<int>(R(1, static_cast<int64_t>(idx.size())));
        std::string r;
        for (int j = 0; j < k; ++j) r += (j ? ", " : "") + outcomes_[idx[j]];
        entries.push_back("record: " + r + ";");
      }
    }
    // limit and amount are required; the others in any order.
    std::shuffle(entries.begin(), entries.end(), rng_);
    std::string d = "cap " + caps_[i] + " {\n";
    for (const std::string& e : entries) d += "  " + e + "\n";
    d += "}";
    decls_.push_back(d);
  }
}

void Gen::Rules() {
  int n = static_cast<int>(P(0.2) ? R(8, 14) : R(2, 7));
  int ncaps = static_cast<int>(caps_.size());
  for (int i = 0; i < n; ++i) {
    std::string name = "r" + std::to_string(i);
    Ctx c;
    c.caps = ncaps;
    c.lets = static_cast<int>(lets_.size());
    c.level = ncaps;
    Ex cond = Gen0(TBool(), static_cast<int>(R(1, 4)), c);
    std::string d = "rule " + name + Validity() + ": " + cond.s + " => " +
                    outcomes_[U(outcomes_.size())] + Because() + ";";
    decls_.push_back(d);
    rules_.push_back(name);
  }
}

void Gen::Exemptions() {
  int n = static_cast<int>(R(0, 4));
  int ncaps = static_cast<int>(caps_.size());
  for (int i = 0; i < n; ++i) {
    std::string name = "ex" + std::to_string(i);
    // Targets: rules, caps, earlier exemptions (acyclic by construction).
    std::vector<std::string> targets;
    int level = ncaps;  // the caps its condition may read
    int k = static_cast<int>(R(1, 3));
    std::set<std::string> seen;
    for (int j = 0; j < k; ++j) {
      int kind = static_cast<int>(U(4));
      std::string t;
      if (kind <= 1) {
        t = Pick(rules_);
      } else if (kind == 2) {
        int cap = static_cast<int>(U(ncaps));
        t = caps_[cap];
        level = std::min(level, cap);
      } else if (i > 0) {
        int x = static_cast<int>(U(i));
        t = exemptions_[x];
        level = std::min(level, exemption_level_[x]);
      } else {
        t = Pick(rules_);
      }
      if (seen.insert(t).second) targets.push_back(t);
    }
    Ctx c;
    c.caps = level;
    c.lets = static_cast<int>(lets_.size());
    c.level = level;
    Ex cond = Gen0(TBool(), static_cast<int>(R(1, 3)), c);
    std::string d = "exempt " + name + " from ";
    for (size_t j = 0; j < targets.size(); ++j) d += (j ? ", " : "") + targets[j];
    d += Validity() + " when " + cond.s + Because() + ";";
    decls_.push_back(d);
    exemptions_.push_back(name);
    exemption_level_.push_back(level);
  }
}

GeneratedPolicy Gen::Run() {
  Header();
  Enums();
  Decision();
  Consts();
  Tiers();
  Inputs();
  Lets();
  Caps();
  Rules();
  Exemptions();
  // Declaration order does not matter; sometimes shuffle it.
  if (P(0.3)) std::shuffle(decls_.begin(), decls_.end(), rng_);
  out_.decls = decls_;
  out_.source = AssemblePolicy(out_.header, out_.decls);
  for (const StrLit& s : kStrings) out_.strings.emplace_back(s.value);
  return out_;
}

// ---------------------------------------------------------------------------------------------
// Requests

pir::RtValue ConstantValue(const pir::Module& m, pir::ValueId id) {
  const pir::Inst& inst = m.insts[id];
  switch (inst.op) {
    case pir::Op::ConstFloat: return pir::RtValue::Float(inst.fimm);
    case pir::Op::ConstString: return pir::RtValue::Str(m.strings[inst.imm]);
    default: return pir::RtValue::Int(inst.imm);
  }
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (ch < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          out += buf;
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + "\"";
}

std::string JsonFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string FormatValue(const pir::Module& m, pir::Type t, const pir::RtValue& v) {
  switch (t.kind) {
    case pir::TypeKind::Bool: return v.i ? "true" : "false";
    case pir::TypeKind::Int: return std::to_string(v.i);
    case pir::TypeKind::Float: return JsonFloat(v.f);
    case pir::TypeKind::String: return JsonString(v.s);
    case pir::TypeKind::Date: return "\"" + FormatDate(Date{static_cast<int32_t>(v.i)}) + "\"";
    case pir::TypeKind::Enum: {
      const auto& members = m.enums[t.enum_id].members;
      if (v.i >= 0 && v.i < static_cast<int64_t>(members.size())) return JsonString(members[v.i]);
      return "\"<member " + std::to_string(v.i) + ">\"";
    }
  }
  return "?";
}

}  // namespace

GeneratedPolicy GeneratePolicy(uint64_t seed) { return Gen(seed).Run(); }

std::string AssemblePolicy(const std::string& header, const std::vector<std::string>& decls) {
  std::string out = header + "\n";
  for (const std::string& d : decls) out += d + "\n";
  return out;
}

bool IsRemovableDecl(const std::string& decl) {
  for (const char* prefix : {"input", "decision", "/// Least", "default"}) {
    if (decl.rfind(prefix, 0) == 0) return false;
  }
  return true;
}

pir::Request RemapRequest(const pir::Module& from, const pir::Request& request,
                          const pir::Module& to) {
  pir::Request out;
  out.today = request.today;
  for (const pir::InputField& f : to.inputs) {
    pir::RtValue v;
    for (size_t i = 0; i < from.inputs.size() && i < request.fields.size(); ++i) {
      if (from.inputs[i].name == f.name) v = request.fields[i];
    }
    out.fields.push_back(v);
  }
  for (const pir::Cap& c : to.caps) {
    int64_t u = 0;
    for (size_t i = 0; i < from.caps.size() && i < request.usage.size(); ++i) {
      if (from.caps[i].name == c.name) u = request.usage[i];
    }
    out.usage.push_back(u);
  }
  return out;
}

pir::Request GenerateRequest(const pir::Module& module, const GeneratedPolicy& policy,
                             std::mt19937_64& rng) {
  auto U = [&](uint64_t n) { return n == 0 ? uint64_t{0} : rng() % n; };
  auto P = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto R = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(U(static_cast<uint64_t>(hi - lo) + 1));
  };
  auto clamp_date = [](int64_t d) {
    return std::clamp<int64_t>(d, kMinDate.days, kMaxDate.days);
  };

  pir::Request req;
  for (const pir::InputField& f : module.inputs) {
    if (f.default_value && P(0.25)) {
      req.fields.push_back(ConstantValue(module, *f.default_value));
      continue;
    }
    switch (f.type.kind) {
      case pir::TypeKind::Bool:
        req.fields.push_back(pir::RtValue::Int(P(0.5) ? 1 : 0));
        break;
      case pir::TypeKind::Int: {
        int64_t v;
        switch (U(14)) {
          case 0: v = 0; break;
          case 1: v = P(0.5) ? 1 : -1; break;
          case 2: v = kI64Max - static_cast<int64_t>(U(2)); break;
          case 3: v = kI64Min + static_cast<int64_t>(U(2)); break;
          case 4: {
            static const int64_t kEdges[] = {3037000500, -3037000500, 9007199254740993,
                                             -9007199254740993, 9007199254740992, 4611686018427387904};
            v = kEdges[U(sizeof kEdges / sizeof kEdges[0])];
            break;
          }
          case 5: v = P(0.5) ? (int64_t{1} << 62) : -(int64_t{1} << 62); break;
          case 6: v = static_cast<int64_t>(rng()); break;
          case 7: case 8: case 9:
            if (!policy.ints.empty()) {
              v = policy.ints[U(policy.ints.size())];
              int64_t delta = R(-1, 1);
              if (!((delta > 0 && v == kI64Max) || (delta < 0 && v == kI64Min))) v += delta;
              break;
            }
            [[fallthrough]];
          case 10: v = R(-1'000'000, 1'000'000); break;
          default: v = R(-20, 100); break;
        }
        req.fields.push_back(pir::RtValue::Int(v));
        break;
      }
      case pir::TypeKind::Float: {
        double v;
        switch (U(14)) {
          case 0: v = P(0.5) ? 0.0 : -0.0; break;
          case 1: v = P(0.5) ? 1e300 : -1e300; break;
          case 2: v = P(0.5) ? DBL_MAX : -DBL_MAX; break;
          case 3: v = P(0.5) ? 5e-324 : 1e-300; break;
          case 4: v = P(0.5) ? 9007199254740993.0 : 9.2233720368547758e18; break;
          case 5: {
            // Rounding and exact int/float comparison edges.
            static const double kEdges[] = {-9.2233720368547758e18, 4.5, -2.5, 0.49999999999999994,
                                            -0.5, 4503599627370497.0, 9007199254740992.0,
                                            -9.2233720368547748e18, 1e26, -1e26};
            v = kEdges[U(sizeof kEdges / sizeof kEdges[0])];
            break;
          }
          case 6: case 7: case 8:
            if (!policy.floats.empty()) {
              v = policy.floats[U(policy.floats.size())];
              if (P(0.3)) v = std::nextafter(v, P(0.5) ? INFINITY : -INFINITY);
              if (!std::isfinite(v)) v = DBL_MAX;
              break;
            }
            [[fallthrough]];
          case 9: v = static_cast<double>(R(-2000, 2000)) / 4.0; break;
          case 10: v = static_cast<double>(R(-1'000'000'000, 1'000'000'000)) * 1e-3; break;
          default: v = static_cast<double>(R(-10, 100)); break;
        }
        req.fields.push_back(pir::RtValue::Float(v));
        break;
      }
      case pir::TypeKind::String: {
        std::string s;
        if (!policy.strings.empty() && P(0.8)) {
          s = policy.strings[U(policy.strings.size())];
        } else {
          static const char kChars[] = {'a', 'b', 'A', '\0', '\x7f', '\xc3', '\xa9', 'z'};
          int n = static_cast<int>(U(5));
          for (int i = 0; i < n; ++i) s += kChars[U(sizeof kChars)];
          if (P(0.1)) s = std::string(static_cast<size_t>(R(17, 300)), 'x');
        }
        req.fields.push_back(pir::RtValue::Str(s));
        break;
      }
      case pir::TypeKind::Date: {
        int64_t v;
        switch (U(8)) {
          case 0: v = kMinDate.days; break;
          case 1: v = kMaxDate.days; break;
          case 2: v = R(kMinDate.days, kMaxDate.days); break;
          case 3: case 4: case 5:
            if (!policy.dates.empty()) {
              v = clamp_date(policy.dates[U(policy.dates.size())] + R(-1, 1));
              break;
            }
            [[fallthrough]];
          default: v = R(7305, 25567); break;
        }
        req.fields.push_back(pir::RtValue::Int(v));
        break;
      }
      case pir::TypeKind::Enum: {
        int64_t n = static_cast<int64_t>(module.enums[f.type.enum_id].members.size());
        req.fields.push_back(pir::RtValue::Int(R(0, n - 1)));
        break;
      }
    }
  }
  // today: mostly in force, sometimes on a boundary or outside.
  int64_t eff = module.validity.effective ? module.validity.effective->days : kMinDate.days;
  int64_t exp = module.validity.until ? module.validity.until->days : int64_t{kMaxDate.days} + 1;
  int64_t today;
  switch (U(12)) {
    case 0: today = eff - (P(0.5) ? 1 : R(1, 5000)); break;
    case 1: today = exp + (P(0.5) ? 0 : R(0, 5000)); break;
    case 2: today = eff; break;
    case 3: today = exp - 1; break;
    case 4: case 5: {
      // Near a rule's or exemption's validity bound.
      std::vector<int64_t> bounds;
      for (const pir::Rule& r : module.rules) {
        if (r.validity.effective) bounds.push_back(r.validity.effective->days);
        if (r.validity.until) bounds.push_back(r.validity.until->days);
      }
      for (const pir::Exemption& x : module.exemptions) {
        if (x.validity.effective) bounds.push_back(x.validity.effective->days);
        if (x.validity.until) bounds.push_back(x.validity.until->days);
      }
      if (!bounds.empty()) {
        today = bounds[U(bounds.size())] + R(-1, 0);
        break;
      }
      [[fallthrough]];
    }
    default: today = R(eff, std::min<int64_t>(exp - 1, eff + 365 * 40)); break;
  }
  req.today = Date{static_cast<int32_t>(clamp_date(today))};
  for (size_t c = 0; c < module.caps.size(); ++c) {
    int64_t u;
    switch (U(8)) {
      case 0: case 1: case 2: u = 0; break;
      case 3: u = R(0, 100); break;
      case 4: u = R(0, 200'000); break;
      case 5: u = kI64Max - R(0, 2); break;
      case 6: u = int64_t{1} << 62; break;
      default: u = R(0, 1000); break;
    }
    req.usage.push_back(u);
  }
  return req;
}

std::string RequestToJson(const pir::Module& module, const pir::Request& request) {
  std::string out = "{\"input\": {";
  for (size_t i = 0; i < module.inputs.size() && i < request.fields.size(); ++i) {
    if (i) out += ", ";
    out += JsonString(module.inputs[i].name) + ": " +
           FormatValue(module, module.inputs[i].type, request.fields[i]);
  }
  out += "}, \"today\": \"" + FormatDate(request.today) + "\", \"usage\": {";
  for (size_t c = 0; c < module.caps.size() && c < request.usage.size(); ++c) {
    if (c) out += ", ";
    out += JsonString(module.caps[c].name) + ": " + std::to_string(request.usage[c]);
  }
  return out + "}}";
}

std::string ResultToString(const pir::Module& module, const pir::Result& r) {
  std::ostringstream os;
  if (r.error != pir::ErrorCode::None) {
    os << "error " << pir::Spelling(r.error) << " at " << r.error_loc.line << ":"
       << r.error_loc.col << "; ";
  }
  os << "outcome=";
  if (r.outcome >= 0 && module.decision_enum >= 0 &&
      r.outcome < static_cast<int32_t>(module.enums[module.decision_enum].members.size())) {
    os << module.enums[module.decision_enum].members[r.outcome];
  } else {
    os << r.outcome;
  }
  auto list = [&](const char* what, const std::vector<bool>& v, auto name_of) {
    os << " " << what << "=[";
    bool first = true;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i]) continue;
      os << (first ? "" : ",") << name_of(i);
      first = false;
    }
    os << "](" << v.size() << ")";
  };
  auto rule_name = [&](size_t i) {
    return i < module.rules.size() ? module.rules[i].name : "#" + std::to_string(i);
  };
  list("rules", r.rules_applied, rule_name);
  list("deciding", r.deciding, rule_name);
  list("exemptions", r.exemptions_applied, [&](size_t i) {
    return i < module.exemptions.size() ? module.exemptions[i].name : "#" + std::to_string(i);
  });
  list("caps", r.caps_applied, [&](size_t i) {
    return i < module.caps.size() ? module.caps[i].name : "#" + std::to_string(i);
  });
  os << " outputs={";
  size_t k = 0;
  for (const pir::Let& l : module.lets) {
    if (!l.is_output) continue;
    if (k < r.outputs.size()) {
      os << (k ? ", " : "") << l.name << ": " << FormatValue(module, l.type, r.outputs[k]);
    }
    ++k;
  }
  if (r.outputs.size() != k) os << " (" << r.outputs.size() << " values)";
  os << "} record=[";
  for (size_t i = 0; i < r.record.size(); ++i) os << (i ? "," : "") << r.record[i];
  os << "]";
  return os.str();
}

}  // namespace edict::testing
