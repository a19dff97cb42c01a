// The module loader (LANGUAGE.md §2, §10 "Names and modules"): resolves `import std.NAME` in the
// standard library and `import NAME` beside the importing file, then reads, parses and checks each
// module once, caching it by path and reporting import cycles.
#include <string>
#include <system_error>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "parse/parser.h"
#include "sema/sema.h"
#include "sema/sema_internal.h"

namespace edict::sema {

struct ModuleLoader::Entry {
  std::string name;  // the module name (file stem)
  std::unique_ptr<ast::Module> module;
  std::optional<CheckedModule> checked;
  bool loading = false;
};

ModuleLoader::ModuleLoader(SourceManager& sources, DiagnosticEngine& diags, SemaOptions options)
    : sources_(sources), diags_(diags), options_(std::move(options)) {}

ModuleLoader::~ModuleLoader() = default;

auto ModuleLoader::Load(const ast::QualName& path, FileId importer) -> const CheckedModule* {
  if (path.parts.empty()) return nullptr;
  const std::string& name = path.last();
  llvm::SmallString<256> file;
  if (path.parts.size() == 2 && path.parts[0].name == "std") {
    file = options_.stdlib_dir;
    llvm::sys::path::append(file, "std", name + ".edict");
  } else if (path.parts.size() == 1) {
    std::string importer_path = importer.valid() ? sources_.path(importer) : std::string();
    file = llvm::sys::path::parent_path(importer_path);
    llvm::sys::path::append(file, name + ".edict");
  } else {
    diags_.Build(path.range, diag::UnresolvedImport, path.str())
        .Label("not a module path")
        .Help(
            "write `import std.NAME;` for the standard library or `import NAME;` for NAME.edict "
            "beside this file")
        .Emit();
    return nullptr;
  }

  if (!llvm::sys::fs::exists(file)) {
    auto builder = diags_.Build(path.range, diag::UnresolvedImport, path.str());
    builder.Label("no such module");
    builder.Help("looked for `{0}`", file.str());
    if (path.parts.size() == 2 && options_.stdlib_dir.empty()) {
      builder.Help("set the standard library directory with `--stdlib DIR` or `EDICT_STDLIB`");
    }
    return nullptr;
  }
  llvm::SmallString<256> real;
  std::string key =
      llvm::sys::fs::real_path(file, real) ? std::string(file.str()) : std::string(real.str());

  auto it = cache_.find(key);
  if (it != cache_.end()) {
    Entry& entry = *it->second;
    if (entry.loading) {
      std::vector<std::string> chain;
      bool in_cycle = false;
      for (const std::string& p : loading_) {
        if (p == key) in_cycle = true;
        if (in_cycle && p != key) chain.push_back(cache_[p]->name);
      }
      if (chain.empty()) chain.push_back(entry.name);
      diags_.Build(path.range, diag::ImportCycle, entry.name, QuoteList(chain))
          .Label("cyclic import")
          .Emit();
      return nullptr;
    }
    if (!entry.checked) return nullptr;
    return &*entry.checked;
  }

  auto entry_owner = std::make_unique<Entry>();
  Entry& entry = *entry_owner;
  entry.name = llvm::sys::path::stem(file).str();
  cache_[key] = std::move(entry_owner);

  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    diags_.Build(path.range, diag::CannotReadFile, file.str(), buffer.getError().message()).Emit();
    return nullptr;
  }
  FileId id = sources_.AddFile(std::string(file.str()), (*buffer)->getBuffer().str());
  auto parsed = parse::Parse(id, sources_, diags_);
  if (!parsed) return nullptr;
  entry.module = std::make_unique<ast::Module>(std::move(*parsed));
  if (!entry.module->header) return nullptr;  // E0113 already reported in the module
  if (!entry.module->header->is_module) {
    diags_.Build(path.range, diag::ImportNotPolicy, path.str())
        .Label("this file is a policy")
        .Note(entry.module->header->range, "`{0}` starts with a `policy` header", file.str())
        .Emit();
    return nullptr;
  }

  entry.loading = true;
  loading_.push_back(key);
  auto [checked, ok] = CheckModule(*entry.module, *this, diags_);
  (void)ok;  // errors inside the module were reported there; its names stay usable
  loading_.pop_back();
  entry.loading = false;
  entry.checked = std::move(checked);
  return &*entry.checked;
}

}  // namespace edict::sema
