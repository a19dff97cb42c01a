#include "sema/check_tiers.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "llvm/Support/Casting.h"

namespace edict::sema {
namespace {

// Every classifiable domain except strings is mapped onto a closed range of int64 keys in which
// adjacent keys are adjacent values: ints are themselves, dates are day numbers, enum members are
// their indices and finite doubles are ordered by their bit patterns (so key + 1 is
// std::nextafter towards +inf, and -0.0 and 0.0 share key 0). A pattern is then a union of closed
// key intervals, and disjointness and coverage are interval sweeps. Strings are mapped to the ranks
// of the strings the patterns list; their domain is unbounded.
enum class DomainKind : unsigned char { Int, Float, Date, Enum, String, Unsupported };

struct Domain {
  DomainKind kind = DomainKind::Unsupported;
  int64_t min = 0;
  int64_t max = -1;  // min > max: an empty domain (an enum without members)
  const ast::EnumLikeDecl* enum_decl = nullptr;
  std::vector<std::string> strings;  // String: key → text, sorted, no duplicates

  bool empty() const { return kind != DomainKind::String && min > max; }
  bool unbounded() const { return kind == DomainKind::String; }
};

constexpr int64_t kMaxFloatKey = 0x7FEFFFFFFFFFFFFF;  // the bits of DBL_MAX

auto FloatKey(double x) -> int64_t {
  if (x == 0.0) return 0;
  auto bits = static_cast<int64_t>(std::bit_cast<uint64_t>(std::fabs(x)));
  return x < 0 ? -bits : bits;
}

auto KeyToFloat(int64_t key) -> double {
  if (key == 0) return 0.0;
  double magnitude = std::bit_cast<double>(static_cast<uint64_t>(key < 0 ? -key : key));
  return key < 0 ? -magnitude : magnitude;
}

auto MakeDomain(const ast::Type& type) -> Domain {
  Domain d;
  switch (type.kind) {
    case ast::TypeKind::Int:
      d.kind = DomainKind::Int;
      d.min = std::numeric_limits<int64_t>::min();
      d.max = std::numeric_limits<int64_t>::max();
      break;
    case ast::TypeKind::Float:
      d.kind = DomainKind::Float;
      d.min = -kMaxFloatKey;
      d.max = kMaxFloatKey;
      break;
    case ast::TypeKind::Date:
      d.kind = DomainKind::Date;
      d.min = kMinDate.days;
      d.max = kMaxDate.days;
      break;
    case ast::TypeKind::String:
      d.kind = DomainKind::String;
      break;
    case ast::TypeKind::Enum:
      d.enum_decl = llvm::dyn_cast_or_null<ast::EnumLikeDecl>(type.decl);
      if (d.enum_decl != nullptr) {
        d.kind = DomainKind::Enum;
        d.min = 0;
        d.max = static_cast<int64_t>(d.enum_decl->member_count()) - 1;
      }
      break;
    default:
      break;
  }
  return d;
}

// The key of a scalar value in a non-string domain; nullopt when the value cannot be one of the
// domain's values (a follow-on of an error reported elsewhere).
auto ToKey(const Domain& d, const Value& v) -> std::optional<int64_t> {
  switch (d.kind) {
    case DomainKind::Int:
      if (v.kind == Value::Kind::Int) return v.i;
      return std::nullopt;
    case DomainKind::Float: {
      double f;
      if (v.kind == Value::Kind::Float) {
        f = v.f;
      } else if (v.kind == Value::Kind::Int) {
        f = static_cast<double>(v.i);  // int widens to float (LANGUAGE.md §10 "Types")
      } else {
        return std::nullopt;
      }
      if (!std::isfinite(f)) return std::nullopt;
      return FloatKey(f);
    }
    case DomainKind::Date:
      if (v.kind == Value::Kind::Date && v.d.days >= d.min && v.d.days <= d.max) return v.d.days;
      return std::nullopt;
    case DomainKind::Enum:
      if (v.kind == Value::Kind::Member && v.i >= d.min && v.i <= d.max) return v.i;
      return std::nullopt;
    case DomainKind::String: {
      if (v.kind != Value::Kind::String) return std::nullopt;
      auto it = std::lower_bound(d.strings.begin(), d.strings.end(), v.s);
      if (it == d.strings.end() || *it != v.s) return std::nullopt;
      return static_cast<int64_t>(it - d.strings.begin());
    }
    case DomainKind::Unsupported:
      return std::nullopt;
  }
  return std::nullopt;
}

// Set members, with nested set values (should a caller pass a const set as one value) flattened.
// `index` is the position in the top-level `values`, for TierPatternValues::value_ranges.
template <typename F>
void ForEachMember(const std::vector<Value>& values, F&& f) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].kind == Value::Kind::Set) {
      for (const Value& m : values[i].set) f(m, static_cast<int>(i));
    } else {
      f(values[i], static_cast<int>(i));
    }
  }
}

struct KeyInterval {
  int64_t lo;
  int64_t hi;
  int value_index;  // the set member it came from, or -1
};

// The key intervals a pattern denotes, appended to `out` (an empty range appends nothing). Returns
// false when the pattern's values do not fit its kind or the domain: such a pattern is skipped and
// makes every coverage-based verdict (gaps, empty tiers) unknowable.
auto PatternIntervals(const Domain& d, const TierPatternValues& p, std::vector<KeyInterval>& out)
    -> bool {
  if (p.pattern == nullptr) return false;
  const auto& vals = p.values;
  switch (p.pattern->kind) {
    case ast::PatternKind::Otherwise:
      return true;
    case ast::PatternKind::Set:
    case ast::PatternKind::Name: {
      if (vals.empty()) return false;
      bool ok = true;
      size_t start = out.size();
      ForEachMember(vals, [&](const Value& m, int index) {
        auto k = ToKey(d, m);
        if (!k) {
          ok = false;
          return;
        }
        out.push_back({*k, *k, index});
      });
      if (!ok) out.resize(start);
      return ok;
    }
    case ast::PatternKind::Lt:
    case ast::PatternKind::Le:
    case ast::PatternKind::Gt:
    case ast::PatternKind::Ge: {
      // Ordering patterns on strings are reported by the caller (E0311); stay quiet here.
      if (vals.size() != 1 || d.kind == DomainKind::String) return false;
      auto c = ToKey(d, vals[0]);
      if (!c) return false;
      switch (p.pattern->kind) {
        case ast::PatternKind::Lt:
          if (*c > d.min) out.push_back({d.min, *c - 1, -1});
          break;
        case ast::PatternKind::Le:
          out.push_back({d.min, *c, -1});
          break;
        case ast::PatternKind::Gt:
          if (*c < d.max) out.push_back({*c + 1, d.max, -1});
          break;
        default:
          out.push_back({*c, d.max, -1});
          break;
      }
      return true;
    }
    case ast::PatternKind::RangeExcl:
    case ast::PatternKind::RangeIncl: {
      if (vals.size() != 2 || d.kind == DomainKind::String) return false;
      auto a = ToKey(d, vals[0]);
      auto b = ToKey(d, vals[1]);
      if (!a || !b) return false;
      if (p.pattern->kind == ast::PatternKind::RangeExcl) {
        if (*a < *b) out.push_back({*a, *b - 1, -1});
      } else if (*a <= *b) {
        out.push_back({*a, *b, -1});
      }
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Rendering values and intervals in Edict syntax.

auto FormatFloat(double f) -> std::string {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  if (ec != std::errc()) return "?";
  std::string s(buf, end);
  // Shortest round-trip form, made a float literal: `1` → `1.0` (`1e+26` already is one).
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

auto QuoteString(const std::string& s) -> std::string {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u{";
          if (c >= 0x10) out += kHex[c >> 4];
          out += kHex[c & 0xf];
          out += '}';
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

// A key as the user would write the value, without backticks.
auto FormatKey(const Domain& d, int64_t k) -> std::string {
  switch (d.kind) {
    case DomainKind::Int:
      return std::to_string(k);
    case DomainKind::Float:
      return FormatFloat(KeyToFloat(k));
    case DomainKind::Date:
      return FormatDate(Date{static_cast<int32_t>(k)});
    case DomainKind::Enum:
      if (d.enum_decl != nullptr && k >= 0 &&
          static_cast<uint64_t>(k) < d.enum_decl->member_count()) {
        return d.enum_decl->member(static_cast<size_t>(k)).name;
      }
      return "?";
    case DomainKind::String:
      if (k >= 0 && static_cast<uint64_t>(k) < d.strings.size()) {
        return QuoteString(d.strings[static_cast<size_t>(k)]);
      }
      return "?";
    case DomainKind::Unsupported:
      return "?";
  }
  return "?";
}

auto Tick(const std::string& s) -> std::string { return "`" + s + "`"; }

// "`a`", "`a` and `b`", "`a`, `b` and `c`", …; more than five: the first four and "and N more".
auto JoinNames(const std::vector<std::string>& names, size_t total) -> std::string {
  size_t shown = total <= 5 ? total : 4;
  shown = std::min(shown, names.size());
  std::string out;
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i + 1 == shown && total == shown) ? " and " : ", ";
    out += Tick(names[i]);
  }
  if (total > shown) out += " and " + std::to_string(total - shown) + " more";
  return out;
}

// The members in key intervals, by name, at most five of them listed (see JoinNames).
auto MemberList(const Domain& d, const std::vector<std::pair<int64_t, int64_t>>& intervals)
    -> std::pair<std::string, uint64_t> {
  std::vector<std::string> names;
  uint64_t total = 0;
  for (auto [lo, hi] : intervals) {
    total += static_cast<uint64_t>(hi - lo) + 1;
    for (int64_t k = lo; k <= hi && names.size() < 5; ++k) names.push_back(FormatKey(d, k));
  }
  return {JoinNames(names, total), total};
}

// Float interval ends: whether to name the end itself or its neighbour outside the interval,
// whichever prints shorter (so `[1.0, nextafter(2.0, 0))` reads "from `1.0` to just below `2.0`").
// Ties go to the half-open convention of `>= a` and `< b`: the lower end is named inclusively, the
// upper exclusively.
auto PreferOpenUpper(const Domain& d, int64_t hi) -> bool {
  if (hi >= d.max) return false;
  if (d.kind != DomainKind::Float) return true;
  return FormatKey(d, hi + 1).size() <= FormatKey(d, hi).size();
}
auto PreferOpenLower(const Domain& d, int64_t lo) -> bool {
  if (lo <= d.min || d.kind != DomainKind::Float) return false;
  return FormatKey(d, lo - 1).size() < FormatKey(d, lo).size();
}

// Describes the values in [lo, hi] in words. `noun` is "values" (after "do not cover") or "every
// value" (before "is in both"). Not for enums or strings.
auto DescribeInterval(const Domain& d, int64_t lo, int64_t hi, const char* noun) -> std::string {
  std::string n = noun;
  if (lo == hi) return Tick(FormatKey(d, lo));
  if (lo <= d.min && hi >= d.max) return n == "values" ? "any value" : "every value";
  if (lo <= d.min) {
    if (PreferOpenUpper(d, hi)) return n + " below " + Tick(FormatKey(d, hi + 1));
    return n + " of " + Tick(FormatKey(d, hi)) + " and below";
  }
  if (hi >= d.max) {
    if (PreferOpenLower(d, lo)) return n + " above " + Tick(FormatKey(d, lo - 1));
    return n + " of " + Tick(FormatKey(d, lo)) + " and above";
  }
  if (d.kind != DomainKind::Float) {
    return n + " from " + Tick(FormatKey(d, lo)) + " to " + Tick(FormatKey(d, hi));
  }
  std::string from = PreferOpenLower(d, lo) ? "just above " + Tick(FormatKey(d, lo - 1))
                                            : Tick(FormatKey(d, lo));
  std::string to = PreferOpenUpper(d, hi) ? "just below " + Tick(FormatKey(d, hi + 1))
                                          : Tick(FormatKey(d, hi));
  return n + " from " + from + " to " + to;
}

// The subject of "{0} is in both `{1}` and `{2}`".
auto DescribeOverlap(const Domain& d, int64_t lo, int64_t hi) -> std::string {
  if (d.kind == DomainKind::Enum || d.kind == DomainKind::String) {
    auto [list, count] = MemberList(d, {{lo, hi}});
    return count > 1 ? "each of " + list : list;
  }
  return DescribeInterval(d, lo, hi, "every value");
}

// [lo, hi] as an Edict pattern, for "`{0}` is listed twice in `{1}`": `US`, `< 5`, `10 ..< 20`.
auto IntervalAsPattern(const Domain& d, int64_t lo, int64_t hi) -> std::string {
  if (lo == hi) return FormatKey(d, lo);
  if (hi >= d.max) return ">= " + FormatKey(d, lo);
  bool enumlike = d.kind == DomainKind::Enum || d.kind == DomainKind::String;
  bool open = !enumlike && PreferOpenUpper(d, hi);
  if (lo <= d.min) return open ? "< " + FormatKey(d, hi + 1) : "<= " + FormatKey(d, hi);
  return FormatKey(d, lo) + (open ? " ..< " + FormatKey(d, hi + 1) : " ..= " + FormatKey(d, hi));
}

// ---------------------------------------------------------------------------------------------
// The partition check.

struct Item {
  int64_t lo;
  int64_t hi;
  uint32_t arm;
  uint32_t pattern;  // index in the arm's patterns
  SourceRange range;  // the member's own range in an inline set, else the pattern's
};

class PartitionChecker {
 public:
  PartitionChecker(const ast::TiersDecl& decl, Domain domain,
                   const std::vector<TierArmValues>& arms, DiagnosticEngine& diags)
      : decl_(decl), d_(std::move(domain)), arms_(arms), diags_(diags) {}

  void Run() {
    CheckOtherwise();
    if (d_.kind == DomainKind::Unsupported) return;
    if (d_.kind == DomainKind::String) CollectStrings();
    CollectItems();
    CheckDisjoint();
    if (d_.empty()) return;  // an enum without members is reported where it is declared
    ComputeGaps();
    CheckEmptyTiers();
    CheckCoverage();
  }

 private:
  auto ArmName(size_t arm) const -> std::string {
    const ast::TierArm* a = arms_[arm].arm;
    return a != nullptr ? a->name.name : std::string("?");
  }

  // At most one `otherwise` in the whole declaration; the first one is the one that counts.
  void CheckOtherwise() {
    for (size_t a = 0; a < arms_.size(); ++a) {
      for (const TierPatternValues& p : arms_[a].patterns) {
        if (p.pattern == nullptr || p.pattern->kind != ast::PatternKind::Otherwise) continue;
        if (otherwise_ == nullptr) {
          otherwise_ = p.pattern;
          otherwise_arm_ = static_cast<int>(a);
          continue;
        }
        diags_.Build(p.pattern->range, diag::MultipleOtherwise, decl_.name.name)
            .Note(otherwise_->range, "the first `otherwise` is here")
            .Help("remove all but one `otherwise`");
        arm_unknown_.resize(arms_.size(), false);
        arm_unknown_[a] = true;  // don't also call its tier empty
      }
    }
  }

  void CollectStrings() {
    for (const TierArmValues& arm : arms_) {
      for (const TierPatternValues& p : arm.patterns) {
        if (p.pattern == nullptr) continue;
        if (p.pattern->kind != ast::PatternKind::Set && p.pattern->kind != ast::PatternKind::Name) {
          continue;
        }
        ForEachMember(p.values, [&](const Value& m, int) {
          if (m.kind == Value::Kind::String) d_.strings.push_back(m.s);
        });
      }
    }
    std::sort(d_.strings.begin(), d_.strings.end());
    d_.strings.erase(std::unique(d_.strings.begin(), d_.strings.end()), d_.strings.end());
  }

  void CollectItems() {
    arm_unknown_.resize(arms_.size(), false);
    arm_nonempty_.assign(arms_.size(), false);
    std::vector<KeyInterval> intervals;
    for (size_t a = 0; a < arms_.size(); ++a) {
      if (arms_[a].arm == nullptr) {
        any_unknown_ = true;
        arm_unknown_[a] = true;
        continue;
      }
      const auto& patterns = arms_[a].patterns;
      for (size_t pi = 0; pi < patterns.size(); ++pi) {
        const TierPatternValues& p = patterns[pi];
        intervals.clear();
        if (!PatternIntervals(d_, p, intervals)) {
          any_unknown_ = true;
          arm_unknown_[a] = true;
          continue;
        }
        bool precise = p.value_ranges.size() == p.values.size();
        for (const KeyInterval& iv : intervals) {
          SourceRange range = p.pattern->range;
          if (precise && iv.value_index >= 0 &&
              p.value_ranges[static_cast<size_t>(iv.value_index)].valid()) {
            range = p.value_ranges[static_cast<size_t>(iv.value_index)];
          }
          items_.push_back({iv.lo, iv.hi, static_cast<uint32_t>(a), static_cast<uint32_t>(pi),
                            range});
          arm_nonempty_[a] = true;
        }
      }
    }
  }

  // Items are visited in source order; `covered_` maps the start of each disjoint covered segment
  // to its end and to the item that covers it. A later item that meets a segment is reported
  // there (once, against the first segment it meets); the parts it covers that nobody covered
  // before are added, so a third overlapping pattern is still caught on the same run.
  void CheckDisjoint() {
    struct Segment {
      int64_t hi;
      size_t item;
    };
    std::map<int64_t, Segment> covered;
    for (size_t i = 0; i < items_.size(); ++i) {
      const Item& it = items_[i];
      auto next = covered.upper_bound(it.lo);
      auto first = covered.end();
      if (next != covered.begin() && std::prev(next)->second.hi >= it.lo) {
        first = std::prev(next);
      } else if (next != covered.end() && next->first <= it.hi) {
        first = next;
      }
      if (first == covered.end()) {
        covered.emplace(it.lo, Segment{it.hi, i});
        continue;
      }
      const Item& earlier = items_[first->second.item];
      // The same value twice in one set is the set's own error, reported where sets are checked.
      if (earlier.arm != it.arm || earlier.pattern != it.pattern) ReportOverlap(earlier, it);

      // Add the uncovered parts of [lo, hi]. Bounded, so pathological inputs (thousands of
      // overlapping ranges, all of them errors) stay near-linear.
      constexpr int kMaxSegmentsWalked = 64;
      std::vector<std::pair<int64_t, int64_t>> holes;
      int64_t cursor = it.lo;  // the first value not yet known to be covered
      bool done = false;
      int walked = 0;
      for (auto s = first; s != covered.end() && s->first <= it.hi; ++s) {
        if (++walked > kMaxSegmentsWalked) {
          holes.clear();
          done = true;
          break;
        }
        if (s->first > cursor) holes.emplace_back(cursor, s->first - 1);
        if (s->second.hi >= it.hi) {
          done = true;
          break;
        }
        cursor = std::max(cursor, s->second.hi + 1);
      }
      if (!done) holes.emplace_back(cursor, it.hi);
      for (auto [lo, hi] : holes) {
        if (lo <= hi) covered.emplace(lo, Segment{hi, i});
      }
    }
  }

  void ReportOverlap(const Item& earlier, const Item& later) {
    int64_t lo = std::max(earlier.lo, later.lo);
    int64_t hi = std::min(earlier.hi, later.hi);
    std::string tier = ArmName(later.arm);
    if (earlier.arm == later.arm) {
      diags_.Build(later.range, diag::DuplicateMember, IntervalAsPattern(d_, lo, hi), tier)
          .Note(earlier.range, "first listed here");
      return;
    }
    std::string earlier_tier = ArmName(earlier.arm);
    diags_.Build(later.range, diag::TierOverlap, DescribeOverlap(d_, lo, hi), earlier_tier, tier)
        .Note(earlier.range, "also in `{0}` here", earlier_tier);
  }

  void ComputeGaps() {
    if (d_.unbounded()) return;
    std::vector<std::pair<int64_t, int64_t>> sorted;
    sorted.reserve(items_.size());
    for (const Item& it : items_) sorted.emplace_back(it.lo, it.hi);
    std::sort(sorted.begin(), sorted.end());
    int64_t cursor = d_.min;  // the first value not known to be covered
    bool rest_covered = false;
    for (auto [lo, hi] : sorted) {
      if (lo > cursor) gaps_.emplace_back(cursor, lo - 1);
      if (hi >= d_.max) {
        rest_covered = true;
        break;
      }
      cursor = std::max(cursor, hi + 1);
    }
    if (!rest_covered) gaps_.emplace_back(cursor, d_.max);
  }

  // The complement of all other patterns is not empty.
  auto OtherwiseMatches() const -> bool { return d_.unbounded() || !gaps_.empty(); }

  void CheckEmptyTiers() {
    for (size_t a = 0; a < arms_.size(); ++a) {
      if (arm_unknown_[a] || arm_nonempty_[a] || arms_[a].patterns.empty()) continue;
      bool is_otherwise_arm = static_cast<int>(a) == otherwise_arm_;
      if (is_otherwise_arm && (any_unknown_ || OtherwiseMatches())) continue;
      const ast::TierArm& arm = *arms_[a].arm;
      auto b = diags_.Build(arm.name.range, diag::TierEmpty, arm.name.name);
      for (const TierPatternValues& p : arms_[a].patterns) {
        switch (p.pattern->kind) {
          case ast::PatternKind::Otherwise:
            b.Note(p.pattern->range, "the other tiers already cover every value");
            break;
          case ast::PatternKind::RangeExcl:
          case ast::PatternKind::RangeIncl:
            b.Note(p.pattern->range, "this range is empty");
            break;
          default:
            b.Note(p.pattern->range, "no value matches this pattern");
            break;
        }
      }
    }
  }

  void CheckCoverage() {
    if (otherwise_ != nullptr || any_unknown_) return;
    if (d_.unbounded()) {
      std::string what = d_.strings.empty() ? "any value" : "strings other than those listed";
      diags_.Build(decl_.name.range, diag::TierGap, decl_.name.name, what)
          .Help("add `otherwise` to classify every other string");
      return;
    }
    if (gaps_.empty()) return;
    if (d_.kind == DomainKind::Enum) {
      auto [list, count] = MemberList(d_, gaps_);
      diags_.Build(decl_.name.range, diag::TierGap, decl_.name.name, list)
          .Help(count == 1 ? "add `otherwise` or a pattern that covers it"
                           : "add `otherwise` or patterns that cover them");
      return;
    }
    auto [lo, hi] = gaps_.front();
    auto b = diags_.Build(decl_.name.range, diag::TierGap, decl_.name.name,
                          DescribeInterval(d_, lo, hi, "values"));
    if (gaps_.size() > 1) b.Note(SourceRange{}, "this is the first of {0} gaps", gaps_.size());
    b.Help("add `otherwise` or a pattern that covers {0}", lo == hi ? "it" : "them");
  }

  const ast::TiersDecl& decl_;
  Domain d_;
  const std::vector<TierArmValues>& arms_;
  DiagnosticEngine& diags_;

  const ast::Pattern* otherwise_ = nullptr;
  int otherwise_arm_ = -1;
  std::vector<Item> items_;
  std::vector<bool> arm_unknown_;   // a pattern could not be read, or is a second `otherwise`
  std::vector<bool> arm_nonempty_;  // some pattern of the arm matches a value
  bool any_unknown_ = false;        // some pattern could not be read: coverage is unknown
  std::vector<std::pair<int64_t, int64_t>> gaps_;  // uncovered key intervals, ascending
};

}  // namespace

void CheckTierPartition(const ast::TiersDecl& decl, const ast::Type& of_type,
                        const std::vector<TierArmValues>& arms, DiagnosticEngine& diags) {
  PartitionChecker(decl, MakeDomain(of_type), arms, diags).Run();
}

int ClassifyConstant(const ast::Type& of_type, const std::vector<TierArmValues>& arms,
                     const Value& v) {
  Domain d = MakeDomain(of_type);
  if (d.kind == DomainKind::Unsupported) return -1;
  int otherwise_arm = -1;
  std::vector<KeyInterval> intervals;
  if (d.kind == DomainKind::String) {
    if (v.kind != Value::Kind::String) return -1;
    for (size_t a = 0; a < arms.size(); ++a) {
      for (const TierPatternValues& p : arms[a].patterns) {
        if (p.pattern == nullptr) continue;
        if (p.pattern->kind == ast::PatternKind::Otherwise) {
          if (otherwise_arm < 0) otherwise_arm = static_cast<int>(a);
          continue;
        }
        if (p.pattern->kind != ast::PatternKind::Set && p.pattern->kind != ast::PatternKind::Name) {
          continue;
        }
        bool found = false;
        ForEachMember(p.values, [&](const Value& m, int) {
          found = found || (m.kind == Value::Kind::String && m.s == v.s);
        });
        if (found) return static_cast<int>(a);
      }
    }
    return otherwise_arm;
  }
  auto key = ToKey(d, v);
  if (!key) return -1;
  for (size_t a = 0; a < arms.size(); ++a) {
    for (const TierPatternValues& p : arms[a].patterns) {
      if (p.pattern == nullptr) continue;
      if (p.pattern->kind == ast::PatternKind::Otherwise) {
        if (otherwise_arm < 0) otherwise_arm = static_cast<int>(a);
        continue;
      }
      intervals.clear();
      if (!PatternIntervals(d, p, intervals)) continue;
      for (const KeyInterval& iv : intervals) {
        if (iv.lo <= *key && *key <= iv.hi) return static_cast<int>(a);
      }
    }
  }
  return otherwise_arm;
}

}  // namespace edict::sema
