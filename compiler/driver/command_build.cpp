// `edict build FILE -o DIR [--emit so,obj,ll,asm,h] [-O0..3]`: ahead-of-time compilation of a
// policy (DESIGN.md "Command line", "The compiled module (C ABI)").
//
//   so   DIR/lib<policy>.so   the module: the object linked with `cc -shared` (plus the runtime
//                             builtins archive when the code calls a helper); exports only
//                             edict_module_v1, edict_<policy>_module_v1 and the typed entry points
//   obj  DIR/<policy>.o       the position-independent object
//   ll   DIR/<policy>.ll      the optimised LLVM IR
//   asm  DIR/<policy>.s       the assembly
//   h    DIR/<policy>.h       the typed C header (codegen/header_emitter.h), plus DIR/edict.h
//
// Default: so,h at -O2. Every file is written to a temporary name and renamed into place, so a
// service that has the previous lib<policy>.so mapped keeps running on it. Exit status: 0 built,
// 1 the policy has errors, 2 usage, I/O or toolchain errors (E06xx).
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <set>
#include <unistd.h>

#include "backend/emit.h"
#include "backend/link.h"
#include "backend/optimize.h"
#include "backend/target.h"
#include "codegen/codegen.h"
#include "codegen/header_emitter.h"
#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/render.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "pir/build_pir.h"

namespace edict::driver {
namespace {

// The text of runtime/include/edict.h, written beside the generated header.
constexpr const char kEdictHeader[] =
#include "edict_h_text.inc"
    ;

struct BuildArgs {
  std::string file;
  std::string out_dir;
  std::vector<std::string> emit;
  int opt_level = 2;
  std::string stdlib;
  std::string color = "auto";
  bool verbose = false;
};

using Clock = std::chrono::steady_clock;
auto Ms(Clock::time_point a, Clock::time_point b) -> double {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The runtime builtins archive: $EDICT_BUILTINS_ARCHIVE, beside the installed binary
// (../lib/libedict_builtins.a), then the build tree's.
auto FindBuiltinsArchive() -> std::string {
  if (const char* env = std::getenv("EDICT_BUILTINS_ARCHIVE"); env && *env) return env;
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  if (!exe.empty()) {
    llvm::SmallString<256> p(llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
    llvm::sys::path::append(p, "lib", "libedict_builtins.a");
    if (llvm::sys::fs::exists(p)) return std::string(p);
  }
#ifdef EDICT_BUILTINS_ARCHIVE
  if (llvm::sys::fs::exists(EDICT_BUILTINS_ARCHIVE)) return EDICT_BUILTINS_ARCHIVE;
#endif
  return "";
}

// Whether the code calls any runtime helper (a declared, used edict_rt_* function).
auto UsesBuiltins(const llvm::Module& ir) -> bool {
  for (const llvm::Function& f : ir) {
    if (f.isDeclaration() && !f.use_empty() && f.getName().starts_with("edict_rt_")) return true;
  }
  return false;
}

class Builder {
 public:
  Builder(const BuildArgs& a, Compilation& c) : a_(a), c_(c) {}

  // A temporary path in the output directory, renamed over `final` by Commit().
  auto TempFor(const std::string& final, std::string& temp) -> bool {
    llvm::SmallString<256> model(final);
    model += ".tmp-%%%%%%";
    llvm::SmallString<256> out;
    int fd = -1;
    if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, out)) {
      Error(final, ec.message());
      return false;
    }
    ::close(fd);
    temp = std::string(out);
    temps_.push_back(temp);
    return true;
  }
  auto Commit(const std::string& temp, const std::string& final) -> bool {
    if (std::error_code ec = llvm::sys::fs::rename(temp, final)) {
      Error(final, ec.message());
      return false;
    }
    return true;
  }
  auto WriteText(const std::string& path, const std::string& text) -> bool {
    std::string temp;
    if (!TempFor(path, temp)) return false;
    std::error_code ec;
    llvm::raw_fd_ostream out(temp, ec, llvm::sys::fs::OF_Text);
    if (ec) return Error(path, ec.message());
    out << text;
    out.close();
    if (out.has_error()) return Error(path, out.error().message());
    return Commit(temp, path);
  }
  auto Emit(llvm::Module& ir, llvm::TargetMachine& tm, backend::EmitKind kind,
            const std::string& path, bool commit = true) -> bool {
    std::string temp;
    if (!TempFor(path, temp)) return false;
    if (llvm::Error e = backend::EmitToFile(ir, tm, kind, temp)) {
      return Error(path, llvm::toString(std::move(e)));
    }
    return !commit || Commit(temp, path);
  }
  auto Error(const std::string& path, const std::string& why) -> bool {
    c_.diags().Build(SourceRange{}, diag::CannotWriteOutput, path, why).Emit();
    return false;
  }
  ~Builder() {
    for (const std::string& t : temps_) llvm::sys::fs::remove(t);
  }

  std::vector<std::string> written;

 private:
  const BuildArgs& a_;
  Compilation& c_;
  std::vector<std::string> temps_;
};

auto RunBuild(const BuildArgs& a) -> int {
  static const std::set<std::string> kKinds = {"so", "obj", "ll", "asm", "h"};
  std::set<std::string> emit;
  for (const std::string& k : a.emit) {
    if (!kKinds.count(k)) {
      std::cerr << "edict: error: unknown --emit kind `" << k
                << "` (expected a comma-separated list of so, obj, ll, asm, h)\n";
      return 2;
    }
    emit.insert(k);
  }
  if (emit.empty()) emit = {"so", "h"};
  if (a.opt_level < 0 || a.opt_level > 3) {
    std::cerr << "edict: error: -O takes 0, 1, 2 or 3\n";
    return 2;
  }

  auto t0 = Clock::now();
  CompileOptions options;
  options.stdlib_dir = a.stdlib;
  Compilation compilation(options);
  RenderOptions render;
  render.color = a.color == "always" || (a.color == "auto" && isatty(STDERR_FILENO));
  auto finish = [&](int status) {
    RenderText(compilation.diags(), render, std::cerr);
    return status;
  };

  Compilation::Unit& unit = compilation.CompileFile(a.file);
  if (unit.io_error) return finish(2);
  if (!unit.checked || compilation.diags().has_errors()) return finish(1);
  if (!unit.checked->is_policy) {
    std::cerr << "edict: error: `" << a.file << "` is a module, not a policy: there is nothing to build\n";
    return 2;
  }
  pir::Module m = pir::BuildPir(*unit.checked, compilation.sources());
  if (std::string problem = pir::Verify(m); !problem.empty()) {
    std::cerr << "edict: internal error: invalid Policy IR: " << problem << "\n";
    return 2;
  }
  auto t1 = Clock::now();

  if (std::error_code ec = llvm::sys::fs::create_directories(a.out_dir)) {
    compilation.diags().Build(SourceRange{}, diag::CannotWriteOutput, a.out_dir, ec.message()).Emit();
    return finish(2);
  }
  auto path = [&](const std::string& name) {
    llvm::SmallString<256> p(a.out_dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  };
  Builder b(a, compilation);

  // The header needs no code generation.
  if (emit.count("h")) {
    if (!b.WriteText(path(m.name + ".h"), codegen::EmitHeader(m)) ||
        !b.WriteText(path("edict.h"), kEdictHeader)) {
      return finish(2);
    }
    b.written.push_back(path(m.name + ".h"));
    b.written.push_back(path("edict.h"));
  }
  auto t2 = Clock::now();
  double codegen_ms = 0, optimize_ms = 0, emit_ms = 0, link_ms = 0;
  if (emit.count("so") || emit.count("obj") || emit.count("ll") || emit.count("asm")) {
    auto tm = backend::CreateHostTargetMachine(a.opt_level);
    if (!tm) {
      std::cerr << "edict: error: " << llvm::toString(tm.takeError()) << "\n";
      return finish(2);
    }
    llvm::LLVMContext context;
    std::unique_ptr<llvm::Module> ir = codegen::Codegen(m, context);
    if (llvm::Function* entry = ir->getFunction(codegen::kModuleEntrySymbol)) {
      llvm::GlobalAlias::create(codegen::ModuleAliasSymbol(m), entry);
    }
    backend::ConfigureModule(*ir, **tm);
    auto t3 = Clock::now();
    backend::Optimize(*ir, tm->get(), a.opt_level);
    auto t4 = Clock::now();
    codegen_ms = Ms(t2, t3);
    optimize_ms = Ms(t3, t4);
    bool builtins = UsesBuiltins(*ir);

    // Machine-code emission changes the module, so each but the last works on a copy.
    if (emit.count("ll")) {
      if (!b.Emit(*ir, **tm, backend::EmitKind::LlvmIr, path(m.name + ".ll"))) return finish(2);
      b.written.push_back(path(m.name + ".ll"));
    }
    bool want_obj = emit.count("so") || emit.count("obj");
    if (emit.count("asm")) {
      std::unique_ptr<llvm::Module> copy = want_obj ? llvm::CloneModule(*ir) : std::move(ir);
      if (!b.Emit(*copy, **tm, backend::EmitKind::Assembly, path(m.name + ".s"))) return finish(2);
      b.written.push_back(path(m.name + ".s"));
    }
    std::string object;
    if (want_obj) {
      std::string obj_path = path(m.name + ".o");
      bool keep = emit.count("obj") != 0;
      if (!b.TempFor(obj_path, object)) return finish(2);
      if (llvm::Error e = backend::EmitToFile(*ir, **tm, backend::EmitKind::Object, object)) {
        b.Error(obj_path, llvm::toString(std::move(e)));
        return finish(2);
      }
      auto t5 = Clock::now();
      emit_ms = Ms(t4, t5);
      if (emit.count("so")) {
        std::string so = path("lib" + m.name + ".so");
        backend::LinkOptions link;
        link.exports = codegen::ExportedSymbols(m);
        link.soname = "lib" + m.name + ".so";
        if (builtins) {
          std::string archive = FindBuiltinsArchive();
          if (archive.empty()) {
            compilation.diags()
                .Build(SourceRange{}, diag::LinkFailed, so,
                       "the policy calls runtime helpers, and the archive libedict_builtins.a "
                       "was not found")
                .Help("set EDICT_BUILTINS_ARCHIVE to its path")
                .Emit();
            return finish(2);
          }
          link.archives.push_back(archive);
        }
        std::string so_temp;
        if (!b.TempFor(so, so_temp)) return finish(2);
        if (auto err = backend::LinkSharedLibrary(object, so_temp, link)) {
          if (err->kind == backend::LinkError::NoCompiler) {
            compilation.diags()
                .Build(SourceRange{}, diag::NoCCompiler, so, err->message)
                .Help("`edict build` links with the system C compiler driver (`cc -shared`); "
                      "install gcc or clang, or set EDICT_CC; `--emit obj,h` needs no linker")
                .Emit();
          } else {
            auto d = compilation.diags().Build(SourceRange{}, diag::LinkFailed, so, err->message);
            if (!err->command.empty()) d.Note(SourceRange{}, "the command was: {0}", err->command);
            if (!err->output.empty()) d.Note(SourceRange{}, "it printed:\n{0}", err->output);
            d.Emit();
          }
          return finish(2);
        }
        if (!b.Commit(so_temp, so)) return finish(2);
        b.written.push_back(so);
        link_ms = Ms(t5, Clock::now());
      }
      if (keep) {
        if (!b.Commit(object, obj_path)) return finish(2);
        b.written.push_back(obj_path);
      }
    }
  }
  if (a.verbose) {
    for (const std::string& f : b.written) std::cerr << "wrote " << f << "\n";
    std::cerr << std::fixed << std::setprecision(1) << "time: front end " << Ms(t0, t1) << " ms, codegen " << codegen_ms
              << " ms, optimise " << optimize_ms << " ms, emit " << emit_ms << " ms, link "
              << link_ms << " ms, total " << Ms(t0, Clock::now()) << " ms\n";
  }
  return finish(compilation.diags().has_errors() ? 2 : 0);
}

}  // namespace

auto AddBuildCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto args = std::make_shared<BuildArgs>();
  CLI::App* cmd = app.add_subcommand(
      "build", "Compile a policy ahead of time to lib<policy>.so and the C header <policy>.h");
  cmd->add_option("file", args->file, "The policy (.edict)")->required();
  cmd->add_option("-o,--output", args->out_dir, "Output directory (created when missing)")
      ->required();
  cmd->add_option("--emit", args->emit,
                  "What to write, comma-separated: so (lib<policy>.so), obj (<policy>.o), "
                  "ll (<policy>.ll), asm (<policy>.s), h (<policy>.h and edict.h); "
                  "default so,h")
      ->delimiter(',');
  cmd->add_option("-O", args->opt_level, "Optimisation level 0..3 (default 2)");
  cmd->add_option("--stdlib", args->stdlib, "Standard library directory (holds std/)");
  cmd->add_option("--color", args->color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("-v,--verbose", args->verbose, "List the files written and the time per phase");
  return {cmd, [args] { return RunBuild(*args); }};
}

}  // namespace edict::driver
