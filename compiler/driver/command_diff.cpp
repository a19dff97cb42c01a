// `edict diff OLD NEW [--format text|markdown|json] [--replay REQS.jsonl] [--rules]
//  [--witnesses N] [--today DATE] [--stdlib DIR] [--no-semantic] [--git]`: what a new version of a policy decides
// differently from the old one (DESIGN.md "Reviewing a change", docs/review.md).
//
//   1. Both versions are compiled (diagnostics and exit 2 on errors).
//   2. Structural diff of the two ASTs and Policy IRs (review/structural_diff.h).
//   3. Semantic diff with Z3 (smt/semantic_diff.h): every outcome transition with its region and
//      witnesses. Every witness is then decoded by each version's own request decoder and
//      evaluated on both versions by the compiled code (LLVM JIT) and by the interpreter; it is
//      shown only when all four evaluations reproduce the claimed outcomes. One that does not is
//      an internal error (exit 2): the SMT encoding and the compiled code disagree.
//   4. --replay: every request of a JSONL file is decided by both versions (each decoding it
//      against its own schema); the changes are counted per transition with the first lines.
//
// Either side may be `REV:PATH`: the text of PATH at git revision REV (`git show`, run in the
// directory holding PATH). It is compiled under PATH's own name, so the module-name rule holds
// and imports resolve beside PATH. With --git the seven arguments git passes to an external diff
// command (`path old-file old-hex old-mode new-file new-hex new-mode`) are accepted instead; the
// old file is compiled under `path` for the same reason, and the exit status is 0 unless
// something failed (git stops at an external diff that exits non-zero).
//
// Exit status: 0 no request is decided differently, 1 some are, 2 usage, I/O or compile error.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/engine.h"
#include "driver/render.h"
#include "json/request_codec.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "pir/build_pir.h"
#include "review/report.h"
#include "review/structural_diff.h"
#include "simdjson.h"
#if EDICT_HAVE_SMT
#include "smt/semantic_diff.h"
#endif

namespace edict::driver {
namespace {

struct DiffArgs {
  std::vector<std::string> files;
  std::string format = "text";
  std::string replay;
  bool rules = false;
  int witnesses = 3;
  std::string today;
  std::string stdlib;
  bool git = false;
  bool no_semantic = false;
  unsigned time_budget_ms = 0;  // 0: the engine's default (DiffOptions::total_time_ms)
};

auto CurrentUtcDate() -> Date {
  auto now = static_cast<int64_t>(std::time(nullptr));
  int64_t days = now >= 0 ? now / 86400 : (now - 86399) / 86400;
  return Date{static_cast<int32_t>(days)};
}

// One compiled side.
struct Side {
  std::string label;  // as given: PATH or REV:PATH
  Compilation::Unit* unit = nullptr;
  pir::Module pir;
  std::unique_ptr<json::RequestDecoder> decoder;
  std::unique_ptr<Engine> jit;     // null when this build has no JIT
  std::unique_ptr<Engine> interp;
};

// Runs `git -C DIR show SPEC`; returns its stdout, or nullopt with `error` set.
auto GitShow(const std::string& dir, const std::string& spec, std::string& error)
    -> std::optional<std::string> {
  auto git = llvm::sys::findProgramByName("git");
  if (!git) {
    error = "git is not installed (no `git` on PATH)";
    return std::nullopt;
  }
  llvm::SmallString<128> out_path, err_path;
  if (llvm::sys::fs::createTemporaryFile("edict-git", "out", out_path) ||
      llvm::sys::fs::createTemporaryFile("edict-git", "err", err_path)) {
    error = "cannot create a temporary file";
    return std::nullopt;
  }
  std::string out_s(out_path.str()), err_s(err_path.str());
  std::vector<llvm::StringRef> argv = {*git, "-C", dir, "show", spec};
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(out_s),
                                                llvm::StringRef(err_s)};
  std::string exec_error;
  int rc = llvm::sys::ExecuteAndWait(*git, argv, std::nullopt, redirects, 0, 0, &exec_error);
  std::string out, err, read_error;
  ReadFile(out_s, out, read_error);
  ReadFile(err_s, err, read_error);
  llvm::sys::fs::remove(out_s);
  llvm::sys::fs::remove(err_s);
  if (rc != 0) {
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    error = !err.empty() ? err : !exec_error.empty() ? exec_error : "git exited with status " + std::to_string(rc);
    return std::nullopt;
  }
  return out;
}

// Compiles one side: a file, or REV:PATH from git. `as_path` (non-empty) compiles the file's
// text under that name (git's temporary files). Returns false after printing why.
auto CompileSide(Compilation& c, const std::string& arg, const std::string& as_path, Side& side)
    -> bool {
  side.label = arg;
  bool exists = llvm::sys::fs::exists(arg);
  size_t colon = arg.find(':');
  if (!as_path.empty()) {
    std::string text, error;
    if (!ReadFile(arg, text, error)) {
      std::cerr << "edict: error: cannot read `" << arg << "`: " << error << "\n";
      return false;
    }
    side.unit = &c.CompileText(as_path, std::move(text));
  } else if (!exists && colon != std::string::npos && colon > 0) {
    std::string rev = arg.substr(0, colon);
    std::string path = arg.substr(colon + 1);
    if (path.empty()) {
      std::cerr << "edict: error: `" << arg << "`: no path after the revision (write REV:PATH)\n";
      return false;
    }
    std::string dir = llvm::sys::path::parent_path(path).str();
    if (dir.empty()) dir = ".";
    if (!llvm::sys::fs::is_directory(dir)) {
      std::cerr << "edict: error: `" << arg << "`: no directory `" << dir
                << "` to look up the git repository in\n";
      return false;
    }
    std::string error;
    auto text = GitShow(dir, rev + ":./" + llvm::sys::path::filename(path).str(), error);
    if (!text) {
      std::cerr << "edict: error: cannot read `" << arg << "` from git: " << error << "\n";
      return false;
    }
    side.unit = &c.CompileText(path, std::move(*text));
  } else {
    side.unit = &c.CompileFile(arg);
  }
  return true;
}

auto LabelOf(const pir::Module& m, const pir::Result& r) -> std::string {
  if (r.error != pir::ErrorCode::None) return std::string("error(") + pir::Spelling(r.error) + ")";
  return m.enums[m.decision_enum].members[r.outcome];
}

auto Evaluate(Side& s, const pir::Request& req) -> pir::Result {
  return s.jit ? s.jit->Evaluate(req) : s.interp->Evaluate(req);
}

// A request in one version's terms: a witness names every input field and cap of either
// version, so the fields (with `inputs`) and caps `m` does not have are dropped (the request
// decoder rejects unknown ones). Returns "" when `json` is not a JSON object.
auto ProjectRequest(std::string_view json, const pir::Module& m, bool inputs = true)
    -> std::string {
  simdjson::dom::parser parser;
  simdjson::dom::object doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return "";
  std::string out = "{";
  for (auto [key, value] : doc) {
    std::string k(key);
    if (out.size() > 1) out += ", ";
    out += "\"" + JsonEscape(k) + "\": ";
    if ((k != "input" || !inputs) && k != "usage") {
      out += simdjson::minify(value);
      continue;
    }
    simdjson::dom::object obj;
    if (value.get(obj) != simdjson::SUCCESS) return "";
    std::string inner = "{";
    for (auto [name, v] : obj) {
      std::string n(name);
      bool known = false;
      if (k == "input") {
        for (const auto& f : m.inputs) known = known || f.name == n;
      } else {
        for (const auto& c : m.caps) known = known || c.name == n;
      }
      if (!known) continue;
      if (inner.size() > 1) inner += ", ";
      inner += "\"" + JsonEscape(n) + "\": " + simdjson::minify(v);
    }
    out += inner + "}";
  }
  return out + "}";
}

#if EDICT_HAVE_SMT
auto DecidingOf(const pir::Result& r) -> std::vector<int32_t> {
  std::vector<int32_t> out;
  for (size_t i = 0; i < r.deciding.size(); ++i) {
    if (r.deciding[i]) out.push_back(static_cast<int32_t>(i));
  }
  return out;
}

// Whether `r` is what `side` claims.
auto Reproduces(const smt::Side& side, const pir::Result& r, bool rules) -> bool {
  if (side.outcome < 0) {
    if (r.error == pir::ErrorCode::None) return false;
    if (side.error != pir::ErrorCode::None && side.error != r.error) return false;
    return true;
  }
  if (r.error != pir::ErrorCode::None || r.outcome != side.outcome) return false;
  if (rules) {
    auto want = side.deciding;
    std::sort(want.begin(), want.end());
    if (DecidingOf(r) != want) return false;
  }
  return true;
}

// Re-evaluates every witness of `t` on both versions (JIT and interpreter); returns the checked
// transition, or nullopt after printing what did not reproduce.
auto CheckTransition(const smt::Transition& t, Side& o, Side& n, Date today, bool rules)
    -> std::optional<review::CheckedTransition> {
  review::CheckedTransition out{t.from.text, t.to.text, t.region, t.region_truncated, {}};
  for (const smt::Witness& w : t.witnesses) {
    std::string results[2];
    Side* sides[2] = {&o, &n};
    const smt::Side* claims[2] = {&t.from, &t.to};
    for (int i = 0; i < 2; ++i) {
      Side& s = *sides[i];
      json::DecodeResult d;
      std::string request = ProjectRequest(w.json, s.pir);
      if (!s.decoder->Decode(request, today, d)) {
        std::cerr << "edict: internal error: the witness " << w.json << " of `" << t.from.text
                  << " → " << t.to.text << "` cannot be decoded by " << s.label << ": "
                  << d.error->message << "\n";
        return std::nullopt;
      }
      const pir::Request& claimed = i == 0 ? w.old_request : w.new_request;
      if (!(d.request.fields == claimed.fields) || d.request.today != claimed.today ||
          d.request.usage != claimed.usage) {
        std::cerr << "edict: internal error: the witness " << w.json << " of `" << t.from.text
                  << " → " << t.to.text << "` decodes, for " << s.label
                  << ", to another request than the solver's\n";
        return std::nullopt;
      }
      pir::Result by_interp = s.interp->Evaluate(d.request);
      pir::Result by_jit = s.jit ? s.jit->Evaluate(d.request) : by_interp;
      bool ok = Reproduces(*claims[i], by_jit, rules) && Reproduces(*claims[i], by_interp, rules);
      if (!ok) {
        std::cerr << "edict: internal error: the witness " << w.json << " of `" << t.from.text
                  << " → " << t.to.text << "` does not reproduce on " << s.label
                  << ": claimed " << claims[i]->text << ", the compiled code gives "
                  << LabelOf(s.pir, by_jit) << " and the interpreter "
                  << LabelOf(s.pir, by_interp)
                  << " (the SMT encoding and the compiled code disagree; please report this)\n";
        return std::nullopt;
      }
      json::EncodeOptions eo;
      eo.request = &d.request;
      results[i] = json::EncodeResult(s.pir, by_jit, eo);
    }
    out.witnesses.push_back({w.json, results[0], results[1]});
  }
  return out;
}
#endif

auto Replay(const std::string& path, Side& o, Side& n, Date today, review::ReplayReport& rep)
    -> bool {
  std::ifstream in(path, std::ios::binary);
  if (!in || llvm::sys::fs::is_directory(path)) {
    std::cerr << "edict: error: cannot read the replay file `" << path << "`\n";
    return false;
  }
  rep.path = path;
  constexpr size_t kExamples = 3;
  std::map<std::pair<std::string, std::string>, size_t> index;
  json::DecodeResult d;
  std::string line;
  int64_t number = 0;
  // Usage figures are ledger state, not part of what was asked: a figure for a cap this version
  // does not have is dropped rather than making the request undecodable.
  auto side_label = [&](Side& s) -> std::string {
    bool ok = s.decoder->Decode(line, today, d);
    if (!ok && d.error->field && d.error->field->rfind("usage.", 0) == 0) {
      std::string projected = ProjectRequest(line, s.pir, /*inputs=*/false);
      if (!projected.empty()) ok = s.decoder->Decode(projected, today, d);
    }
    if (!ok) {
      return std::string("undecodable(") + pir::Spelling(d.error->code) + ")";
    }
    return LabelOf(s.pir, Evaluate(s, d.request));
  };
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ++rep.requests;
    std::string from = side_label(o);
    std::string to = side_label(n);
    if (from == to) {
      ++rep.unchanged;
      continue;
    }
    ++rep.changed;
    auto [it, fresh] = index.emplace(std::make_pair(from, to), rep.transitions.size());
    if (fresh) rep.transitions.push_back({from, to, 0, {}});
    auto& t = rep.transitions[it->second];
    ++t.count;
    if (t.examples.size() < kExamples) t.examples.push_back({number, line});
  }
  std::stable_sort(rep.transitions.begin(), rep.transitions.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  return true;
}

auto RunDiff(const DiffArgs& a) -> int {
  if (a.format != "text" && a.format != "markdown" && a.format != "json") {
    std::cerr << "edict: error: --format must be text, markdown or json, not `" << a.format << "`\n";
    return 2;
  }
  std::string old_arg, new_arg, git_path;
  if (a.git) {
    if (a.files.size() != 7) {
      std::cerr << "edict: error: --git expects the 7 arguments git gives an external diff "
                   "command (path old-file old-hex old-mode new-file new-hex new-mode), got "
                << a.files.size() << "\n";
      return 2;
    }
    git_path = a.files[0];
    old_arg = a.files[1];
    new_arg = a.files[4];
    if (old_arg == "/dev/null" || new_arg == "/dev/null") {
      std::cout << "edict diff: " << git_path << " was " << (old_arg == "/dev/null" ? "added" : "deleted")
                << "\n";
      return 0;
    }
  } else {
    if (a.files.size() != 2) {
      std::cerr << "edict: error: `edict diff` takes two policies, OLD and NEW (got "
                << a.files.size() << ")\n";
      return 2;
    }
    old_arg = a.files[0];
    new_arg = a.files[1];
  }
  if (a.witnesses < 0) {
    std::cerr << "edict: error: --witnesses must be 0 or more\n";
    return 2;
  }
  std::optional<Date> pinned;
  if (!a.today.empty()) {
    pinned = ParseDate(a.today);
    if (!pinned) {
      std::cerr << "edict: error: --today `" << a.today << "` is not a date (YYYY-MM-DD)\n";
      return 2;
    }
  }
  Date today = pinned ? *pinned : CurrentUtcDate();

  CompileOptions options;
  options.stdlib_dir = a.stdlib;
  Compilation compilation(options);
  Side sides[2];
  const std::string* args[2] = {&old_arg, &new_arg};
  for (int i = 0; i < 2; ++i) {
    if (!CompileSide(compilation, *args[i], git_path, sides[i])) return 2;
  }
  if (a.git) {
    sides[0].label = "a/" + git_path;
    sides[1].label = "b/" + git_path;
  }
  bool failed = false;
  for (Side& s : sides) {
    if (s.unit->io_error || !s.unit->checked) failed = true;
  }
  if (failed || compilation.diags().has_errors()) {
    RenderOptions r;
    r.color = isatty(STDERR_FILENO);
    RenderText(compilation.diags(), r, std::cerr);
    for (Side& s : sides) {
      if (!s.unit->io_error && !s.unit->checked) {
        std::cerr << "edict: error: `" << s.label << "` does not compile\n";
      }
    }
    return 2;
  }
  for (Side& s : sides) {
    if (!s.unit->checked->is_policy) {
      std::cerr << "edict: error: `" << s.label << "` is a module, not a policy\n";
      return 2;
    }
    s.pir = pir::BuildPir(*s.unit->checked, compilation.sources());
    if (std::string problem = pir::Verify(s.pir); !problem.empty()) {
      std::cerr << "edict: internal error: invalid Policy IR for `" << s.label << "`: " << problem
                << "\n";
      return 2;
    }
    if (&s == &sides[1]) {
      // Versions that are never in force on the same date (OLD expires before NEW takes
      // effect) are compared on NEW's dates with OLD decided as if still in force (docs/
      // review.md): OLD's engines then evaluate without its policy dates, so that witnesses
      // and replayed requests are decided as the semantic comparison claims.
      pir::Validity& va = sides[0].pir.validity;
      const pir::Validity& vb = s.pir.validity;
      std::optional<Date> from = va.effective, to = va.until;
      if (vb.effective && (!from || *from < *vb.effective)) from = vb.effective;
      if (vb.until && (!to || *vb.until < *to)) to = vb.until;
      if (from && to && !(*from < *to)) {
        va = pir::Validity{};
        sides[0].decoder = std::make_unique<json::RequestDecoder>(sides[0].pir);
        sides[0].interp = MakeInterpreterEngine(sides[0].pir);
        sides[0].jit.reset();
        if (HaveJit() && (!a.no_semantic || !a.replay.empty())) {
          std::string error;
          sides[0].jit = MakeJitEngine(sides[0].pir, error);
          if (!sides[0].jit) {
            std::cerr << "edict: error: " << error << "\n";
            return 2;
          }
        }
      }
    }
    s.decoder = std::make_unique<json::RequestDecoder>(s.pir);
    s.interp = MakeInterpreterEngine(s.pir);
    // The compiled code checks witnesses and decides replayed requests; nothing else needs it.
    bool evaluates = !a.no_semantic || !a.replay.empty();
    if (evaluates && HaveJit()) {
      std::string error;
      s.jit = MakeJitEngine(s.pir, error);
      if (!s.jit) {
        std::cerr << "edict: error: " << error << "\n";
        return 2;
      }
    }
  }
  Side& o = sides[0];
  Side& n = sides[1];

  review::Report report;
  report.old_info = {o.label, o.pir.name, o.pir.version};
  report.new_info = {n.label, n.pir.name, n.pir.version};
  review::Version ov{&*o.unit->module, &compilation.sources(), &o.pir};
  review::Version nv{&*n.unit->module, &compilation.sources(), &n.pir};
  report.structural = review::DiffStructure(ov, nv);

#if EDICT_HAVE_SMT
  if (a.no_semantic) {
    report.semantic_reason = "--no-semantic was given";
  } else {
    smt::DiffOptions so;
    so.max_witnesses = a.witnesses;
    so.rules = a.rules;
    so.today = pinned;
    if (a.time_budget_ms != 0) {
      // A larger budget describes more of each region (every cube is proved either way).
      so.total_time_ms = a.time_budget_ms;
      so.region_time_ms = a.time_budget_ms;
      so.region_queries = std::max<int>(so.region_queries,
                                        static_cast<int>(a.time_budget_ms / 10));
    }
    smt::SemanticDiff sem = smt::Diff(o.pir, n.pir, so);
    if (!sem.ok) {
      std::cerr << "edict: error: the semantic comparison failed: " << sem.error << "\n";
      return 2;
    }
    report.semantic_available = true;
    report.notes = sem.notes;
    for (const auto& t : sem.transitions) {
      auto checked = CheckTransition(t, o, n, today, false);
      if (!checked) return 2;
      report.transitions.push_back(std::move(*checked));
    }
    for (const auto& t : sem.rule_changes) {
      auto checked = CheckTransition(t, o, n, today, true);
      if (!checked) return 2;
      report.rule_changes.push_back(std::move(*checked));
    }
  }
#else
  report.semantic_reason = a.no_semantic ? "--no-semantic was given"
                                         : "this build of edict has no SMT solver (Z3)";
#endif

  if (!a.replay.empty()) {
    report.replay.emplace();
    if (!Replay(a.replay, o, n, today, *report.replay)) return 2;
  }

  std::string out = a.format == "json"       ? review::RenderJson(report)
                    : a.format == "markdown" ? review::RenderMarkdown(report)
                                             : review::RenderText(report);
  std::cout << out << std::flush;
  if (!report.semantic_available && !a.no_semantic && a.format == "text") {
    std::cerr << "edict: warning: semantic comparison unavailable: " << report.semantic_reason
              << "\n";
  }
  if (a.git) return 0;
  return report.decides_differently() ? 1 : 0;
}

}  // namespace

auto AddDiffCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff", "What a new version of a policy decides differently: structure, outcome "
              "transitions with checked witnesses, replayed requests");
  cmd->add_option("files", args->files,
                  "OLD and NEW: policy files or REV:PATH (git); with --git, git's 7 arguments")
      ->required();
  cmd->add_option("--format", args->format, "text (default), markdown or json");
  cmd->add_option("--replay", args->replay,
                  "Decide every request of this JSONL file under both versions");
  cmd->add_flag("--rules", args->rules,
                "Also report changes of the deciding rules where the outcome stays the same");
  cmd->add_option("--witnesses", args->witnesses, "Witness requests per transition (default 3)");
  cmd->add_option("--today", args->today,
                  "Compare on this date only (YYYY-MM-DD); also the date of replayed requests "
                  "without `today` (default: the current UTC date)");
  cmd->add_option("--stdlib", args->stdlib, "Standard library directory (holds std/)");
  cmd->add_option("--time-budget", args->time_budget_ms,
                  "Milliseconds the semantic comparison may spend describing regions "
                  "(default 1700; more describes more of each region)")
      ->check(CLI::Range(1u, 3600000u));
  cmd->add_flag("--no-semantic", args->no_semantic,
                "Skip the SMT comparison: structure (and --replay) only; the exit status then "
                "reflects --replay alone");
  cmd->add_flag("--git", args->git,
                "Accept git's external diff arguments (see docs/review.md); exit 0 unless an "
                "error occurs");
  return {cmd, [args] { return RunDiff(*args); }};
}

}  // namespace edict::driver
