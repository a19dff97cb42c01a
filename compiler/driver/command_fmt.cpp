// `edict fmt [--check] FILE…`: rewrite files in the canonical layout.
#include <fstream>
#include <iostream>
#include <memory>

#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/render.h"
#include "format/formatter.h"

namespace edict::driver {
namespace {

struct FmtArgs {
  std::vector<std::string> files;
  bool check = false;
  bool to_stdout = false;
};

auto RunFmt(const FmtArgs& a) -> int {
  CompileOptions options;
  options.stop_after = Phase::Parse;
  Compilation compilation(options);
  int status = 0;
  for (const std::string& path : a.files) {
    int errors_before = compilation.diags().error_count();
    Compilation::Unit& unit = compilation.CompileFile(path);
    if (unit.io_error) {
      status = 2;
      continue;
    }
    // Never rewrite a file that does not parse cleanly: formatting it could lose text.
    if (!unit.module || compilation.diags().error_count() > errors_before) {
      status = std::max(status, 1);
      continue;
    }
    std::string formatted = format::Format(*unit.module, compilation.sources());
    std::string_view original = compilation.sources().text(unit.file);
    if (a.to_stdout) {
      std::cout << formatted;
    } else if (formatted != original) {
      if (a.check) {
        std::cout << path << ": not formatted\n";
        status = std::max(status, 1);
      } else {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << formatted;
        if (!out) {
          std::cerr << "edict: error: cannot write `" << path << "`\n";
          status = 2;
        }
      }
    }
  }
  RenderText(compilation.diags(), RenderOptions{}, std::cerr);
  return status;
}

}  // namespace

auto AddFmtCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto args = std::make_shared<FmtArgs>();
  CLI::App* cmd = app.add_subcommand("fmt", "Format policies in the canonical layout");
  cmd->add_option("files", args->files, "Files to format in place")->required();
  cmd->add_flag("--check", args->check, "Change nothing; exit 1 if a file is not formatted");
  cmd->add_flag("--stdout", args->to_stdout, "Print the formatted text instead of writing it");
  return {cmd, [args] { return RunFmt(*args); }};
}

}  // namespace edict::driver
