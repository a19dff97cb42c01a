// `edict verify FILE [--format text|json] [--timeout MS] [--stdlib DIR]`: proves every
// `property` of a policy with the SMT encoding (compiler/smt/verify.h, docs/verify.md) or prints
// a counterexample request in the `edict eval` request shape; warns about rules and exemptions
// that can never apply and rules that are always defeated; lists the evaluation errors a request
// can end in, with an example each.
//
// Exit status: 0 every property proved; 1 a property fails; 2 usage or I/O error, a policy that
// does not compile, or a property the solver could not decide (e.g. the timeout), named.
#include <chrono>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/render.h"
#include "pir/build_pir.h"
#include "smt/encoder.h"
#include "smt/verify.h"

namespace edict::driver {
namespace {

struct VerifyArgs {
  std::string file;
  std::string format = "text";
  std::string stdlib;
  unsigned timeout_ms = 20000;
};

auto StatusText(smt::PropertyVerdict::Status s) -> const char* {
  switch (s) {
    case smt::PropertyVerdict::Status::Proved: return "proved";
    case smt::PropertyVerdict::Status::Failed: return "failed";
    case smt::PropertyVerdict::Status::Unknown: return "unknown";
  }
  return "unknown";
}

auto KindText(smt::VerifyWarning::Kind k) -> const char* {
  switch (k) {
    case smt::VerifyWarning::Kind::RuleNeverApplies: return "rule_never_applies";
    case smt::VerifyWarning::Kind::RuleAlwaysDefeated: return "rule_always_defeated";
    case smt::VerifyWarning::Kind::ExemptionNeverApplies: return "exemption_never_applies";
  }
  return "";
}

auto RunVerify(const VerifyArgs& a) -> int {
  CompileOptions options;
  options.stdlib_dir = a.stdlib;
  Compilation compilation(options);
  Compilation::Unit& unit = compilation.CompileFile(a.file);
  RenderOptions r;
  r.color = isatty(STDERR_FILENO);
  if (unit.io_error || !unit.checked || compilation.diags().has_errors()) {
    RenderText(compilation.diags(), r, std::cerr);
    if (!unit.io_error) std::cerr << "edict: error: `" << a.file << "` does not compile\n";
    return 2;
  }
  RenderText(compilation.diags(), r, std::cerr);  // warnings of the check, if any
  if (!unit.checked->is_policy) {
    std::cerr << "edict: error: `" << a.file << "` is a module, not a policy\n";
    return 2;
  }
  pir::Module m = pir::BuildPir(*unit.checked, compilation.sources());
  if (std::string problem = pir::Verify(m); !problem.empty()) {
    std::cerr << "edict: internal error: invalid Policy IR: " << problem << "\n";
    return 2;
  }
  smt::VerifyOptions vo;
  vo.timeout_ms = a.timeout_ms;
  smt::VerifyReport report = smt::Verify(m, vo);
  if (!report.ok) {
    std::cerr << "edict: error: " << a.file << ": " << report.error << "\n";
    return 2;
  }
  int failed = 0, unknown = 0, proved = 0;
  for (const smt::PropertyVerdict& p : report.properties) {
    failed += p.status == smt::PropertyVerdict::Status::Failed;
    unknown += p.status == smt::PropertyVerdict::Status::Unknown;
    proved += p.status == smt::PropertyVerdict::Status::Proved;
  }
  auto where = [&](pir::Location loc) {
    return a.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
  };

  if (a.format == "json") {
    std::string out = "{\"policy\": " + JsonQuote(m.name) + ", \"properties\": [";
    for (size_t i = 0; i < report.properties.size(); ++i) {
      const smt::PropertyVerdict& p = report.properties[i];
      out += (i ? ", " : "") + std::string("{\"name\": ") + JsonQuote(p.name) +
             ", \"line\": " + std::to_string(p.loc.line) + ", \"col\": " +
             std::to_string(p.loc.col) + ", \"status\": \"" + StatusText(p.status) + "\"";
      if (p.counterexample) out += ", \"counterexample\": " + p.counterexample_json;
      if (p.property_error != pir::ErrorCode::None) {
        out += std::string(", \"property_error\": \"") + pir::Spelling(p.property_error) + "\"";
      }
      if (!p.reason.empty()) out += ", \"reason\": " + JsonQuote(p.reason);
      out += "}";
    }
    out += "], \"warnings\": [";
    for (size_t i = 0; i < report.warnings.size(); ++i) {
      const smt::VerifyWarning& w = report.warnings[i];
      out += (i ? ", " : "") + std::string("{\"kind\": \"") + KindText(w.kind) +
             "\", \"name\": " + JsonQuote(w.name) + ", \"line\": " +
             std::to_string(w.loc.line) + ", \"col\": " + std::to_string(w.loc.col) +
             ", \"message\": " + JsonQuote(w.message) + "}";
    }
    out += "], \"errors\": [";
    for (size_t i = 0; i < report.errors.size(); ++i) {
      out += (i ? ", " : "") + std::string("{\"code\": \"") + pir::Spelling(report.errors[i].code) +
             "\", \"example\": " + report.errors[i].example_json + "}";
    }
    out += "], \"errors_complete\": " + std::string(report.errors_complete ? "true" : "false") +
           "}\n";
    std::cout << out;
  } else {
    for (const smt::PropertyVerdict& p : report.properties) {
      std::cout << where(p.loc) << ": property " << p.name << ": ";
      switch (p.status) {
        case smt::PropertyVerdict::Status::Proved: std::cout << "proved\n"; break;
        case smt::PropertyVerdict::Status::Failed:
          std::cout << "FAILED";
          if (p.property_error != pir::ErrorCode::None) {
            std::cout << " (its evaluation fails with " << pir::Spelling(p.property_error) << ")";
          }
          std::cout << "\n  counterexample: " << p.counterexample_json << "\n";
          break;
        case smt::PropertyVerdict::Status::Unknown:
          std::cout << "UNKNOWN: the solver gave up (" << p.reason << ")\n";
          break;
      }
    }
    for (const smt::VerifyWarning& w : report.warnings) {
      std::cout << where(w.loc) << ": warning: " << w.message << "\n";
    }
    for (const smt::ReachableError& e : report.errors) {
      std::cout << "note: a request can end in the error " << pir::Spelling(e.code)
                << ", e.g. " << e.example_json << "\n";
    }
    if (!report.errors_complete) {
      std::cout << "note: the search for evaluation errors gave up before it was complete\n";
    }
    std::cout << report.properties.size() << " properties: " << proved << " proved, " << failed
              << " failed";
    if (unknown) std::cout << ", " << unknown << " unknown";
    std::cout << "\n";
  }
  if (unknown) {
    for (const smt::PropertyVerdict& p : report.properties) {
      if (p.status == smt::PropertyVerdict::Status::Unknown) {
        std::cerr << "edict: error: " << where(p.loc) << ": property `" << p.name
                  << "` could not be decided: " << p.reason << "\n";
      }
    }
    return 2;
  }
  return failed ? 1 : 0;
}

}  // namespace

auto AddVerifyCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Prove every property of a policy, or print a counterexample request");
  cmd->add_option("file", args->file, "Policy file")->required();
  cmd->add_option("--format", args->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--timeout", args->timeout_ms, "Solver time limit per query, in milliseconds");
  cmd->add_option("--stdlib", args->stdlib, "Standard library directory (holds std/)");
  return {cmd, [args] { return RunVerify(*args); }};
}

}  // namespace edict::driver
