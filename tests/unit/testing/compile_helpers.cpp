#include "testing/compile_helpers.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "diagnostics/diagnostic.h"
#include "parse/parser.h"
#include "pir/build_pir.h"
#include "sema/sema.h"
#include "source/source_manager.h"

#ifndef EDICT_STDLIB_DIR
#define EDICT_STDLIB_DIR "/work/main/stdlib"
#endif

namespace edict::testing {

namespace {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::Note:
      return "note";
    case Severity::Warning:
      return "warning";
    case Severity::Error:
      return "error";
  }
  return "?";
}

CompileResult CompileIn(SourceManager& sources, FileId file) {
  CompileResult result;
  DiagnosticEngine diags(sources, DiagnosticOptions{.error_limit = 0});
  sema::ModuleLoader loader(sources, diags, sema::SemaOptions{EDICT_STDLIB_DIR});
  std::optional<ast::Module> module = parse::Parse(file, sources, diags);
  if (module) {
    std::optional<sema::CheckedModule> checked = sema::Check(*module, loader, diags);
    result.success = checked.has_value() && !diags.has_errors();
  }
  for (const Diagnostic& d : diags.Sorted()) {
    DiagInfo info;
    info.code = GetKindInfo(d.kind).code;
    info.severity = SeverityName(d.severity);
    info.message = d.message;
    if (d.range.valid()) {
      info.path = sources.path(d.range.file);
      LineCol lc = sources.GetLineCol(d.range.file, d.range.begin);
      info.line = lc.line;
      info.col = lc.col;
    }
    for (const DiagNote& n : d.notes) info.notes.push_back(n.message);
    info.help = d.help;
    result.diagnostics.push_back(std::move(info));
  }
  return result;
}

}  // namespace

std::vector<std::string> CompileResult::codes() const {
  std::vector<std::string> out;
  for (const DiagInfo& d : diagnostics) out.push_back(d.code);
  return out;
}

std::vector<std::string> CompileResult::error_codes() const {
  std::vector<std::string> out;
  for (const DiagInfo& d : diagnostics) {
    if (d.severity == "error") out.push_back(d.code);
  }
  return out;
}

bool CompileResult::has(std::string_view code) const {
  for (const DiagInfo& d : diagnostics) {
    if (d.code == code) return true;
  }
  return false;
}

std::string CompileResult::ToString() const {
  std::string out;
  for (const DiagInfo& d : diagnostics) {
    out += d.path + ":" + std::to_string(d.line) + ":" + std::to_string(d.col) + ": " + d.code +
           " " + d.message + "\n";
    for (const std::string& n : d.notes) out += "    note: " + n + "\n";
    for (const std::string& h : d.help) out += "    help: " + h + "\n";
  }
  return out;
}

struct EvalCompilation::State {
  SourceManager sources;
  std::unique_ptr<DiagnosticEngine> diags;
  std::unique_ptr<sema::ModuleLoader> loader;
  std::optional<ast::Module> module;
  std::optional<sema::CheckedModule> checked;
};

EvalCompilation CompileForEval(std::string_view source, std::string path) {
  EvalCompilation out;
  out.state = std::make_shared<EvalCompilation::State>();
  EvalCompilation::State& st = *out.state;
  FileId file = st.sources.AddFile(std::move(path), std::string(source));
  st.diags = std::make_unique<DiagnosticEngine>(st.sources, DiagnosticOptions{.error_limit = 0});
  st.loader = std::make_unique<sema::ModuleLoader>(st.sources, *st.diags,
                                                   sema::SemaOptions{EDICT_STDLIB_DIR});
  st.module = parse::Parse(file, st.sources, *st.diags);
  if (st.module) {
    st.checked = sema::Check(*st.module, *st.loader, *st.diags);
    out.result.success = st.checked.has_value() && !st.diags->has_errors();
  }
  for (const Diagnostic& d : st.diags->Sorted()) {
    DiagInfo info;
    info.code = GetKindInfo(d.kind).code;
    info.severity = SeverityName(d.severity);
    info.message = d.message;
    if (d.range.valid()) {
      info.path = st.sources.path(d.range.file);
      LineCol lc = st.sources.GetLineCol(d.range.file, d.range.begin);
      info.line = lc.line;
      info.col = lc.col;
    }
    for (const DiagNote& n : d.notes) info.notes.push_back(n.message);
    info.help = d.help;
    out.result.diagnostics.push_back(std::move(info));
  }
  if (out.result.success) {
    out.pir = pir::BuildPir(*st.checked, st.sources);
    out.verify_error = pir::Verify(*out.pir);
  }
  return out;
}

CompileResult CompileString(std::string_view source, std::string path) {
  SourceManager sources;
  FileId file = sources.AddFile(std::move(path), std::string(source));
  return CompileIn(sources, file);
}

CompileResult CompileFiles(const std::vector<std::pair<std::string, std::string>>& files) {
  static std::atomic<int> counter{0};
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() /
                 ("edict-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir);
  for (const auto& [name, text] : files) {
    fs::create_directories((dir / name).parent_path());
    std::ofstream(dir / name, std::ios::binary) << text;
  }
  SourceManager sources;
  const auto& [main_name, main_text] = files.front();
  FileId file = sources.AddFile((dir / main_name).string(), main_text);
  CompileResult result = CompileIn(sources, file);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

}  // namespace edict::testing
