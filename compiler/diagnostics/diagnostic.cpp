#include "diagnostics/diagnostic.h"

#include <algorithm>

namespace edict {
namespace {

constexpr DiagKindInfo kKinds[] = {
#define EDICT_DIAGNOSTIC(Code, Name, Sev, Format) {#Code, #Name, Severity::Sev, Format, ""},
#define EDICT_WARNING(Code, Name, Flag, Format) {#Code, #Name, Severity::Warning, Format, #Flag},
#include "diagnostics/diagnostic_kinds.def"
};

// `#Flag` of a flag with a dash (dangling-doc) stringizes with spaces around the dash.
auto NormalizeFlag(std::string_view flag) -> std::string {
  std::string out;
  for (char c : flag) {
    if (c != ' ') out += c;
  }
  return out;
}

}  // namespace

auto GetKindInfo(DiagKind kind) -> const DiagKindInfo& {
  return kKinds[static_cast<size_t>(kind)];
}

auto FindKind(std::string_view code_or_flag) -> DiagKind {
  for (size_t i = 0; i < static_cast<size_t>(DiagKind::kCount); ++i) {
    if (code_or_flag == kKinds[i].code || code_or_flag == NormalizeFlag(kKinds[i].flag)) {
      return static_cast<DiagKind>(i);
    }
  }
  return DiagKind::kCount;
}

void DiagnosticBuilder::Emit() {
  if (engine_ == nullptr) return;
  std::exchange(engine_, nullptr)->Report(std::move(diag_));
}

void DiagnosticEngine::Report(Diagnostic diag) {
  for (const auto& [kind, file] : suppressed_) {
    if (diag.kind == kind && diag.range.file == file) return;
  }
  if (diag.severity == Severity::Warning) {
    if (std::find(options_.disabled.begin(), options_.disabled.end(), diag.kind) !=
        options_.disabled.end()) {
      return;
    }
    if (options_.warnings_as_errors) diag.severity = Severity::Error;
  }
  diag.order = next_order_++;
  if (diag.severity == Severity::Error) ++error_count_;
  if (diag.severity == Severity::Warning) ++warning_count_;
  diags_.push_back(std::move(diag));
}

auto DiagnosticEngine::Sorted() const -> std::vector<Diagnostic> {
  std::vector<Diagnostic> out = diags_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    auto key = [](const Diagnostic& d) {
      return std::make_tuple(d.range.file.index, d.range.begin,
                             -static_cast<int>(d.severity), d.order);
    };
    return key(a) < key(b);
  });
  return out;
}

void DiagnosticEngine::Clear() {
  diags_.clear();
  error_count_ = warning_count_ = 0;
}

}  // namespace edict
