// `edict ledger show URL [--cap NAME] [--format text|json]` and `edict ledger reset URL
// [--cap NAME]`: look into and clear a cap ledger (docs/caps.md).
//
// NAME is a cap as the ledger names it, "<policy>.<cap>", or just "<cap>" when exactly one
// policy in the ledger has a cap of that name. A NAME the ledger does not know is exit status 2
// naming it (with the caps it does know). `show` lists one row per slot (cap, key, window),
// ordered by cap, key and window start, with the usage and the policy and version that last
// recorded into it; old windows are kept and listed. `reset` forgets the usage and the
// remembered answers (of every cap, or of NAME).
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "driver/commands.h"
#include "driver/render.h"
#include "ledger/ledger.h"

namespace edict::driver {
namespace {

struct LedgerArgs {
  std::string url;
  std::string cap;
  std::string format = "text";
};

auto Open(const std::string& url) -> std::unique_ptr<ledger::Ledger> {
  std::string error;
  auto ledger = ledger::Ledger::Open(url, error);
  if (!ledger) {
    std::cerr << "edict: error: cannot open the ledger `" << url << "`: " << error << "\n";
  }
  return ledger;
}

// Resolves --cap against the caps holding usage in `rows`; nullopt (after printing why) when
// it names none or several.
auto ResolveCap(const std::string& url, const std::string& name,
                const std::vector<ledger::UsageRow>& rows) -> std::optional<std::string> {
  std::set<std::string> known, matches;
  for (const ledger::UsageRow& row : rows) {
    known.insert(row.slot.cap);
    const std::string& cap = row.slot.cap;
    size_t dot = cap.find('.');
    if (cap == name || (dot != std::string::npos && cap.substr(dot + 1) == name)) {
      matches.insert(cap);
    }
  }
  if (matches.size() == 1) return *matches.begin();
  if (matches.empty()) {
    std::cerr << "edict: error: the ledger `" << url << "` holds no usage of cap `" << name << "`";
    if (known.empty()) {
      std::cerr << " (it holds no usage at all)\n";
    } else {
      std::cerr << "; its caps are:";
      for (const std::string& k : known) std::cerr << " `" << k << "`";
      std::cerr << "\n";
    }
    return std::nullopt;
  }
  std::cerr << "edict: error: cap `" << name << "` is ambiguous in the ledger `" << url
            << "`; name one of:";
  for (const std::string& k : matches) std::cerr << " `" << k << "`";
  std::cerr << "\n";
  return std::nullopt;
}

// All rows, or only those of the cap --cap names; false (after printing why) on failure.
auto Rows(ledger::Ledger& ledger, const LedgerArgs& a, std::vector<ledger::UsageRow>& rows,
          std::optional<std::string>& cap) -> bool {
  ledger::Status st = ledger.Show(std::nullopt, rows);
  if (!st.ok) {
    std::cerr << "edict: error: ledger `" << a.url << "`: " << st.message << "\n";
    return false;
  }
  if (a.cap.empty()) return true;
  cap = ResolveCap(a.url, a.cap, rows);
  if (!cap) return false;
  std::erase_if(rows, [&](const ledger::UsageRow& r) { return r.slot.cap != *cap; });
  return true;
}

void Quote(std::string& out, std::string_view s) {
  out += '"';
  out += JsonEscape(s);
  out += '"';
}

auto RunShow(const LedgerArgs& a) -> int {
  auto ledger = Open(a.url);
  if (!ledger) return 2;
  std::vector<ledger::UsageRow> rows;
  std::optional<std::string> cap;
  if (!Rows(*ledger, a, rows, cap)) return 2;
  std::string out;
  if (a.format == "json") {
    // {"slots": [{"cap", "key": [...], "window", "window_start", "usage", "policy", "version"}]}
    out = "{\"slots\": [";
    for (size_t i = 0; i < rows.size(); ++i) {
      const ledger::UsageRow& r = rows[i];
      if (i) out += ", ";
      out += "{\"cap\": ";
      Quote(out, r.slot.cap);
      out += ", \"key\": ";
      out += r.slot.key.empty() ? "[]" : r.slot.key;  // already JSON
      out += ", \"window\": ";
      Quote(out, r.window);
      out += ", \"window_start\": ";
      Quote(out, r.slot.window_start);
      out += ", \"usage\": " + std::to_string(r.usage);
      out += ", \"policy\": ";
      Quote(out, r.last_policy);
      out += ", \"version\": ";
      Quote(out, r.last_version);
      out += "}";
    }
    out += "]}\n";
    std::cout << out;
    return 0;
  }
  if (rows.empty()) {
    std::cout << (cap ? "no usage of " + *cap : std::string("no usage recorded")) << "\n";
    return 0;
  }
  // An aligned table: cap, key, window (spelling and start), usage, last recorded by.
  std::vector<std::vector<std::string>> table = {
      {"cap", "key", "window", "start", "usage", "last recorded by"}};
  for (const ledger::UsageRow& r : rows) {
    std::string by = r.last_policy;
    if (!r.last_version.empty()) by += " " + r.last_version;
    table.push_back({r.slot.cap, r.slot.key, r.window, r.slot.window_start,
                     std::to_string(r.usage), by});
  }
  std::vector<size_t> width(table[0].size(), 0);
  for (const auto& row : table) {
    for (size_t k = 0; k < row.size(); ++k) width[k] = std::max(width[k], row[k].size());
  }
  for (const auto& row : table) {
    std::string line;
    for (size_t k = 0; k < row.size(); ++k) {
      if (k == 4) {  // usage: right-aligned
        line += std::string(width[k] - row[k].size(), ' ') + row[k];
      } else {
        line += row[k];
        if (k + 1 < row.size()) line += std::string(width[k] - row[k].size(), ' ');
      }
      if (k + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  std::cout << out;
  return 0;
}

auto RunReset(const LedgerArgs& a) -> int {
  auto ledger = Open(a.url);
  if (!ledger) return 2;
  std::optional<std::string> cap;
  if (!a.cap.empty()) {
    std::vector<ledger::UsageRow> rows;
    if (!Rows(*ledger, a, rows, cap)) return 2;
  }
  ledger::Status st = ledger->Reset(cap);
  if (!st.ok) {
    std::cerr << "edict: error: ledger `" << a.url << "`: " << st.message << "\n";
    return 2;
  }
  std::cout << "reset " << (cap ? "cap " + *cap : std::string("every cap")) << " in " << a.url
            << "\n";
  return 0;
}

}  // namespace

auto AddLedgerCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto show = std::make_shared<LedgerArgs>();
  auto reset = std::make_shared<LedgerArgs>();
  CLI::App* cmd = app.add_subcommand("ledger", "Show or reset the usage held in a cap ledger");
  cmd->require_subcommand(1);
  CLI::App* show_cmd =
      cmd->add_subcommand("show", "List usage per cap, key and window, with who recorded last");
  show_cmd->add_option("url", show->url, "The ledger: memory:, sqlite:PATH or postgresql://…")
      ->required();
  show_cmd->add_option("--cap", show->cap, "Only this cap (<policy>.<cap>, or <cap>)");
  show_cmd->add_option("--format", show->format, "text (a table) or json")
      ->check(CLI::IsMember({"text", "json"}));
  CLI::App* reset_cmd =
      cmd->add_subcommand("reset", "Forget the usage (and remembered answers) of the ledger");
  reset_cmd->add_option("url", reset->url, "The ledger: memory:, sqlite:PATH or postgresql://…")
      ->required();
  reset_cmd->add_option("--cap", reset->cap, "Only this cap (<policy>.<cap>, or <cap>)");
  return {cmd, [show, reset, show_cmd, reset_cmd] {
            if (show_cmd->parsed()) return RunShow(*show);
            if (reset_cmd->parsed()) return RunReset(*reset);
            return 2;
          }};
}

}  // namespace edict::driver
