#include "driver/render.h"

#include <algorithm>
#include <fmt/format.h>

namespace edict::driver {
namespace {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

class TextRenderer {
 public:
  TextRenderer(const SourceManager& sources, const RenderOptions& options, std::ostream& out)
      : sources_(sources), options_(options), out_(out) {}

  void Render(const Diagnostic& d) {
    const DiagKindInfo& info = GetKindInfo(d.kind);
    std::string head = fmt::format("{}[{}]", SeverityName(d.severity), info.code);
    if (options_.color) {
      head = fmt::format("\x1b[1;{}m{}\x1b[0m", d.severity == Severity::Error ? 31 : 35, head);
    }
    Located(d.range, head, d.message);
    if (options_.snippets && d.range.valid()) Snippet(d.range, d.label);
    for (const DiagNote& n : d.notes) {
      Located(n.range, "note", n.message);
      if (options_.snippets && n.range.valid()) Snippet(n.range, "");
    }
    for (const std::string& h : d.help) out_ << "help: " << h << "\n";
  }

 private:
  void Located(SourceRange r, std::string_view what, std::string_view message) {
    if (r.valid()) {
      LineCol lc = sources_.GetLineCol(r.file, r.begin);
      out_ << sources_.path(r.file) << ":" << lc.line << ":" << lc.col << ": ";
    }
    out_ << what << ": " << message << "\n";
  }

  void Snippet(SourceRange r, std::string_view label) {
    LineCol begin = sources_.GetLineCol(r.file, r.begin);
    LineCol end = sources_.GetLineCol(r.file, r.end);
    std::string_view line = sources_.GetLineText(r.file, begin.line);
    // Split the line into code points; invalid bytes show as `?`, tabs as one space so that the
    // caret line stays aligned (columns count code points).
    std::vector<std::string> cps;
    for (size_t i = 0; i < line.size();) {
      size_t len = 1;
      while (i + len < line.size() && (static_cast<unsigned char>(line[i + len]) & 0xC0) == 0x80) {
        ++len;
      }
      std::string cp(line.substr(i, len));
      if (cp == "\t") cp = " ";
      if (FindInvalidUtf8(cp)) cp = "?";
      cps.push_back(std::move(cp));
      i += len;
    }
    uint32_t line_len = static_cast<uint32_t>(cps.size());
    uint32_t last_col = end.line == begin.line ? end.col : line_len + 1;
    uint32_t width = last_col > begin.col ? last_col - begin.col : 1;
    // Long lines show a window around the range.
    constexpr uint32_t kBefore = 40, kMaxShown = 100;
    uint32_t first = line_len > kMaxShown && begin.col > kBefore + 1 ? begin.col - kBefore : 1;
    uint32_t shown_end = std::min<uint32_t>(line_len + 1, first + kMaxShown);
    std::string shown = first > 1 ? "..." : "";
    for (uint32_t c = first; c < shown_end; ++c) shown += cps[c - 1];
    if (shown_end <= line_len) shown += "...";
    uint32_t caret_col = begin.col - first + (first > 1 ? 3 : 0);
    width = std::min(width, std::max<uint32_t>(1, shown_end - begin.col));
    std::string gutter = fmt::format("{:>5}", begin.line);
    out_ << gutter << " | " << shown << "\n";
    out_ << std::string(gutter.size(), ' ') << " | " << std::string(caret_col, ' ') << "^"
         << std::string(width - 1, '~');
    if (!label.empty()) out_ << " " << label;
    out_ << "\n";
  }

  const SourceManager& sources_;
  const RenderOptions& options_;
  std::ostream& out_;
};

void JsonRange(const SourceManager& sources, SourceRange r, std::ostream& out) {
  LineCol b = sources.GetLineCol(r.file, r.begin);
  LineCol e = sources.GetLineCol(r.file, r.end);
  out << "{\"file\": \"" << JsonEscape(sources.path(r.file)) << "\", \"start\": {\"line\": "
      << b.line << ", \"col\": " << b.col << ", \"offset\": " << r.begin
      << "}, \"end\": {\"line\": " << e.line << ", \"col\": " << e.col
      << ", \"offset\": " << r.end << "}}";
}

}  // namespace

void RenderText(const DiagnosticEngine& diags, const RenderOptions& options, std::ostream& out) {
  TextRenderer renderer(diags.sources(), options, out);
  int errors = 0;
  for (const Diagnostic& d : diags.Sorted()) {
    if (d.severity == Severity::Error && options.error_limit > 0 &&
        errors == options.error_limit) {
      out << "note: too many errors; stopping\n";
      break;
    }
    if (d.severity == Severity::Error) ++errors;
    renderer.Render(d);
  }
  std::vector<std::string> parts;
  auto count = [&](int n, const char* word) {
    if (n > 0) parts.push_back(fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"));
  };
  count(diags.error_count(), "error");
  count(diags.warning_count(), "warning");
  if (!parts.empty()) out << fmt::format("{} generated.\n", fmt::join(parts, ", "));
}

void RenderJson(const DiagnosticEngine& diags, std::ostream& out) {
  const SourceManager& sources = diags.sources();
  out << "{\"diagnostics\": [";
  bool first = true;
  for (const Diagnostic& d : diags.Sorted()) {
    const DiagKindInfo& info = GetKindInfo(d.kind);
    out << (first ? "" : ",") << "\n  {\"code\": \"" << info.code << "\", \"name\": \""
        << info.name << "\", \"severity\": \"" << SeverityName(d.severity)
        << "\", \"message\": \"" << JsonEscape(d.message) << "\", \"range\": ";
    first = false;
    if (d.range.valid()) {
      JsonRange(sources, d.range, out);
    } else {
      out << "null";
    }
    out << ", \"labels\": [";
    if (!d.label.empty() && d.range.valid()) {
      out << "{\"range\": ";
      JsonRange(sources, d.range, out);
      out << ", \"message\": \"" << JsonEscape(d.label) << "\"}";
    }
    out << "], \"notes\": [";
    for (size_t i = 0; i < d.notes.size(); ++i) {
      out << (i ? ", " : "") << "{\"message\": \"" << JsonEscape(d.notes[i].message)
          << "\", \"range\": ";
      if (d.notes[i].range.valid()) {
        JsonRange(sources, d.notes[i].range, out);
      } else {
        out << "null";
      }
      out << "}";
    }
    out << "], \"help\": [";
    for (size_t i = 0; i < d.help.size(); ++i) {
      out << (i ? ", " : "") << "\"" << JsonEscape(d.help[i]) << "\"";
    }
    out << "]}";
  }
  out << (first ? "" : "\n") << "], \"errors\": " << diags.error_count()
      << ", \"warnings\": " << diags.warning_count() << "}\n";
}

}  // namespace edict::driver
