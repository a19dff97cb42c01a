// The semantic diff (compiler/smt/semantic_diff.h): transitions, region descriptions and
// witnesses on hand-written pairs and on the real AI diffusion versions, and a soundness test on
// random policy pairs (tests/unit/testing/policy_gen.h): when Diff reports no transition, sampled
// requests get the same result from the interpreter on both versions; when it reports some, every
// witness reproduces its transition on the interpreter and every sampled request that moves does
// so along a reported transition.
//
// Knobs (environment): EDICT_SMT_DIFF_PAIRS, EDICT_SMT_DIFF_REQUESTS, EDICT_SMT_DIFF_SEED_BASE.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "interp/interpreter.h"
#include "json/request_codec.h"
#include "smt/semantic_diff.h"
#include "testing/compile_helpers.h"
#include "testing/policy_gen.h"

namespace edict::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// The result of one side as Diff names it: the outcome member, or "error(code)".
auto SideText(const pir::Module& m, const pir::Result& r) -> std::string {
  if (r.error != pir::ErrorCode::None) return std::string("error(") + pir::Spelling(r.error) + ")";
  return m.enums[m.decision_enum].members[r.outcome];
}

// Both versions are compared as if in force (the diff leaves policy validity to the structural
// part): the interpreter is run on copies without the policy-level dates.
auto WithoutValidity(const pir::Module& m) -> pir::Module {
  pir::Module c = m;
  c.validity = {};
  return c;
}

auto Join(const smt::Cube& cube) -> std::string {
  std::string s;
  for (const std::string& c : cube) s += (s.empty() ? "" : ", ") + c;
  return s;
}

// Every witness of every transition reproduces it on the interpreter, and its JSON decodes for
// each version (when both versions have the same fields).
void CheckWitnesses(const pir::Module& a, const pir::Module& b, const smt::SemanticDiff& d,
                    bool decode_json) {
  pir::Module ua = WithoutValidity(a), ub = WithoutValidity(b);
  for (const smt::Transition& t : d.transitions) {
    EXPECT_FALSE(t.witnesses.empty()) << t.from.text << " → " << t.to.text;
    for (const smt::Witness& w : t.witnesses) {
      EXPECT_EQ(SideText(a, interp::Evaluate(ua, w.old_request)), t.from.text) << w.json;
      EXPECT_EQ(SideText(b, interp::Evaluate(ub, w.new_request)), t.to.text) << w.json;
      if (decode_json) {
        for (const pir::Module* m : {&ua, &ub}) {
          json::DecodeResult r = json::DecodeRequest(*m, w.json, Date{0});
          ASSERT_FALSE(r.error) << w.json << ": " << r.error->message;
          const pir::Request& want = m == &ua ? w.old_request : w.new_request;
          EXPECT_EQ(r.request.fields, want.fields) << w.json;
          EXPECT_EQ(r.request.today, want.today) << w.json;
          EXPECT_EQ(r.request.usage, want.usage) << w.json;
        }
      }
    }
  }
}

auto MustCompile(const std::string& source) -> EvalCompilation {
  EvalCompilation c = CompileForEval(source);
  EXPECT_TRUE(c.pir) << c.result.ToString();
  return c;
}

const char* kOld = R"(
policy shop version "1" effective 2025-01-01;
enum Country { US, IL, PT, CN, FR }
enum Item { gpu, cpu }
decision Outcome { allow, notify, license_required, deny }
default allow;
input { destination: Country; item: Item; quantity: int; }
tiers Tier of Country { tier1: { US, FR }; tier3: { CN }; tier2: otherwise; }
rule embargo: Tier(destination) == tier3 => deny;
rule big: item == gpu and Tier(destination) == tier2 and quantity > 50_000 => license_required;
)";

TEST(SemanticDiffTest, IdenticalVersionsHaveNoTransition) {
  EvalCompilation a = MustCompile(kOld), b = MustCompile(kOld);
  smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, {});
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_TRUE(d.transitions.empty());
}

TEST(SemanticDiffTest, ThresholdAndTierChangesGiveExactRegions) {
  std::string next = kOld;
  next.replace(next.find("quantity > 50_000"), 17, "quantity > 1_700");
  next.replace(next.find("tier1: { US, FR }"), 17, "tier1: { US }");
  EvalCompilation a = MustCompile(kOld), b = MustCompile(next);
  smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, {});
  ASSERT_TRUE(d.ok) << d.error;
  ASSERT_EQ(d.transitions.size(), 1u);
  const smt::Transition& t = d.transitions[0];
  EXPECT_EQ(t.from.text, "allow");
  EXPECT_EQ(t.to.text, "license_required");
  EXPECT_FALSE(t.region_truncated);
  // FR moved to tier 2, so large FR orders move too. Enum sets print as `∉` when that is shorter.
  std::set<std::string> cubes;
  for (const smt::Cube& c : t.region) cubes.insert(Join(c));
  EXPECT_EQ(cubes, (std::set<std::string>{
                       "destination ∉ {US, CN}, item = gpu, 1700 < quantity ≤ 50000",
                       "destination = FR, item = gpu, quantity > 1700"}));
  CheckWitnesses(*a.pir, *b.pir, d, /*decode_json=*/true);
}

// Witnesses read well: numbers at the region's bound nearest to zero (a policy constant here),
// `today` the later effective date; regions come from the interpreter's guess, proved.
TEST(SemanticDiffTest, WitnessesAreReadable) {
  std::string next = kOld;
  next.replace(next.find("quantity > 50_000"), 17, "quantity > 1_700");
  EvalCompilation a = MustCompile(kOld), b = MustCompile(next);
  smt::DiffOptions o;
  o.max_witnesses = 1;
  smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, o);
  ASSERT_TRUE(d.ok) << d.error;
  ASSERT_EQ(d.transitions.size(), 1u);
  const smt::Transition& t = d.transitions[0];
  EXPECT_FALSE(t.region_truncated);
  ASSERT_EQ(t.region.size(), 1u);
  EXPECT_EQ(Join(t.region[0]), "destination ∈ {IL, PT}, item = gpu, 1700 < quantity ≤ 50000");
  ASSERT_EQ(t.witnesses.size(), 1u);
  const pir::Request& w = t.witnesses[0].old_request;
  EXPECT_EQ(w.today, a.pir->validity.effective.value());
  EXPECT_EQ(w.fields[2].i, 1701) << t.witnesses[0].json;
  CheckWitnesses(*a.pir, *b.pir, d, true);
}

TEST(SemanticDiffTest, ErrorsAreTheirOwnOutcome) {
  std::string next = kOld;
  next.replace(next.find("quantity > 50_000"), 17, "quantity * 4 > 200_000");
  EvalCompilation a = MustCompile(kOld), b = MustCompile(next);
  smt::DiffOptions o;
  o.max_witnesses = 2;
  smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, o);
  ASSERT_TRUE(d.ok) << d.error;
  std::set<std::string> pairs;
  for (const smt::Transition& t : d.transitions) pairs.insert(t.from.text + " → " + t.to.text);
  EXPECT_TRUE(pairs.count("license_required → error(int_overflow)"));
  EXPECT_TRUE(pairs.count("allow → error(int_overflow)"));
  for (const smt::Transition& t : d.transitions) {
    if (t.to.text == "error(int_overflow)") EXPECT_EQ(t.to.error, pir::ErrorCode::IntOverflow);
  }
  CheckWitnesses(*a.pir, *b.pir, d, true);
}

TEST(SemanticDiffTest, FieldsAndMembersOnOneSideAreNoted) {
  std::string next = kOld;
  next.replace(next.find("enum Country { US, IL, PT, CN, FR }"), 35,
               "enum Country { US, IL, PT, CN, DE }");
  next.replace(next.find("quantity: int;"), 14, "quantity: int; urgent: bool = false;");
  next.replace(next.find("tier1: { US, FR }"), 17, "tier1: { US, DE }");
  next.replace(next.find("=> deny;"), 8, "and not urgent => deny;");
  EvalCompilation a = MustCompile(kOld), b = MustCompile(next);
  smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, {});
  ASSERT_TRUE(d.ok) << d.error;
  std::string notes;
  for (const std::string& n : d.notes) notes += n + "\n";
  EXPECT_NE(notes.find("only in OLD: FR"), std::string::npos) << notes;
  EXPECT_NE(notes.find("only in NEW: DE"), std::string::npos) << notes;
  EXPECT_NE(notes.find("`urgent` is only in NEW"), std::string::npos) << notes;
  ASSERT_EQ(d.transitions.size(), 1u);
  EXPECT_EQ(d.transitions[0].from.text, "deny");
  EXPECT_EQ(d.transitions[0].to.text, "allow");
  ASSERT_EQ(d.transitions[0].region.size(), 1u);
  EXPECT_EQ(Join(d.transitions[0].region[0]), "destination = CN, urgent (new) = true");
  CheckWitnesses(*a.pir, *b.pir, d, false);
}

TEST(SemanticDiffTest, RuleChangesWithTheSameOutcome) {
  std::string next = kOld;
  next += "rule big_cn: Tier(destination) == tier3 and quantity > 10 => deny;\n";
  EvalCompilation a = MustCompile(kOld), b = MustCompile(next);
  smt::DiffOptions o;
  o.rules = true;
  smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, o);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_TRUE(d.transitions.empty());
  ASSERT_EQ(d.rule_changes.size(), 1u);
  EXPECT_EQ(d.rule_changes[0].from.text, "deny by [embargo]");
  EXPECT_EQ(d.rule_changes[0].to.text, "deny by [embargo, big_cn]");
  ASSERT_EQ(d.rule_changes[0].region.size(), 1u);
  EXPECT_EQ(Join(d.rule_changes[0].region[0]), "destination = CN, quantity > 10");
}

auto ReadFile(const std::string& path) -> std::string {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The real versions (the successor policies are S3's): every witness reproduces its transition.
TEST(SemanticDiffTest, AiDiffusionVersionsWitnessesAreReal) {
  const std::string dir = std::string(EDICT_SOURCE_DIR) + "/policies/ai_diffusion/";
  std::string base = ReadFile(dir + "2025-01-15.edict");
  ASSERT_FALSE(base.empty());
  EvalCompilation a = CompileForEval(base, dir + "2025-01-15.edict");
  ASSERT_TRUE(a.pir) << a.result.ToString();
  int compared = 0;
  for (const char* other : {"2025-05-13.edict", "2025-01-15-amended.edict"}) {
    std::string text = ReadFile(dir + other);
    if (text.empty()) continue;
    EvalCompilation b = CompileForEval(text, dir + other);
    if (!b.pir) continue;  // a successor still being written
    smt::DiffOptions o;
    o.max_witnesses = 2;
    o.region_time_ms = 1500;  // the regions are docs/review.md's business; witnesses are checked
    smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, o);
    ASSERT_TRUE(d.ok) << other << ": " << d.error;
    EXPECT_FALSE(d.transitions.empty()) << other;
    // The witness JSON names every field and cap of either version; `edict eval` of one version
    // accepts it as is only when both have the same ones (else `edict diff` strips per side).
    auto names = [](const pir::Module& m) {
      std::set<std::string> n;
      for (const pir::InputField& f : m.inputs) n.insert("field " + f.name);
      for (const pir::Cap& c : m.caps) n.insert("cap " + c.name);
      return n;
    };
    CheckWitnesses(*a.pir, *b.pir, d, names(*a.pir) == names(*b.pir));
    ++compared;
  }
  // A version against itself.
  smt::SemanticDiff same = smt::Diff(*a.pir, *a.pir, {});
  ASSERT_TRUE(same.ok) << same.error;
  EXPECT_TRUE(same.transitions.empty());
  (void)compared;
}

// A mutation of a generated policy: drop a declaration, change a literal, or nothing.
auto Mutate(const GeneratedPolicy& gen, std::mt19937_64& rng) -> std::string {
  std::vector<std::string> decls = gen.decls;
  int kind = static_cast<int>(rng() % 3);
  if (kind == 0) {
    std::vector<size_t> removable;
    for (size_t i = 0; i < decls.size(); ++i) {
      if (IsRemovableDecl(decls[i])) removable.push_back(i);
    }
    if (!removable.empty()) decls.erase(decls.begin() + removable[rng() % removable.size()]);
  } else if (kind == 1) {
    // Change one integer literal by ±1 or to 0 in a rule, exemption, let or cap.
    std::vector<size_t> candidates;
    static const std::regex kInt("\\b[0-9]+\\b");
    for (size_t i = 0; i < decls.size(); ++i) {
      const std::string& d = decls[i];
      if ((d.rfind("rule", 0) == 0 || d.rfind("exempt", 0) == 0 || d.rfind("let", 0) == 0 ||
           d.rfind("cap", 0) == 0 || d.rfind("output", 0) == 0) &&
          std::regex_search(d, kInt)) {
        candidates.push_back(i);
      }
    }
    if (!candidates.empty()) {
      std::string& d = decls[candidates[rng() % candidates.size()]];
      std::vector<std::pair<size_t, size_t>> hits;
      for (auto it = std::sregex_iterator(d.begin(), d.end(), kInt); it != std::sregex_iterator();
           ++it) {
        // Skip digits inside dates, names and floats.
        size_t pos = static_cast<size_t>(it->position()), len = static_cast<size_t>(it->length());
        bool in_word = pos > 0 && (std::isalnum(static_cast<unsigned char>(d[pos - 1])) ||
                                   d[pos - 1] == '_' || d[pos - 1] == '-' || d[pos - 1] == '.');
        bool before = pos + len < d.size() && (d[pos + len] == '-' || d[pos + len] == '.' ||
                                               d[pos + len] == '_' || d[pos + len] == 'e' ||
                                               d[pos + len] == '%');
        if (!in_word && !before && len < 10) hits.emplace_back(pos, len);
      }
      if (!hits.empty()) {
        auto [pos, len] = hits[rng() % hits.size()];
        int64_t v = std::stoll(d.substr(pos, len));
        int64_t nv = rng() % 3 == 0 ? 0 : v + (rng() % 2 ? 1 : -1);
        if (nv < 0) nv = v + 1;
        d.replace(pos, len, std::to_string(nv));
      }
    }
  }
  return AssemblePolicy(gen.header, decls);
}

TEST(SemanticDiffTest, SoundOnRandomPolicyPairs) {
  const int pairs = EnvInt("EDICT_SMT_DIFF_PAIRS", 30);
  const int requests = EnvInt("EDICT_SMT_DIFF_REQUESTS", 40);
  const uint64_t base = static_cast<uint64_t>(EnvInt("EDICT_SMT_DIFF_SEED_BASE", 9100));
  int diffed = 0, with_transitions = 0, moved_requests = 0, gave_up = 0;
  for (int p = 0; p < pairs; ++p) {
    uint64_t seed = base + static_cast<uint64_t>(p);
    GeneratedPolicy gen = GeneratePolicy(seed);
    std::mt19937_64 rng(seed * 31 + 7);
    std::string mutated = Mutate(gen, rng);
    EvalCompilation a = CompileForEval(gen.source);
    ASSERT_TRUE(a.pir) << "seed " << seed;
    EvalCompilation b = CompileForEval(mutated);
    if (!b.pir) continue;  // the mutation broke the policy (e.g. removed a used declaration)
    smt::DiffOptions o;
    o.max_witnesses = 2;
    o.max_region_cubes = 4;
    // Pairs the solver cannot settle quickly are skipped (counted below); a resource limit
    // rather than a time limit keeps that independent of the machine's load.
    o.rlimit = 4000000;
    o.timeout_ms = 60000;
    o.region_time_ms = 600;
    smt::SemanticDiff d = smt::Diff(*a.pir, *b.pir, o);
    if (!d.ok) {
      ++gave_up;
      continue;
    }
    ++diffed;
    std::set<std::string> reported;
    for (const smt::Transition& t : d.transitions) reported.insert(t.from.text + " → " + t.to.text);
    with_transitions += !d.transitions.empty();
    CheckWitnesses(*a.pir, *b.pir, d, false);
    // Sampled requests, in both versions' validity union (the diff's `today` range).
    pir::Module ua = WithoutValidity(*a.pir), ub = WithoutValidity(*b.pir);
    auto in_window = [](const pir::Validity& v, Date t) {
      return (!v.effective || *v.effective <= t) && (!v.until || t < *v.until);
    };
    std::mt19937_64 req_rng(seed);
    for (int q = 0; q < requests; ++q) {
      pir::Request ra = GenerateRequest(*a.pir, gen, req_rng);
      if (!in_window(a.pir->validity, ra.today) && !in_window(b.pir->validity, ra.today)) continue;
      pir::Request rb = RemapRequest(*a.pir, ra, *b.pir);
      std::string from = SideText(*a.pir, interp::Evaluate(ua, ra));
      std::string to = SideText(*b.pir, interp::Evaluate(ub, rb));
      if (from == to) continue;
      ++moved_requests;
      EXPECT_TRUE(reported.count(from + " → " + to))
          << "seed " << seed << ": " << from << " → " << to << " not reported for "
          << RequestToJson(*a.pir, ra) << "\nOLD:\n" << gen.source << "\nNEW:\n" << mutated;
    }
  }
  // Policies full of 64-bit products are hard for the solver; an honest "gave up" is allowed,
  // a wrong answer never.
  EXPECT_GT(diffed, pairs / 2);
  EXPECT_GE(with_transitions, 2);
  EXPECT_GT(moved_requests, 0);
  std::printf("diffed %d of %d pairs (%d gave up), %d with transitions, %d moving requests\n",
              diffed, pairs, gave_up, with_transitions, moved_requests);
}

}  // namespace
}  // namespace edict::testing
