// libFuzzer target for the front end: any bytes go through parse and sema, and must end in
// diagnostics, never a crash, hang or leak. When an input parses without errors, formatting it
// must give text that parses again without errors and formats to itself (fmt is idempotent).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "diagnostics/diagnostic.h"
#include "format/formatter.h"
#include "parse/parser.h"
#include "sema/sema.h"

namespace {

void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "fuzz: %s\n--- first ---\n%s\n--- second ---\n%s\n", what, a.c_str(),
               b.c_str());
  std::abort();
}

auto FormatText(const std::string& text, bool& ok) -> std::string {
  edict::SourceManager sources;
  edict::DiagnosticEngine diags(sources);
  edict::FileId file = sources.AddFile("fuzz.edict", text);
  auto module = edict::parse::Parse(file, sources, diags);
  ok = module.has_value() && !diags.has_errors();
  return ok ? edict::format::Format(*module, sources) : std::string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);

  edict::SourceManager sources;
  edict::DiagnosticEngine diags(sources);
  edict::sema::SemaOptions options;
  options.stdlib_dir = EDICT_STDLIB_DIR;
  edict::sema::ModuleLoader loader(sources, diags, options);
  edict::FileId file = sources.AddFile("fuzz.edict", text);
  auto module = edict::parse::Parse(file, sources, diags);
  bool parsed_clean = module.has_value() && !diags.has_errors();
  if (module) (void)edict::sema::Check(*module, loader, diags);

  if (parsed_clean) {
    bool ok1 = false, ok2 = false;
    std::string once = FormatText(text, ok1);
    if (!ok1) Fail("input parsed once but not twice", text, "");
    std::string twice = FormatText(once, ok2);
    if (!ok2) Fail("formatted text does not parse", text, once);
    if (once != twice) Fail("fmt is not idempotent", once, twice);
  }
  return 0;
}
