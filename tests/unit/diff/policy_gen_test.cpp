// The random policy generator (tests/unit/testing/policy_gen.h) must only produce policies that
// `edict check` accepts: a rejected policy is either a generator bug or a compiler bug, and both
// need fixing before the differential tests mean anything.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <string>

#include "testing/compile_helpers.h"
#include "testing/policy_gen.h"

namespace edict::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

TEST(PolicyGenTest, IsDeterministicInTheSeed) {
  for (uint64_t seed : {1u, 2u, 77u, 12345u}) {
    EXPECT_EQ(GeneratePolicy(seed).source, GeneratePolicy(seed).source) << "seed " << seed;
  }
  EXPECT_NE(GeneratePolicy(1).source, GeneratePolicy(2).source);
}

TEST(PolicyGenTest, GeneratedPoliciesCompileWithoutErrors) {
  const int seeds = EnvInt("EDICT_GEN_SEEDS", 2000);
  const uint64_t base = static_cast<uint64_t>(EnvInt("EDICT_GEN_SEED_BASE", 1));
  int failures = 0;
  std::map<std::string, int> by_message;  // error messages with names blanked out
  for (int i = 0; i < seeds; ++i) {
    uint64_t seed = base + static_cast<uint64_t>(i);
    GeneratedPolicy p = GeneratePolicy(seed);
    CompileResult r = CompileString(p.source, "gen.edict");
    if (!r.success) {
      ++failures;
      for (const DiagInfo& d : r.diagnostics) {
        if (d.severity != "error") continue;
        static const std::regex kQuoted("`[^`]*`");
        ++by_message[d.code + " " + std::regex_replace(d.message, kQuoted, "`_`")];
      }
      if (failures <= 3) {
        ADD_FAILURE() << "seed " << seed << " does not compile:\n"
                      << r.ToString() << "---- policy ----\n"
                      << p.source;
      }
    }
  }
  std::string summary;
  for (const auto& [message, count] : by_message) {
    summary += "  " + std::to_string(count) + "x " + message + "\n";
  }
  EXPECT_EQ(failures, 0) << "errors by kind:\n" << summary << failures << " of " << seeds << " generated policies do not compile";
}

}  // namespace
}  // namespace edict::testing
