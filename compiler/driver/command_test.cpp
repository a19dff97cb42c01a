// `edict test FILE… [--coverage] [--stdlib DIR]`: runs the `test` blocks of policies on the
// reference interpreter (LANGUAGE.md §8).
//
// Each test starts with an empty in-memory ledger. A `check` step with a `usage { … }` block
// evaluates with those figures (missing ones are 0), as if they were the ledger; a `check`
// without one reads the test's ledger; neither records. A `decide` step reads usage from the
// ledger at its cap keys, evaluates, and records the amounts of the result's `record` into the
// ledger (all of them, or none on an evaluation error). Usage is read for every cap whose key
// can be computed, applying or not: usage(C) and remaining(C) are defined for every request. Every
// step checks its expected error or outcome, its `by` set, its `where` clause and every `property`.
// A test stops at its first failing step, which is printed like a diagnostic on stdout. The run
// closes with `N passed, N failed` counting test blocks; a file that does not compile counts as one
// failure (its diagnostics go to stderr). Exit status: 0 all passed, 1 any failure, 2 an unreadable
// file or a usage error.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/render.h"
#include "interp/interpreter.h"
#include "pir/build_pir.h"

namespace edict::driver {
namespace {

struct TestArgs {
  std::vector<std::string> files;
  std::string stdlib;
  bool coverage = false;
};

// The in-memory ledger of one test: (cap, key values by name, window start) → usage.
using LedgerKey = std::tuple<int32_t, std::vector<std::string>, int32_t>;
using Ledger = std::map<LedgerKey, int64_t>;

// Which rules, exemptions and caps some test step applied (for --coverage).
struct Coverage {
  std::vector<bool> rules, exemptions, caps;
};

class FileRunner {
 public:
  FileRunner(const pir::Module& m, std::string path, std::ostream& out)
      : m_(m), path_(std::move(path)), out_(out) {
    coverage_.rules.assign(m.rules.size(), false);
    coverage_.exemptions.assign(m.exemptions.size(), false);
    coverage_.caps.assign(m.caps.size(), false);
  }

  // Runs one test block; prints its first failure. Returns whether it passed.
  auto RunTest(const pir::Test& test) -> bool;
  // Prints the rules, exemptions and caps that no step applied.
  void PrintCoverage() const;

 private:
  // Runs one step against `ledger`; returns the failure message, or "" when the step passed.
  auto RunStep(const pir::TestStep& step, Ledger& ledger, pir::Request& req, pir::Result& result)
      -> std::string;
  auto LedgerKeyOf(int32_t cap, const pir::CapSlot& slot) const -> LedgerKey;
  auto Where(pir::Location loc) const -> std::string;
  auto Describe(const pir::TestStep& step, const pir::Request& req) const -> std::string;
  auto RuleList(const std::vector<int32_t>& rules) const -> std::string;

  const pir::Module& m_;
  std::string path_;
  std::ostream& out_;
  Coverage coverage_;
};

auto FileRunner::Where(pir::Location loc) const -> std::string {
  return path_ + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

auto FileRunner::RuleList(const std::vector<int32_t>& rules) const -> std::string {
  if (rules.empty()) return "nothing";
  std::string s;
  for (int32_t r : rules) s += (s.empty() ? "" : ", ") + m_.rules[r].name;
  return s;
}

auto FileRunner::LedgerKeyOf(int32_t cap, const pir::CapSlot& slot) const -> LedgerKey {
  std::vector<std::string> key;
  for (size_t k = 0; k < slot.key.size(); ++k) {
    // Enum keys by member name, so reordering an enum keeps the ledger (LANGUAGE.md §10).
    key.push_back(interp::FormatValue(m_, m_.insts[m_.caps[cap].keys[k]].type, slot.key[k]));
  }
  return {cap, std::move(key), slot.window_start.days};
}

auto FileRunner::Describe(const pir::TestStep& step, const pir::Request& req) const -> std::string {
  std::string s = step.decide ? "decide {" : "check {";
  for (size_t f = 0; f < m_.inputs.size(); ++f) {
    s += (f == 0 ? " " : ", ") + m_.inputs[f].name + ": " +
         interp::FormatValue(m_, m_.inputs[f].type, req.fields[f]);
  }
  s += (m_.inputs.empty() ? " today: " : ", today: ") + FormatDate(req.today) + " }";
  bool any_usage = false;
  for (int64_t u : req.usage) any_usage = any_usage || u != 0;
  if (any_usage) {
    s += step.usage.empty() ? " ledger usage {" : " usage {";
    bool first = true;
    for (size_t c = 0; c < m_.caps.size(); ++c) {
      if (req.usage[c] == 0) continue;
      s += (first ? " " : ", ") + m_.caps[c].name + ": " + std::to_string(req.usage[c]);
      first = false;
    }
    s += " }";
  }
  return s;
}

auto FileRunner::RunStep(const pir::TestStep& step, Ledger& ledger, pir::Request& req,
                         pir::Result& result) -> std::string {
  auto member = [&](int32_t o) { return m_.enums[m_.decision_enum].members[o]; };

  req.fields.clear();
  for (size_t f = 0; f < m_.inputs.size(); ++f) {
    // Sema rejects a step that leaves out a field without default.
    req.fields.push_back(step.fields[f] ? interp::ConstantValue(m_, *step.fields[f])
                                        : pir::RtValue{});
  }
  req.today = step.today.value_or(Date{0});
  std::vector<pir::CapSlot> slots;
  bool malformed = false;
  if (step.decide || step.usage.empty()) {
    // The ledger's usage at the request's keys (a `check` without `usage` reads it too).
    slots = interp::ResolveCapUsage(m_, req, [&](int32_t c, const pir::CapSlot& slot) {
      auto it = ledger.find(LedgerKeyOf(c, slot));
      return it == ledger.end() ? int64_t{0} : it->second;
    });
  } else {
    req.usage.assign(m_.caps.size(), 0);
    for (auto [c, figure] : step.usage) {
      req.usage[c] = figure;
      malformed = malformed || figure < 0;  // a negative usage figure is a malformed request
    }
  }
  if (malformed) {
    result = pir::Result{};
    result.error = pir::ErrorCode::BadRequest;
  } else {
    result = interp::Evaluate(m_, req);
  }

  // The outcome or the error.
  const bool failed = result.error != pir::ErrorCode::None;
  if (step.expected_error != pir::ErrorCode::None) {
    if (!failed) {
      return "expected error " + std::string(pir::Spelling(step.expected_error)) + ", got " +
             member(result.outcome);
    }
    if (result.error != step.expected_error) {
      return "expected error " + std::string(pir::Spelling(step.expected_error)) + ", got error " +
             pir::Spelling(result.error);
    }
    return "";
  }
  if (failed) {
    return "expected " + member(step.expected_outcome) + ", got error " +
           pir::Spelling(result.error);
  }
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    if (result.rules_applied[r]) coverage_.rules[r] = true;
  }
  for (size_t e = 0; e < m_.exemptions.size(); ++e) {
    if (result.exemptions_applied[e]) coverage_.exemptions[e] = true;
  }
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    if (result.caps_applied[c]) coverage_.caps[c] = true;
  }

  std::vector<int32_t> deciding;
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    if (result.deciding[r]) deciding.push_back(static_cast<int32_t>(r));
  }
  std::string message;
  if (result.outcome != step.expected_outcome) {
    message = "expected " + member(step.expected_outcome) + ", got " + member(result.outcome);
  } else if (step.expected_by) {
    std::vector<int32_t> want = *step.expected_by;
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    if (want != deciding) {
      message = "expected " + member(step.expected_outcome) + " by " + RuleList(want) + ", got " +
                member(result.outcome) + " by " + RuleList(deciding);
    }
  }
  if (message.empty() && step.where != pir::kNoValue) {
    auto [error, value] = interp::EvaluateValue(m_, req, step.where, &result);
    if (error != pir::ErrorCode::None) {
      message = std::string("the `where` clause failed with error ") + pir::Spelling(error);
    } else if (value.i == 0) {
      message = "the `where` clause is false";
    }
  }
  if (message.empty()) {
    for (const pir::Property& p : m_.properties) {
      auto [error, value] = interp::EvaluateValue(m_, req, p.value, &result);
      if (error != pir::ErrorCode::None) {
        message = "property " + p.name + " (" + Where(p.loc) + ") failed with error " +
                  pir::Spelling(error);
        break;
      }
      if (value.i == 0) {
        message = "property " + p.name + " (" + Where(p.loc) + ") does not hold";
        break;
      }
    }
  }
  // A decide records even when an expectation failed: the evaluation itself succeeded.
  if (step.decide) {
    for (size_t c = 0; c < m_.caps.size(); ++c) {
      if (result.record[c] < 0 || !slots[c].applies) continue;
      ledger[LedgerKeyOf(static_cast<int32_t>(c), slots[c])] += result.record[c];
    }
  }
  return message;
}

auto FileRunner::RunTest(const pir::Test& test) -> bool {
  Ledger ledger;
  for (size_t s = 0; s < test.steps.size(); ++s) {
    const pir::TestStep& step = test.steps[s];
    pir::Request req;
    pir::Result result;
    std::string message = RunStep(step, ledger, req, result);
    if (message.empty()) continue;
    out_ << Where(step.loc) << ": test \"" << test.name << "\" failed: " << message << "\n";
    if (result.error != pir::ErrorCode::None) {
      out_ << "  error: " << pir::Spelling(result.error);
      if (result.error_loc.line != 0) out_ << " at " << Where(result.error_loc);
      out_ << "\n";
    } else {
      std::vector<int32_t> deciding;
      for (size_t r = 0; r < m_.rules.size(); ++r) {
        if (result.deciding[r]) deciding.push_back(static_cast<int32_t>(r));
      }
      out_ << "  deciding: " << RuleList(deciding) << "\n";
      std::string outputs;
      size_t k = 0;
      for (const pir::Let& l : m_.lets) {
        if (!l.is_output) continue;
        outputs += (outputs.empty() ? "" : ", ") + l.name + " = " +
                   interp::FormatValue(m_, l.type, result.outputs[k++]);
      }
      if (!outputs.empty()) out_ << "  outputs: " << outputs << "\n";
    }
    out_ << Where(test.loc) << ": note: step " << s + 1 << " of " << test.steps.size() << ": "
         << Describe(step, req) << "\n";
    return false;
  }
  return true;
}

void FileRunner::PrintCoverage() const {
  std::vector<std::string> missed;
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    if (!coverage_.rules[r]) {
      missed.push_back(Where(m_.rules[r].loc) + ": rule " + m_.rules[r].name);
    }
  }
  for (size_t e = 0; e < m_.exemptions.size(); ++e) {
    if (!coverage_.exemptions[e]) {
      missed.push_back(Where(m_.exemptions[e].loc) + ": exemption " + m_.exemptions[e].name);
    }
  }
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    if (!coverage_.caps[c]) missed.push_back(Where(m_.caps[c].loc) + ": cap " + m_.caps[c].name);
  }
  size_t total = m_.rules.size() + m_.exemptions.size() + m_.caps.size();
  out_ << "coverage: " << path_ << ": " << total - missed.size() << " of " << total
       << " rules, exemptions and caps applied by a test step";
  if (missed.empty()) {
    out_ << "\n";
    return;
  }
  out_ << "; never applied:\n";
  for (const std::string& line : missed) out_ << "  " << line << "\n";
}

auto RunTests(const TestArgs& a) -> int {
  CompileOptions options;
  options.stdlib_dir = a.stdlib;
  Compilation compilation(options);
  int passed = 0, failed = 0;
  bool io_error = false;
  for (const std::string& f : a.files) {
    int errors_before = compilation.diags().error_count();
    Compilation::Unit& unit = compilation.CompileFile(f);
    io_error |= unit.io_error;
    if (!unit.checked || compilation.diags().error_count() > errors_before) {
      std::cout << f << ": error: the file does not compile; its tests did not run\n";
      ++failed;
      continue;
    }
    if (!unit.checked->is_policy) continue;  // a module holds no tests
    pir::Module m = pir::BuildPir(*unit.checked, compilation.sources());
    if (std::string problem = pir::Verify(m); !problem.empty()) {
      std::cerr << "edict: internal error: invalid Policy IR for " << f << ": " << problem << "\n";
      return 2;
    }
    FileRunner runner(m, f, std::cout);
    for (const pir::Test& t : m.tests) {
      if (runner.RunTest(t)) {
        ++passed;
      } else {
        ++failed;
      }
    }
    if (a.coverage) runner.PrintCoverage();
  }
  if (compilation.diags().error_count() > 0) {
    RenderOptions r;
    r.color = isatty(STDERR_FILENO);
    RenderText(compilation.diags(), r, std::cerr);
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  if (io_error) return 2;
  return failed > 0 ? 1 : 0;
}

}  // namespace

auto AddTestCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto args = std::make_shared<TestArgs>();
  CLI::App* cmd =
      app.add_subcommand("test", "Run the tests of policies; end with N passed, N failed");
  cmd->add_option("files", args->files, "Policy files")->required();
  cmd->add_option("--stdlib", args->stdlib, "Standard library directory (holds std/)");
  cmd->add_flag("--coverage", args->coverage,
                "List the rules, exemptions and caps that no test step applied");
  return {cmd, [args] { return RunTests(*args); }};
}

}  // namespace edict::driver
