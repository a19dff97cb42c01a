// `edict`: the command-line driver. Dispatches to the subcommands in commands.h.
#include <iostream>

#include "driver/commands.h"
#include "llvm/Support/InitLLVM.h"

int main(int argc, char** argv) {
  llvm::InitLLVM init(argc, argv);
  CLI::App app{"edict: compiler for the Edict policy language"};
  app.set_version_flag("--version", "edict 0.1.0");
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, edict::driver::CommandRunner>> commands = {
      edict::driver::AddCheckCommand(app),
      edict::driver::AddFmtCommand(app),
      edict::driver::AddTestCommand(app),
      edict::driver::AddEvalCommand(app),
      edict::driver::AddDiffCommand(app),
      edict::driver::AddVerifyCommand(app),
      edict::driver::AddLedgerCommand(app),
#if EDICT_HAVE_JIT
      edict::driver::AddBuildCommand(app),
#endif
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "edict: error: " << e.what() << "\n"
              << "run `edict --help` or `edict COMMAND --help` for usage\n";
    return 2;
  }
  for (auto& [cmd, run] : commands) {
    if (cmd->parsed()) return run();
  }
  return 2;
}
