#include "backend/link.h"

#include <cstdlib>

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace edict::backend {
namespace {

// Removes a temporary file when it goes out of scope.
struct TempFile {
  llvm::SmallString<128> path;
  ~TempFile() {
    if (!path.empty()) llvm::sys::fs::remove(path);
  }
};

auto Trim(std::string s) -> std::string {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  constexpr size_t kMax = 4000;  // a linker can print a lot; the start says what went wrong
  if (s.size() > kMax) s = s.substr(0, kMax) + "\n…";
  return s;
}

auto ShellQuote(llvm::StringRef s) -> std::string {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == llvm::StringRef::npos)
    return s.str();
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

auto FindCCompiler(const std::string& preferred, std::string& error) -> std::optional<std::string> {
  std::string name = preferred;
  if (name.empty()) {
    const char* env = std::getenv("EDICT_CC");
    name = env && *env ? env : "cc";
  }
  if (name.find('/') != std::string::npos) {
    if (llvm::sys::fs::can_execute(name)) return name;
    error = "`" + name + "` is not an executable file";
    return std::nullopt;
  }
  llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(name);
  if (!path) {
    error = "`" + name + "` is not on PATH (install a C compiler, e.g. gcc or clang, or set EDICT_CC)";
    return std::nullopt;
  }
  return *path;
}

auto LinkSharedLibrary(const std::string& object, const std::string& output,
                       const LinkOptions& options) -> std::optional<LinkError> {
  std::string why;
  std::optional<std::string> cc = FindCCompiler(options.cc, why);
  if (!cc) return LinkError{LinkError::NoCompiler, why, "", ""};

  auto fail = [](std::string message, std::string command = "", std::string out = "") {
    return LinkError{LinkError::Failed, std::move(message), std::move(command), std::move(out)};
  };

  TempFile script;
  if (!options.exports.empty()) {
    int fd = -1;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("edict-exports", "map", fd, script.path))
      return fail("cannot create a linker version script: " + ec.message());
    llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << "{\n  global:\n";
    for (const std::string& s : options.exports) out << "    " << s << ";\n";
    out << "  local: *;\n};\n";
    out.close();
    if (out.has_error()) return fail("cannot write a linker version script");
  }
  TempFile log;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("edict-link", "log", log.path))
    return fail("cannot create a temporary file: " + ec.message());

  std::vector<std::string> args = {*cc, "-shared", "-fPIC", "-o", output, object};
  for (const std::string& a : options.archives) args.push_back(a);
  args.push_back("-Wl,--no-undefined");
  args.push_back("-Wl,-z,now");
  if (!options.soname.empty()) args.push_back("-Wl,-soname," + options.soname);
  if (!options.exports.empty()) args.push_back("-Wl,--version-script=" + std::string(script.path));

  std::vector<llvm::StringRef> argv(args.begin(), args.end());
  std::string command;
  for (const std::string& a : args) command += (command.empty() ? "" : " ") + ShellQuote(a);
  llvm::StringRef log_path = log.path;
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), log_path, log_path};
  std::string exec_error;
  bool exec_failed = false;
  int status = llvm::sys::ExecuteAndWait(*cc, argv, std::nullopt, redirects, /*SecondsToWait=*/120,
                                         0, &exec_error, &exec_failed);
  std::string printed;
  if (auto buf = llvm::MemoryBuffer::getFile(log.path)) printed = Trim((*buf)->getBuffer().str());
  if (exec_failed) return fail("cannot run `" + *cc + "`: " + exec_error, command, printed);
  if (status != 0) {
    std::string message = status < 0 ? "`" + *cc + "` " + (exec_error.empty() ? "crashed" : exec_error)
                                     : "`" + *cc + "` exited with status " + std::to_string(status);
    return fail(message, command, printed);
  }
  if (!llvm::sys::fs::exists(output)) return fail("`" + *cc + "` wrote no `" + output + "`", command, printed);
  return std::nullopt;
}

}  // namespace edict::backend
