// Linking an object file into a loadable module (`edict build`). LLVM 19 has no in-process
// linker without lld, so this runs the system C compiler driver: `cc -shared`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace edict::backend {

struct LinkOptions {
  // The compiler driver: a path or a name looked up on PATH. Empty: $EDICT_CC, else `cc`.
  std::string cc;
  // Static archives linked after the object (the runtime builtins, when the code calls them).
  std::vector<std::string> archives;
  // The only symbols the library exports (a linker version script); empty: no script.
  std::vector<std::string> exports;
  std::string soname;  // DT_SONAME; empty: none
};

struct LinkError {
  enum Kind { NoCompiler, Failed } kind = Failed;
  std::string message;  // one line: why
  std::string command;  // the command line that ran (Failed)
  std::string output;   // what it printed (Failed), trimmed
};

// Finds the compiler driver of `options.cc` (see LinkOptions). Returns its path, or nullopt with
// `error` set to a reason.
auto FindCCompiler(const std::string& preferred, std::string& error) -> std::optional<std::string>;

// Links `object` into the shared library `output`, with -Wl,--no-undefined so that a missing
// helper is a link error rather than a load-time one. Returns nullopt on success.
auto LinkSharedLibrary(const std::string& object, const std::string& output,
                       const LinkOptions& options) -> std::optional<LinkError>;

}  // namespace edict::backend
