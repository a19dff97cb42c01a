#include "format/doc.h"

#include <cstddef>
#include <utility>

namespace edict::format {

namespace {

auto Make(DocKind kind) -> Doc {
  auto d = std::make_shared<DocNode>();
  d->kind = kind;
  return d;
}

auto MakeLine(LineMode mode) -> Doc {
  Doc d = Make(DocKind::Line);
  d->line = mode;
  return d;
}

// Marks every group that contains a forced break as broken. Returns whether `doc` contains one.
auto PropagateBreaks(DocNode& doc) -> bool {
  bool forced = false;
  switch (doc.kind) {
    case DocKind::Text:
      return false;
    case DocKind::LineSuffix:
      return false;
    case DocKind::BreakParent:
      return true;
    case DocKind::Line:
      return doc.line == LineMode::Hard;
    case DocKind::IfBreak:
      // Only the broken branch can be printed when a break is forced, but a forced break in the
      // flat branch would contradict flatness; count both.
      for (auto& c : doc.children) {
        if (c && PropagateBreaks(*c)) forced = true;
      }
      return forced;
    case DocKind::Group:
      for (auto& c : doc.children) {
        if (c && PropagateBreaks(*c)) forced = true;
      }
      if (forced) doc.should_break = true;
      return doc.should_break;
    case DocKind::Concat:
    case DocKind::Indent:
    case DocKind::Align:
    case DocKind::Fill:
      for (auto& c : doc.children) {
        if (c && PropagateBreaks(*c)) forced = true;
      }
      return forced;
  }
  return forced;
}

enum class Mode : unsigned char { Flat, Break };

struct Cmd {
  int indent;
  Mode mode;
  const DocNode* doc;
  size_t fill_start = 0;  // Fill: index of the first remaining part
};

// Width of `text` up to its first newline; `has_newline` tells whether there is one.
auto FirstLineWidth(const std::string& text, bool* has_newline) -> int {
  size_t nl = text.find('\n');
  *has_newline = nl != std::string::npos;
  return TextWidth(nl == std::string::npos ? text : text.substr(0, nl));
}

// Whether `next` (then the commands in `rest`, from the top) fits in `width` columns up to the
// next line break. With `must_be_flat`, a broken group in `next` does not fit.
auto Fits(Cmd next, const std::vector<Cmd>& rest, int width, bool must_be_flat) -> bool {
  std::vector<Cmd> cmds{next};
  size_t rest_idx = rest.size();
  while (width >= 0) {
    if (cmds.empty()) {
      if (rest_idx == 0) return true;
      cmds.push_back(rest[--rest_idx]);
      continue;
    }
    Cmd cmd = cmds.back();
    cmds.pop_back();
    const DocNode& d = *cmd.doc;
    switch (d.kind) {
      case DocKind::Text: {
        bool nl = false;
        width -= FirstLineWidth(d.text, &nl);
        if (nl) return width >= 0;
        break;
      }
      case DocKind::Concat:
      case DocKind::Indent:
      case DocKind::Align:
        for (size_t i = d.children.size(); i-- > 0;) {
          if (d.children[i]) cmds.push_back({cmd.indent, cmd.mode, d.children[i].get()});
        }
        break;
      case DocKind::Fill:
        for (size_t i = d.children.size(); i-- > cmd.fill_start;) {
          if (d.children[i]) cmds.push_back({cmd.indent, cmd.mode, d.children[i].get()});
        }
        break;
      case DocKind::Group: {
        if (must_be_flat && d.should_break) return false;
        Mode m = d.should_break ? Mode::Break : cmd.mode;
        cmds.push_back({cmd.indent, m, d.children[0].get()});
        break;
      }
      case DocKind::IfBreak: {
        const Doc& branch = cmd.mode == Mode::Break ? d.children[0] : d.children[1];
        if (branch) cmds.push_back({cmd.indent, cmd.mode, branch.get()});
        break;
      }
      case DocKind::Line:
        if (cmd.mode == Mode::Break || d.line == LineMode::Hard) return true;
        if (d.line == LineMode::Space) width -= 1;
        break;
      case DocKind::LineSuffix:
      case DocKind::BreakParent:
        break;
    }
  }
  return false;
}

class Printer {
 public:
  explicit Printer(int width) : width_(width) {}

  auto Run(const DocNode& root) -> std::string {
    stack_.push_back({0, Mode::Break, &root});
    while (!stack_.empty()) {
      Cmd cmd = stack_.back();
      stack_.pop_back();
      Step(cmd);
    }
    FlushSuffixes();
    return std::move(out_);
  }

 private:
  void Emit(const std::string& text, bool verbatim) {
    if (text.empty()) return;
    if (pending_indent_ >= 0) {
      out_.append(static_cast<size_t>(pending_indent_), ' ');
      pending_indent_ = -1;
    }
    out_ += text;
    size_t nl = text.rfind('\n');
    if (nl == std::string::npos) {
      pos_ += TextWidth(text);
    } else {
      pos_ = TextWidth(text.substr(nl + 1));
    }
    if (verbatim) {
      trimmable_ = 0;
    } else {
      size_t n = 0;
      while (n < text.size() && text[text.size() - 1 - n] == ' ') ++n;
      trimmable_ = n == text.size() ? trimmable_ + n : n;
    }
  }

  void Newline(int indent) {
    out_.resize(out_.size() - static_cast<size_t>(trimmable_));
    trimmable_ = 0;
    out_ += '\n';
    pending_indent_ = indent;
    pos_ = indent;
  }

  void FlushSuffixes() {
    for (const std::string& s : suffixes_) Emit(s, /*verbatim=*/true);
    suffixes_.clear();
  }

  void Step(const Cmd& cmd) {
    const DocNode& d = *cmd.doc;
    switch (d.kind) {
      case DocKind::Text:
        Emit(d.text, d.verbatim);
        break;
      case DocKind::Concat:
        for (size_t i = d.children.size(); i-- > 0;) {
          if (d.children[i]) stack_.push_back({cmd.indent, cmd.mode, d.children[i].get()});
        }
        break;
      case DocKind::Indent:
        stack_.push_back({cmd.indent + d.indent, cmd.mode, d.children[0].get()});
        break;
      case DocKind::Align:
        stack_.push_back({pos_, cmd.mode, d.children[0].get()});
        break;
      case DocKind::Group: {
        if (cmd.mode == Mode::Flat && !d.should_break) {
          stack_.push_back({cmd.indent, Mode::Flat, d.children[0].get()});
          break;
        }
        Cmd flat{cmd.indent, Mode::Flat, d.children[0].get()};
        if (!d.should_break && Fits(flat, stack_, width_ - pos_, false)) {
          stack_.push_back(flat);
        } else {
          stack_.push_back({cmd.indent, Mode::Break, d.children[0].get()});
        }
        break;
      }
      case DocKind::Fill:
        StepFill(cmd);
        break;
      case DocKind::IfBreak: {
        const Doc& branch = cmd.mode == Mode::Break ? d.children[0] : d.children[1];
        if (branch) stack_.push_back({cmd.indent, cmd.mode, branch.get()});
        break;
      }
      case DocKind::LineSuffix:
        suffixes_.push_back(d.text);
        break;
      case DocKind::BreakParent:
        break;
      case DocKind::Line:
        if (cmd.mode == Mode::Flat && d.line != LineMode::Hard) {
          if (d.line == LineMode::Space) Emit(" ", false);
          break;
        }
        if (!suffixes_.empty()) {
          stack_.push_back(cmd);
          FlushSuffixes();
          break;
        }
        Newline(cmd.indent);
        break;
    }
  }

  // Prettier's fill: print each content flat if it fits, and break a separator only when the
  // content after it does not fit on the line.
  void StepFill(const Cmd& cmd) {
    const DocNode& d = *cmd.doc;
    size_t n = d.children.size() - cmd.fill_start;
    if (n == 0) return;
    int rem = width_ - pos_;
    const DocNode* content = d.children[cmd.fill_start].get();
    Cmd content_flat{cmd.indent, Mode::Flat, content};
    Cmd content_break{cmd.indent, Mode::Break, content};
    bool content_fits = Fits(content_flat, n <= 2 ? stack_ : std::vector<Cmd>{}, rem, n > 2);
    if (n == 1) {
      stack_.push_back(content_fits ? content_flat : content_break);
      return;
    }
    const DocNode* sep = d.children[cmd.fill_start + 1].get();
    Cmd sep_flat{cmd.indent, Mode::Flat, sep};
    Cmd sep_break{cmd.indent, Mode::Break, sep};
    if (n == 2) {
      stack_.push_back(content_fits ? sep_flat : sep_break);
      stack_.push_back(content_fits ? content_flat : content_break);
      return;
    }
    Cmd remaining{cmd.indent, cmd.mode, cmd.doc, cmd.fill_start + 2};
    // The first two contents with the separator between them, flat. For the last pair, what
    // follows the fill up to the next line break must fit too.
    DocNode pair;
    pair.kind = DocKind::Concat;
    pair.children = {d.children[cmd.fill_start], d.children[cmd.fill_start + 1],
                     d.children[cmd.fill_start + 2]};
    Cmd pair_flat{cmd.indent, Mode::Flat, &pair};
    bool last_pair = n == 3;
    bool pair_fits =
        last_pair ? Fits(pair_flat, stack_, rem, false) : Fits(pair_flat, {}, rem, true);
    stack_.push_back(remaining);
    if (pair_fits) {
      stack_.push_back(sep_flat);
      stack_.push_back(content_flat);
    } else if (content_fits) {
      stack_.push_back(sep_break);
      stack_.push_back(content_flat);
    } else {
      stack_.push_back(sep_break);
      stack_.push_back(content_break);
    }
  }

  int width_;
  int pos_ = 0;
  int pending_indent_ = -1;
  int trimmable_ = 0;
  std::string out_;
  std::vector<Cmd> stack_;
  std::vector<std::string> suffixes_;
};

}  // namespace

auto TextWidth(const std::string& text) -> int {
  int n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

auto Text(std::string text) -> Doc {
  Doc d = Make(DocKind::Text);
  d->text = std::move(text);
  return d;
}

auto Verbatim(std::string text) -> Doc {
  Doc d = Make(DocKind::Text);
  d->text = std::move(text);
  d->verbatim = true;
  return d;
}

auto Concat(std::vector<Doc> parts) -> Doc {
  Doc d = Make(DocKind::Concat);
  d->children = std::move(parts);
  return d;
}

auto Line() -> Doc { return MakeLine(LineMode::Space); }
auto SoftLine() -> Doc { return MakeLine(LineMode::Soft); }
auto HardLine() -> Doc { return MakeLine(LineMode::Hard); }

auto Indent(Doc doc, int columns) -> Doc {
  Doc d = Make(DocKind::Indent);
  d->indent = columns;
  d->children = {std::move(doc)};
  return d;
}

auto Align(Doc doc) -> Doc {
  Doc d = Make(DocKind::Align);
  d->children = {std::move(doc)};
  return d;
}

auto Group(Doc doc, bool should_break) -> Doc {
  Doc d = Make(DocKind::Group);
  d->should_break = should_break;
  d->children = {std::move(doc)};
  return d;
}

auto Fill(std::vector<Doc> parts) -> Doc {
  Doc d = Make(DocKind::Fill);
  d->children = std::move(parts);
  return d;
}

auto IfBreak(Doc broken, Doc flat) -> Doc {
  Doc d = Make(DocKind::IfBreak);
  d->children = {std::move(broken), std::move(flat)};
  return d;
}

auto LineSuffix(std::string text) -> Doc {
  Doc d = Make(DocKind::LineSuffix);
  d->text = std::move(text);
  return d;
}

auto BreakParent() -> Doc { return Make(DocKind::BreakParent); }

auto Print(const Doc& doc, int width) -> std::string {
  PropagateBreaks(*doc);
  return Printer(width).Run(*doc);
}

}  // namespace edict::format
