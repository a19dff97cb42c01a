#include "driver/compilation.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#ifndef EDICT_STDLIB_DIR
#define EDICT_STDLIB_DIR "stdlib"
#endif

namespace edict::driver {

auto ResolveStdlibDir(const std::string& flag) -> std::string {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("EDICT_STDLIB"); env != nullptr && *env != '\0') return env;
  return EDICT_STDLIB_DIR;
}

auto ReadFile(const std::string& path, std::string& contents, std::string& error) -> bool {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = "is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return false;
  }
  contents = ss.str();
  return true;
}

Compilation::Compilation(CompileOptions options) : options_(std::move(options)) {
  diags_ = std::make_unique<DiagnosticEngine>(sources_, options_.diagnostics);
  sema::SemaOptions sema_options;
  sema_options.stdlib_dir = ResolveStdlibDir(options_.stdlib_dir);
  loader_ = std::make_unique<sema::ModuleLoader>(sources_, *diags_, sema_options);
}

Compilation::~Compilation() = default;

auto Compilation::CompileFile(const std::string& path) -> Unit& {
  std::string contents, error;
  if (!ReadFile(path, contents, error)) {
    diags_->Build(SourceRange{}, diag::CannotReadFile, path, error).Emit();
    auto unit = std::make_unique<Unit>();
    unit->io_error = true;
    units_.push_back(std::move(unit));
    return *units_.back();
  }
  return Run(sources_.AddFile(path, std::move(contents)));
}

auto Compilation::CompileText(std::string path, std::string text) -> Unit& {
  return Run(sources_.AddFile(std::move(path), std::move(text)));
}

auto Compilation::Run(FileId file) -> Unit& {
  auto unit = std::make_unique<Unit>();
  unit->file = file;
  int errors_before_parse = diags_->error_count();
  unit->module = parse::Parse(file, sources_, *diags_, options_.parse);
  // A file too large to parse is an I/O condition, like an unreadable one.
  if (!unit->module && diags_->error_count() > errors_before_parse) {
    for (const Diagnostic& d : diags_->Sorted()) {
      if (d.kind == diag::FileTooLarge && d.range.file == file) unit->io_error = true;
    }
  }
  if (unit->module && options_.stop_after != Phase::Parse) {
    int errors_before = diags_->error_count();
    unit->checked = sema::Check(*unit->module, *loader_, *diags_);
    if (diags_->error_count() > errors_before) unit->checked.reset();
  }
  units_.push_back(std::move(unit));
  return *units_.back();
}

}  // namespace edict::driver
