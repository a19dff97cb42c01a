// A small Wadler/Prettier-style pretty-printing engine used by `edict fmt`. The formatter builds a
// Doc tree (text, line breaks, indentation, groups that print flat when they fit) and Print lays it
// out within a column limit. The layout is a pure function of the Doc, which is what makes the
// formatter idempotent.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace edict::format {

enum class DocKind : unsigned char {
  Text,         // literal text; `verbatim` text (comments) is never trimmed
  Concat,       // children in order
  Line,         // a possible line break: see LineMode
  Indent,       // children[0] with `indent` more columns on the lines it breaks
  Align,        // children[0] with the lines it breaks indented to the column where it starts
  Group,        // children[0] flat if it fits on the rest of the line, else broken
  Fill,         // children = content, separator, content, …: breaks only the separators it must
  IfBreak,      // children[0] when the enclosing group is broken, children[1] when flat
  LineSuffix,   // text deferred to the end of the current line (trailing comments)
  BreakParent,  // forces every enclosing group to break
};

enum class LineMode : unsigned char {
  Space,  // " " when flat
  Soft,   // "" when flat
  Hard,   // always a newline
};

struct DocNode {
  DocKind kind = DocKind::Text;
  std::string text;
  bool verbatim = false;
  LineMode line = LineMode::Space;
  int indent = 0;
  bool should_break = false;
  std::vector<std::shared_ptr<DocNode>> children;
};
using Doc = std::shared_ptr<DocNode>;

auto Text(std::string text) -> Doc;
// Comment text: printed exactly as given (it may contain newlines).
auto Verbatim(std::string text) -> Doc;
auto Concat(std::vector<Doc> parts) -> Doc;
auto Line() -> Doc;
auto SoftLine() -> Doc;
auto HardLine() -> Doc;
auto Indent(Doc doc, int columns = 2) -> Doc;
auto Align(Doc doc) -> Doc;
auto Group(Doc doc, bool should_break = false) -> Doc;
auto Fill(std::vector<Doc> parts) -> Doc;
auto IfBreak(Doc broken, Doc flat = nullptr) -> Doc;
auto LineSuffix(std::string text) -> Doc;
auto BreakParent() -> Doc;

// Lays out `doc` within `width` columns. Groups that contain a hard line or a BreakParent are
// broken. No line ends in whitespace that the layout added; verbatim text is kept as is.
auto Print(const Doc& doc, int width) -> std::string;

// Display width of UTF-8 text in Unicode scalar values.
auto TextWidth(const std::string& text) -> int;

}  // namespace edict::format
