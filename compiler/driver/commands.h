// The `edict` subcommands. Each registers itself on the CLI11 app and returns the exit status
// (0 success, 1 the policy or its checks failed, 2 usage or I/O error).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace edict::driver {

using CommandRunner = std::function<int()>;

// Adds `edict check` to `app`; the returned runner executes it after parsing.
auto AddCheckCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;
auto AddFmtCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;
// Adds `edict test`: runs the policies' test blocks on the reference interpreter.
auto AddTestCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;
auto AddEvalCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;
// Adds `edict build`: ahead-of-time compilation to lib<policy>.so and <policy>.h (needs LLVM).
auto AddBuildCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;
// Adds `edict verify`: proves properties with the SMT encoding (docs/verify.md).
auto AddVerifyCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;
// Adds `edict diff`: structural and semantic difference of two versions (docs/review.md).
auto AddDiffCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;
// Adds `edict ledger show|reset URL [--cap NAME]`: the usage held in a cap ledger.
auto AddLedgerCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner>;

}  // namespace edict::driver
