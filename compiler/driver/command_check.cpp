// `edict check FILE…`: parse and check, print diagnostics; `--dump=ast` prints the AST.
#include <iostream>
#include <memory>
#include <unistd.h>

#include "ast/ast_dumper.h"
#include "pir/build_pir.h"
#if EDICT_HAVE_JIT
#include "backend/optimize.h"
#include "backend/target.h"
#include "codegen/codegen.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_os_ostream.h"
#endif
#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/render.h"

namespace edict::driver {
namespace {

struct CheckArgs {
  std::vector<std::string> files;
  std::string format = "text";
  std::string stdlib;
  std::string dump;
  std::string phase = "sema";
  std::string color = "auto";
  std::string snippets = "full";
  int error_limit = 20;
  std::vector<std::string> warning_flags;
  bool werror = false;
  bool debug_parser = false;
};

auto MakeOptions(const CheckArgs& a, std::string& error) -> std::optional<CompileOptions> {
  CompileOptions o;
  o.stdlib_dir = a.stdlib;
  o.stop_after = a.phase == "parse" ? Phase::Parse : Phase::Sema;
  o.parse.debug_parser = a.debug_parser;
  o.diagnostics.error_limit = a.error_limit;
  o.diagnostics.warnings_as_errors = a.werror;
  for (const std::string& w : a.warning_flags) {
    std::string flag = w.rfind("no-", 0) == 0 ? w.substr(3) : w;
    DiagKind kind = FindKind(flag);
    if (kind == DiagKind::kCount || GetKindInfo(kind).severity != Severity::Warning) {
      error = "unknown warning `" + w + "`";
      return std::nullopt;
    }
    if (w.rfind("no-", 0) == 0) o.diagnostics.disabled.push_back(kind);
  }
  return o;
}

auto RunCheck(const CheckArgs& a) -> int {
  std::string error;
  auto options = MakeOptions(a, error);
  if (!options) {
    std::cerr << "edict: error: " << error << "\n";
    return 2;
  }
  Compilation compilation(*options);
  bool io_error = false;
  for (const std::string& f : a.files) {
    Compilation::Unit& unit = compilation.CompileFile(f);
    io_error |= unit.io_error;
    if (!unit.module) continue;
    if (a.dump == "ast") std::cout << ast::Dump(*unit.module, &compilation.sources());
    // Without source locations: equal for two texts of the same meaning (fmt's round-trip test).
    if (a.dump == "ast-nolocs") std::cout << ast::Dump(*unit.module, nullptr);
    if (a.dump == "pir" && unit.checked) {
      pir::Module m = pir::BuildPir(*unit.checked, compilation.sources());
      std::string problem = pir::Verify(m);
      if (!problem.empty()) {
        std::cerr << "edict: internal error: invalid Policy IR: " << problem << "\n";
        return 2;
      }
      std::cout << pir::Print(m);
    }
#if EDICT_HAVE_JIT
    // The LLVM IR of the policy: as generated (`llvm`) or after the -O2 pipeline for the host
    // (`llvm-opt`).
    if ((a.dump == "llvm" || a.dump == "llvm-opt") && unit.checked) {
      pir::Module m = pir::BuildPir(*unit.checked, compilation.sources());
      llvm::LLVMContext context;
      std::unique_ptr<llvm::Module> ir = codegen::Codegen(m, context);
      if (a.dump == "llvm-opt") {
        auto tm = backend::CreateHostTargetMachine(2);
        if (!tm) {
          std::cerr << "edict: error: " << llvm::toString(tm.takeError()) << "\n";
          return 2;
        }
        backend::ConfigureModule(*ir, **tm);
        backend::Optimize(*ir, tm->get(), 2);
      }
      llvm::raw_os_ostream out(std::cout);
      ir->print(out, nullptr);
    }
#endif
    if (a.dump == "comments") {
      for (const ast::Comment& c : unit.module->comments) std::cout << c.text << "\n";
    }
  }
  if (a.format == "json") {
    RenderJson(compilation.diags(), std::cout);
  } else {
    RenderOptions r;
    r.error_limit = a.error_limit;
    r.snippets = a.snippets != "none";
    r.color = a.color == "always" || (a.color == "auto" && isatty(STDERR_FILENO));
    RenderText(compilation.diags(), r, std::cerr);
  }
  if (io_error) return 2;
  return compilation.diags().has_errors() ? 1 : 0;
}

}  // namespace

auto AddCheckCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "Parse and check policies; print diagnostics");
  cmd->add_option("files", args->files, "Policy or module files")->required();
  cmd->add_option("--format", args->format, "Diagnostics as text (stderr) or json (stdout)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--stdlib", args->stdlib, "Standard library directory (holds std/)");
  cmd->add_option("--dump", args->dump,
                  "Print ast, ast-nolocs (no source ranges), comments, pir (the Policy IR), "
                  "llvm (the LLVM IR as generated) or llvm-opt (after -O2)")
      ->check(CLI::IsMember({"ast", "ast-nolocs", "comments", "pir", "llvm", "llvm-opt"}));
  cmd->add_option("--phase", args->phase, "Stop after this phase: parse or sema")
      ->check(CLI::IsMember({"parse", "sema"}));
  cmd->add_option("--color", args->color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--diagnostic-snippets", args->snippets, "full or none")
      ->check(CLI::IsMember({"full", "none"}));
  cmd->add_option("--error-limit", args->error_limit, "Stop after N errors (0: no limit)");
  cmd->add_option("-W", args->warning_flags, "no-<warning> turns a warning off");
  cmd->add_flag("--Werror", args->werror, "Treat warnings as errors");
  cmd->add_flag("--debug-parser", args->debug_parser, "Also print ANTLR's own messages");
  return {cmd, [args] { return RunCheck(*args); }};
}

}  // namespace edict::driver
