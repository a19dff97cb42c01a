// Diagnostics: the registry of kinds (diagnostic_kinds.def), one reported Diagnostic, and the
// DiagnosticEngine that collects them from every phase. Phases report user mistakes here and keep
// going; they never throw or abort on user input.
//
//   diags.Build(field.range, diag::UnknownField, name)
//       .Label("unknown field")
//       .Note(input.range, "`input` declared here")
//       .Help("did you mean `{0}`?", guess)
//       .Emit();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llvm/Support/FormatVariadic.h"
#include "source/source_manager.h"

namespace edict {

enum class Severity : uint8_t { Note, Warning, Error };

enum class DiagKind : uint16_t {
#define EDICT_DIAGNOSTIC(Code, Name, Severity, Format) Name,
#include "diagnostics/diagnostic_kinds.def"
  kCount
};

namespace diag {
#define EDICT_DIAGNOSTIC(Code, Name, Severity, Format) \
  inline constexpr DiagKind Name = DiagKind::Name;
#include "diagnostics/diagnostic_kinds.def"
}  // namespace diag

struct DiagKindInfo {
  const char* code;    // "E0203"
  const char* name;    // "UnknownField"
  Severity severity;
  const char* format;  // llvm::formatv format
  const char* flag;    // warnings: the name used by `-W no-<flag>`; "" for errors
};
auto GetKindInfo(DiagKind kind) -> const DiagKindInfo&;
// Finds a kind by its code ("E0203") or warning flag ("unused"); kCount when unknown.
auto FindKind(std::string_view code_or_flag) -> DiagKind;

struct DiagNote {
  SourceRange range;  // invalid for a note without a location
  std::string message;
};

struct Diagnostic {
  DiagKind kind = DiagKind::kCount;
  Severity severity = Severity::Error;
  SourceRange range;      // primary range; invalid for file-less diagnostics
  std::string message;
  std::string label;      // text printed beside the primary caret range
  std::vector<DiagNote> notes;
  std::vector<std::string> help;
  uint32_t order = 0;     // emission order, the last sort key
};

class DiagnosticEngine;

// Accumulates the parts of one diagnostic; Emit() hands it to the engine. A builder that is
// destroyed without Emit() emits itself, so a forgotten Emit() never loses a diagnostic.
class DiagnosticBuilder {
 public:
  DiagnosticBuilder(DiagnosticEngine* engine, Diagnostic diag)
      : engine_(engine), diag_(std::move(diag)) {}
  DiagnosticBuilder(DiagnosticBuilder&& other) noexcept
      : engine_(std::exchange(other.engine_, nullptr)), diag_(std::move(other.diag_)) {}
  DiagnosticBuilder(const DiagnosticBuilder&) = delete;
  DiagnosticBuilder& operator=(const DiagnosticBuilder&) = delete;
  ~DiagnosticBuilder() { Emit(); }

  template <typename... Ts>
  auto Label(const char* format, Ts&&... args) -> DiagnosticBuilder& {
    diag_.label = llvm::formatv(format, std::forward<Ts>(args)...).str();
    return *this;
  }
  template <typename... Ts>
  auto Note(SourceRange range, const char* format, Ts&&... args) -> DiagnosticBuilder& {
    diag_.notes.push_back({range, llvm::formatv(format, std::forward<Ts>(args)...).str()});
    return *this;
  }
  template <typename... Ts>
  auto Help(const char* format, Ts&&... args) -> DiagnosticBuilder& {
    diag_.help.push_back(llvm::formatv(format, std::forward<Ts>(args)...).str());
    return *this;
  }
  void Emit();

 private:
  DiagnosticEngine* engine_;
  Diagnostic diag_;
};

struct DiagnosticOptions {
  int error_limit = 20;                  // stop rendering after this many errors; 0 = no limit
  bool warnings_as_errors = false;
  std::vector<DiagKind> disabled;        // warnings switched off with -W no-<flag>
};

class DiagnosticEngine {
 public:
  explicit DiagnosticEngine(const SourceManager& sources, DiagnosticOptions options = {})
      : sources_(sources), options_(std::move(options)) {}

  template <typename... Ts>
  auto Build(SourceRange range, DiagKind kind, Ts&&... args) -> DiagnosticBuilder {
    Diagnostic d;
    d.kind = kind;
    d.severity = GetKindInfo(kind).severity;
    d.range = range;
    d.message = llvm::formatv(GetKindInfo(kind).format, std::forward<Ts>(args)...).str();
    return DiagnosticBuilder(this, std::move(d));
  }

  void Report(Diagnostic diag);

  auto error_count() const -> int { return error_count_; }
  auto warning_count() const -> int { return warning_count_; }
  auto has_errors() const -> bool { return error_count_ > 0; }
  auto sources() const -> const SourceManager& { return sources_; }
  auto options() const -> const DiagnosticOptions& { return options_; }

  // All diagnostics reported so far, sorted by (file, offset), then severity (errors first), then
  // emission order.
  auto Sorted() const -> std::vector<Diagnostic>;
  // Drops every diagnostic reported so far (used by tools that probe, like the fuzzer).
  void Clear();
  // From now on, drops diagnostics of `kind` located in `file` (after a failed import, the
  // names it would have declared are not reported as unknown one by one).
  void Suppress(DiagKind kind, FileId file) { suppressed_.push_back({kind, file}); }

 private:
  const SourceManager& sources_;
  DiagnosticOptions options_;
  std::vector<Diagnostic> diags_;
  std::vector<std::pair<DiagKind, FileId>> suppressed_;
  int error_count_ = 0;
  int warning_count_ = 0;
  uint32_t next_order_ = 0;
};

}  // namespace edict
