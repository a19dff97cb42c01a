#include "format/formatter.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "format/doc.h"

namespace edict::format {

namespace {

using namespace edict::ast;  // NOLINT(google-build-using-namespace): the formatter reads all of it

constexpr int kWidth = 100;
constexpr int kBlockIndent = 2;
// Continuation lines of a broken `and`/`or`/`implies` chain.
constexpr int kContinuationIndent = 4;
// `because`/`cite` of a rule or exemption and `where` of a test step.
constexpr int kClauseIndent = 2;

// Binding strength, loosest first (LANGUAGE.md §3).
enum Prec : int {
  kImplies = 0,
  kOr = 1,
  kAnd = 2,
  kNot = 3,
  kCompare = 4,
  kAdditive = 5,
  kMultiplicative = 6,
  kUnary = 7,
  kPrimary = 8,
};

auto PrecOf(BinaryOp op) -> int {
  switch (op) {
    case BinaryOp::Implies:
      return kImplies;
    case BinaryOp::Or:
      return kOr;
    case BinaryOp::And:
      return kAnd;
    case BinaryOp::Eq:
    case BinaryOp::Ne:
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
    case BinaryOp::In:
    case BinaryOp::NotIn:
      return kCompare;
    case BinaryOp::Add:
    case BinaryOp::Sub:
      return kAdditive;
    case BinaryOp::Mul:
    case BinaryOp::Div:
    case BinaryOp::Rem:
      return kMultiplicative;
  }
  return kPrimary;
}

auto PrecOf(const Expr& e) -> int {
  if (e.kind == ExprKind::Binary) return PrecOf(static_cast<const BinaryExpr&>(e).op);
  if (e.kind == ExprKind::Unary) {
    return static_cast<const UnaryExpr&>(e).op == UnaryOp::Not ? kNot : kUnary;
  }
  return kPrimary;
}

auto TypeText(const TypeRef& t) -> std::string {
  switch (t.kind) {
    case TypeRefKind::Bool:
      return "bool";
    case TypeRefKind::Int:
      return "int";
    case TypeRefKind::Float:
      return "float";
    case TypeRefKind::String:
      return "string";
    case TypeRefKind::Date:
      return "date";
    case TypeRefKind::Set:
      return "set<" + (t.element ? TypeText(*t.element) : "?") + ">";
    case TypeRefKind::Named:
      return t.name.str();
  }
  return "?";
}

auto Join(std::vector<Doc> parts, const std::function<Doc()>& separator) -> Doc {
  std::vector<Doc> out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back(separator());
    out.push_back(std::move(parts[i]));
  }
  return Concat(std::move(out));
}

// How the members of a list are separated and terminated.
enum class ListStyle : unsigned char {
  Comma,      // `a, b, c` on one line when it fits, else one per line with a trailing comma
  Semicolon,  // one per line, each ending in `;`
  TopLevel,   // declarations: one per line group, nothing after them
};

// One member of a list: its source range (for comment placement) and how to print it.
// `documented` members take the `///` comments directly before them as their doc (LANGUAGE.md
// §10): declarations, the header, input fields, enum members and tier arms.
struct Item {
  SourceRange range;
  std::function<Doc()> build;
  bool documented = false;
};

class Formatter {
 public:
  Formatter(const Module& module, const SourceManager& sources)
      : module_(module), consumed_(module.comments.size(), false) {
    if (module.file.valid()) text_ = sources.text(module.file);
  }

  auto Run() -> std::string {
    std::vector<Item> items;
    if (module_.header) {
      const Header* h = &*module_.header;
      items.push_back({h->range, [this, h] { return HeaderDoc(*h); }, true});
    }
    for (const DeclPtr& d : module_.decls) {
      const Decl* decl = d.get();
      items.push_back({decl->range, [this, decl] { return DeclDoc(*decl); }, true});
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.range.begin < b.range.begin; });
    uint32_t end = static_cast<uint32_t>(text_.size());
    for (const Comment& c : module_.comments) end = std::max(end, c.range.end);
    for (const Item& item : items) end = std::max(end, item.range.end);
    Doc body = BuildItems(items, 0, end, ListStyle::TopLevel);
    std::string out = body ? Print(body, kWidth) : std::string();
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (out.empty()) return out;
    return out + "\n";
  }

 private:
  // ------------------------------------------------------------------------------------------
  // Comments

  // Unconsumed comments starting in [lo, hi), in source order; marks them consumed.
  auto TakeComments(uint32_t lo, uint32_t hi) -> std::vector<const Comment*> {
    std::vector<const Comment*> out;
    const auto& cs = module_.comments;
    auto it = std::lower_bound(cs.begin(), cs.end(), lo,
                               [](const Comment& c, uint32_t v) { return c.range.begin < v; });
    for (size_t i = static_cast<size_t>(it - cs.begin()); i < cs.size(); ++i) {
      if (cs[i].range.begin >= hi) break;
      if (consumed_[i]) continue;
      consumed_[i] = true;
      out.push_back(&cs[i]);
    }
    return out;
  }

  // Comments after `end` on the same source line with only `,`, `;` and blanks before them (and
  // before `limit`): they stay at the end of the line of the node that ends at `end`.
  auto TakeTrailing(uint32_t end, uint32_t limit) -> std::vector<const Comment*> {
    std::vector<const Comment*> out;
    const auto& cs = module_.comments;
    auto it = std::lower_bound(cs.begin(), cs.end(), end,
                               [](const Comment& c, uint32_t v) { return c.range.begin < v; });
    uint32_t pos = end;
    for (size_t i = static_cast<size_t>(it - cs.begin()); i < cs.size(); ++i) {
      const Comment& c = cs[i];
      if (c.range.begin >= limit) break;
      if (consumed_[i]) continue;
      // A `///` line documents what follows it: it stays on its own line before that.
      if (c.kind == Comment::Kind::Doc) break;
      if (!OnlySeparatorsBetween(pos, c.range.begin)) break;
      consumed_[i] = true;
      out.push_back(&c);
      pos = c.range.end;
    }
    return out;
  }

  // The offset just after the first `{` at or after `from` outside comments and strings: where
  // the members of a braced declaration start. Comments before it belong to the declaration.
  auto AfterOpenBrace(uint32_t from, uint32_t limit) const -> uint32_t {
    limit = std::min<uint32_t>(limit, static_cast<uint32_t>(text_.size()));
    for (uint32_t i = from; i < limit; ++i) {
      char ch = text_[i];
      if (ch == '{') return i + 1;
      if (ch == '"') {
        for (++i; i < limit && text_[i] != '"' && text_[i] != '\n'; ++i) {
          if (text_[i] == '\\') ++i;
        }
      } else if (ch == '/' && i + 1 < limit && text_[i + 1] == '/') {
        while (i < limit && text_[i] != '\n') ++i;
      } else if (ch == '/' && i + 1 < limit && text_[i + 1] == '*') {
        size_t close = text_.find("*/", i + 2);
        if (close == std::string_view::npos || close >= limit) return limit;
        i = static_cast<uint32_t>(close) + 1;
      }
    }
    return from;
  }

  auto OnlySeparatorsBetween(uint32_t from, uint32_t to) const -> bool {
    if (to > text_.size() || from > to) return false;
    for (uint32_t i = from; i < to; ++i) {
      char ch = text_[i];
      if (ch != ' ' && ch != '\t' && ch != ',' && ch != ';') return false;
    }
    return true;
  }

  // Whether the source has an empty line between `from` and `to`.
  auto HasBlankLine(uint32_t from, uint32_t to) const -> bool {
    if (to > text_.size()) to = static_cast<uint32_t>(text_.size());
    bool seen_newline = false;
    for (uint32_t i = from; i < to; ++i) {
      char ch = text_[i];
      if (ch == '\n') {
        if (seen_newline) return true;
        seen_newline = true;
      } else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\f') {
        seen_newline = false;
      }
    }
    return false;
  }

  static auto CommentDoc(const Comment& c) -> Doc {
    return Concat({Verbatim(c.text), BreakParent()});
  }

  // Prints `items` as the members of a container spanning [begin, end) in the source, with every
  // comment of that span not claimed by a nested container: comments before a member go on their
  // own lines before it, comments after it on its line stay there, comments inside it that no
  // nested list claims go on their own lines before it, and the rest before the container's end.
  // Returns null when there is nothing to print.
  auto BuildItems(const std::vector<Item>& items, uint32_t begin, uint32_t end, ListStyle style)
      -> Doc {
    std::vector<Doc> parts;
    bool first = true;
    uint32_t last_end = begin;
    auto between = [&](bool blank) {
      if (!first) {
        parts.push_back(style == ListStyle::Comma ? Line() : HardLine());
        if (blank) parts.push_back(HardLine());
      }
      first = false;
    };
    auto add_comment = [&](const Comment& c, bool blank) {
      between(blank);
      parts.push_back(CommentDoc(c));
      last_end = c.range.end;
    };

    // `///` comments from inside a documented member: printed before it they would become its
    // doc, so they go to the end of the container, where they document nothing, as before.
    std::vector<const Comment*> deferred;
    for (size_t i = 0; i < items.size(); ++i) {
      const Item& item = items[i];
      bool last = i + 1 == items.size();
      std::vector<const Comment*> leading = TakeComments(begin, item.range.begin);
      Doc body = item.build();
      std::vector<const Comment*> inner;
      for (const Comment* c : TakeComments(item.range.begin, item.range.end)) {
        if (item.documented && c->kind == Comment::Kind::Doc) {
          deferred.push_back(c);
        } else {
          inner.push_back(c);
        }
      }
      // The run of `///` lines directly before the member stays directly before it; comments
      // moved out of the member go before that run.
      size_t doc_run = leading.size();
      while (doc_run > 0 && leading[doc_run - 1]->kind == Comment::Kind::Doc) --doc_run;
      for (size_t k = 0; k < doc_run; ++k) {
        add_comment(*leading[k], HasBlankLine(last_end, leading[k]->range.begin));
      }
      uint32_t next_begin =
          doc_run < leading.size() ? leading[doc_run]->range.begin : item.range.begin;
      bool blank = HasBlankLine(last_end, next_begin);
      for (const Comment* c : inner) {
        add_comment(*c, blank);
        blank = false;
      }
      for (size_t k = doc_run; k < leading.size(); ++k) {
        add_comment(*leading[k], !inner.empty() && k == doc_run
                                     ? false
                                     : HasBlankLine(last_end, leading[k]->range.begin));
      }
      if (doc_run < leading.size()) blank = HasBlankLine(last_end, item.range.begin);
      between(blank);
      parts.push_back(body);
      switch (style) {
        case ListStyle::Comma:
          parts.push_back(last ? IfBreak(Text(","), nullptr) : Text(","));
          break;
        case ListStyle::Semicolon:
          parts.push_back(Text(";"));
          break;
        case ListStyle::TopLevel:
          break;
      }
      uint32_t limit = last ? end : items[i + 1].range.begin;
      last_end = item.range.end;
      for (const Comment* c : TakeTrailing(item.range.end, limit)) {
        parts.push_back(LineSuffix(" " + c->text));
        parts.push_back(BreakParent());
        last_end = std::max(last_end, c->range.end);
      }
    }
    for (const Comment* c : TakeComments(begin, end)) {
      add_comment(*c, HasBlankLine(last_end, c->range.begin));
    }
    for (const Comment* c : deferred) add_comment(*c, false);
    if (parts.empty()) return nullptr;
    return Concat(std::move(parts));
  }

  // `open` members `close`: `{ a, b }` or one member per line. Empty: `{}`.
  auto Block(const std::string& open, const std::string& close, Doc inner, ListStyle style) -> Doc {
    if (!inner) return Text(open + close);
    if (style == ListStyle::Comma) {
      return Group(
          Concat({Text(open), Indent(Concat({Line(), inner}), kBlockIndent), Line(), Text(close)}));
    }
    return Concat(
        {Text(open), Indent(Concat({HardLine(), inner}), kBlockIndent), HardLine(), Text(close)});
  }

  // ------------------------------------------------------------------------------------------
  // Declarations

  auto HeaderDoc(const Header& h) -> Doc {
    std::string s = (h.is_module ? "module " : "policy ") + h.name.name;
    if (h.version) s += " version " + h.version->raw;
    if (h.effective) s += " effective " + FormatDate(h.effective->value);
    if (h.expires) s += " expires " + FormatDate(h.expires->value);
    return Text(s + ";");
  }

  auto DeclDoc(const Decl& d) -> Doc {
    switch (d.kind) {
      case DeclKind::Import: {
        const auto& i = static_cast<const ImportDecl&>(d);
        return Text("import " + i.path.str() + ";");
      }
      case DeclKind::Const:
      case DeclKind::Let:
      case DeclKind::Output: {
        const auto& v = static_cast<const ValueDecl&>(d);
        std::string head = std::string(Keyword(d.kind)) + " " + d.name.name;
        if (v.declared_type) head += ": " + TypeText(*v.declared_type);
        head += " = ";
        return Group(Concat({Text(head), ValueDoc(v.value.get()), Text(";")}));
      }
      case DeclKind::Enum:
      case DeclKind::Decision:
        return EnumDoc(static_cast<const EnumDecl&>(d));
      case DeclKind::Default: {
        const auto& def = static_cast<const DefaultDecl&>(d);
        return Text("default " + def.member.str() + ";");
      }
      case DeclKind::Input:
        return InputDoc(static_cast<const InputDecl&>(d));
      case DeclKind::Tiers:
        return TiersDoc(static_cast<const TiersDecl&>(d));
      case DeclKind::Cap:
        return CapDoc(static_cast<const CapDecl&>(d));
      case DeclKind::Rule:
        return RuleDoc(static_cast<const RuleDecl&>(d));
      case DeclKind::Exempt:
        return ExemptDoc(static_cast<const ExemptDecl&>(d));
      case DeclKind::Property: {
        const auto& p = static_cast<const PropertyDecl&>(d);
        return Group(
            Concat({Text("property " + d.name.name + ":"),
                    Indent(Concat({Line(), ValueDoc(p.expr.get())}), kClauseIndent), Text(";")}));
      }
      case DeclKind::Test:
        return TestDoc(static_cast<const TestDecl&>(d));
    }
    return Text("");
  }

  auto EnumDoc(const EnumDecl& d) -> Doc {
    std::vector<Item> items;
    for (const EnumMember& m : d.members) {
      const EnumMember* member = &m;
      SourceRange r = m.name.range;
      items.push_back({r, [member] { return Text(member->name.name); }, true});
    }
    Doc inner = BuildItems(items, AfterOpenBrace(d.range.begin, d.range.end), d.range.end,
                           ListStyle::Comma);
    return Concat({Text(std::string(Keyword(d.kind)) + " " + d.name.name + " "),
                   Block("{", "}", inner, ListStyle::Comma)});
  }

  auto InputDoc(const InputDecl& d) -> Doc {
    std::vector<Item> items;
    for (const auto& f : d.fields) {
      const Field* field = f.get();
      items.push_back({f->range,
                       [this, field] {
                         std::vector<Doc> parts{
                             Text(field->name.name + ": " + TypeText(field->type_ref))};
                         if (field->default_value) {
                           parts.push_back(Text(" = "));
                           parts.push_back(ValueDoc(field->default_value.get()));
                         }
                         return Group(Concat(std::move(parts)));
                       },
                       true});
    }
    Doc inner = BuildItems(items, AfterOpenBrace(d.range.begin, d.range.end), d.range.end,
                           ListStyle::Semicolon);
    return Concat({Text("input "), Block("{", "}", inner, ListStyle::Semicolon)});
  }

  auto TiersDoc(const TiersDecl& d) -> Doc {
    std::vector<Item> items;
    for (const TierArm& a : d.arms) {
      const TierArm* arm = &a;
      items.push_back(
          {a.range,
           [this, arm] {
             std::vector<Doc> alts;
             for (const Pattern& p : arm->patterns) alts.push_back(PatternDoc(p));
             if (alts.size() == 1) {
               return Concat({Text(arm->name.name + ": "), alts[0]});
             }
             Doc joined = Join(std::move(alts), [] { return Concat({Line(), Text("| ")}); });
             return Group(
                 Concat({Text(arm->name.name + ": "), Indent(joined, kContinuationIndent)}));
           },
           true});
    }
    Doc inner = BuildItems(items, AfterOpenBrace(d.range.begin, d.range.end), d.range.end,
                           ListStyle::Semicolon);
    return Concat({Text("tiers " + d.name.name + " of " + TypeText(d.of) + " "),
                   Block("{", "}", inner, ListStyle::Semicolon)});
  }

  auto PatternDoc(const Pattern& p) -> Doc {
    auto value = [&](size_t i) -> Doc {
      if (i >= p.values.size() || !p.values[i]) return Text("<error>");
      return ExprDoc(*p.values[i], kAdditive, true);
    };
    switch (p.kind) {
      case PatternKind::Otherwise:
        return Text("otherwise");
      case PatternKind::Set:
        return SetDoc(p.values, p.range);
      case PatternKind::Lt:
        return Concat({Text("< "), value(0)});
      case PatternKind::Le:
        return Concat({Text("<= "), value(0)});
      case PatternKind::Gt:
        return Concat({Text("> "), value(0)});
      case PatternKind::Ge:
        return Concat({Text(">= "), value(0)});
      case PatternKind::RangeExcl:
        return Concat({value(0), Text(" ..< "), value(1)});
      case PatternKind::RangeIncl:
        return Concat({value(0), Text(" ..= "), value(1)});
      case PatternKind::Name:
        return value(0);
    }
    return Text("<error>");
  }

  auto CapDoc(const CapDecl& d) -> Doc {
    std::vector<Item> items;
    for (const CapEntry& e : d.entries) {
      const CapEntry* entry = &e;
      items.push_back(
          {e.range, [this, entry] {
             std::vector<Doc> values;
             for (const ExprPtr& v : entry->values) values.push_back(ValueDoc(v.get()));
             if (values.size() == 1) {
               return Concat({Text(entry->label.name + ": "), values[0]});
             }
             Doc joined = Join(std::move(values), [] { return Concat({Text(","), Line()}); });
             return Group(
                 Concat({Text(entry->label.name + ": "), Indent(joined, kContinuationIndent)}));
           }});
    }
    Doc inner = BuildItems(items, AfterOpenBrace(d.range.begin, d.range.end), d.range.end,
                           ListStyle::Semicolon);
    return Concat({Text("cap " + d.name.name + " "), Block("{", "}", inner, ListStyle::Semicolon)});
  }

  static auto ValidityText(const Validity& v) -> std::string {
    std::string s;
    if (v.effective) s += " effective " + FormatDate(v.effective->value);
    if (v.until) s += " until " + FormatDate(v.until->value);
    return s;
  }

  // ` because "…" cite "…"` on the declaration's line when it fits, else on continuation lines.
  static auto ExplanationDoc(const Explanation& e) -> Doc {
    std::vector<Doc> clauses;
    if (e.because) clauses.push_back(Text("because " + e.because->raw));
    if (e.cite) clauses.push_back(Text("cite " + e.cite->raw));
    if (clauses.empty()) return Text("");
    return Indent(Concat({Line(), Group(Join(std::move(clauses), [] { return Line(); }))}),
                  kClauseIndent);
  }

  auto RuleDoc(const RuleDecl& r) -> Doc {
    return Group(Concat({Text("rule " + r.name.name + ValidityText(r.validity) + ": "),
                         ValueDoc(r.cond.get()), Text(" => " + r.outcome.str()),
                         ExplanationDoc(r.explanation), Text(";")}));
  }

  auto ExemptDoc(const ExemptDecl& e) -> Doc {
    std::string head = "exempt " + e.name.name + " from ";
    for (size_t i = 0; i < e.targets.size(); ++i) {
      if (i > 0) head += ", ";
      head += e.targets[i].str();
    }
    head += ValidityText(e.validity);
    return Group(Concat(
        {Text(head), Indent(Concat({Line(), Text("when "), ValueDoc(e.cond.get())}), kClauseIndent),
         ExplanationDoc(e.explanation), Text(";")}));
  }

  auto TestDoc(const TestDecl& t) -> Doc {
    std::string head = "test " + t.title.raw;
    if (t.today) head += " today " + FormatDate(t.today->value);
    std::vector<Item> items;
    for (const TestStep& s : t.steps) {
      const TestStep* step = &s;
      items.push_back({s.range, [this, step] { return StepDoc(*step); }});
    }
    Doc inner = BuildItems(items, AfterOpenBrace(t.range.begin, t.range.end), t.range.end,
                           ListStyle::Semicolon);
    return Concat({Text(head + " "), Block("{", "}", inner, ListStyle::Semicolon)});
  }

  // `check { … } [usage { … }] -> EXPECTATION [where EXPR]`. When the step does not fit on one
  // line, `usage` and `->` go to continuation lines and the request fills lines aligned after its
  // brace; a request holding comments lists one field per line instead.
  auto StepDoc(const TestStep& s) -> Doc {
    Doc kind = Text(s.kind == TestStep::Kind::Check ? "check " : "decide ");
    std::vector<Doc> tail;
    if (s.has_usage) {
      std::vector<Doc> entries;
      for (const UsageEntry& u : s.usage) {
        entries.push_back(Concat({Text(u.cap.name + ": "), ValueDoc(u.value.get())}));
      }
      tail.push_back(Line());
      tail.push_back(Text("usage "));
      tail.push_back(FillBraces(std::move(entries)));
    }
    std::string expect = "-> ";
    if (s.expects_error) {
      expect += "error " + s.error_code.name;
    } else {
      expect += s.outcome.str();
      if (s.has_by) {
        expect += " by ";
        if (s.by_nothing) {
          expect += "nothing";
        } else {
          for (size_t i = 0; i < s.by.size(); ++i) {
            if (i > 0) expect += ", ";
            expect += s.by[i].str();
          }
        }
      }
    }
    std::vector<Doc> expectation{Text(expect)};
    if (s.where) {
      expectation.push_back(Concat({Line(), Text("where "), ValueDoc(s.where.get())}));
    }
    tail.push_back(Line());
    tail.push_back(Group(Concat(std::move(expectation))));
    Doc tail_doc = Indent(Concat(std::move(tail)), kClauseIndent);
    if (HasComments(s.request_range.begin, s.request_range.end)) {
      // One field per line: what follows stays after the closing brace when it fits.
      Doc request = RequestDoc(s);
      return Concat({kind, request, Group(tail_doc)});
    }
    return Group(Concat({kind, RequestDoc(s), tail_doc}));
  }

  auto RequestDoc(const TestStep& s) -> Doc {
    if (HasComments(s.request_range.begin, s.request_range.end)) {
      std::vector<Item> fields;
      for (const RequestField& f : s.request) {
        const RequestField* field = &f;
        fields.push_back({f.range, [this, field] { return RequestFieldDoc(*field); }});
      }
      return Block("{", "}",
                   BuildItems(fields, s.request_range.begin, s.request_range.end, ListStyle::Comma),
                   ListStyle::Comma);
    }
    std::vector<Doc> fields;
    for (const RequestField& f : s.request) fields.push_back(RequestFieldDoc(f));
    return FillBraces(std::move(fields));
  }

  auto RequestFieldDoc(const RequestField& f) -> Doc {
    return Concat({Text(f.name.name + ": "), ValueDoc(f.value.get())});
  }

  // `{ a, b, c }` on one line, or filling lines aligned after `{ `. Empty: `{}`.
  static auto FillBraces(std::vector<Doc> elements) -> Doc {
    if (elements.empty()) return Text("{}");
    std::vector<Doc> parts;
    for (size_t i = 0; i < elements.size(); ++i) {
      bool last = i + 1 == elements.size();
      if (i > 0) parts.push_back(Line());
      parts.push_back(last ? elements[i] : Concat({elements[i], Text(",")}));
    }
    return Group(Concat({Text("{ "), Align(Fill(std::move(parts))), Text(" }")}));
  }

  auto HasComments(uint32_t lo, uint32_t hi) const -> bool {
    const auto& cs = module_.comments;
    for (size_t i = 0; i < cs.size(); ++i) {
      if (!consumed_[i] && cs[i].range.begin >= lo && cs[i].range.begin < hi) return true;
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // Expressions

  // An expression in a position that ends at a delimiter (`;`, `,`, `=>`, `}`).
  auto ValueDoc(const Expr* e) -> Doc {
    if (!e) return Text("<error>");
    return ExprDoc(*e, kImplies, true);
  }

  // `e` in a position that needs at least `min_prec`. `tail` tells whether the expression ends
  // where `e` ends: an `if` or `match` anywhere else needs parentheses, since its last branch
  // would extend over what follows.
  auto ExprDoc(const Expr& e, int min_prec, bool tail) -> Doc {
    bool greedy = e.kind == ExprKind::If || e.kind == ExprKind::Match;
    if (PrecOf(e) < min_prec || (greedy && !tail)) {
      return Concat({Text("("), BareExprDoc(e, true), Text(")")});
    }
    return BareExprDoc(e, tail);
  }

  // A child operand; null only in trees with parse errors.
  auto Operand(const Expr* e, int min_prec, bool tail) -> Doc {
    return e ? ExprDoc(*e, min_prec, tail) : Text("<error>");
  }

  auto BareExprDoc(const Expr& e, bool tail) -> Doc {
    switch (e.kind) {
      case ExprKind::IntLit:
        return Text(static_cast<const IntLitExpr&>(e).raw);
      case ExprKind::FloatLit:
        return Text(static_cast<const FloatLitExpr&>(e).raw);
      case ExprKind::StringLit:
        return Text(static_cast<const StringLitExpr&>(e).lit.raw);
      case ExprKind::DateLit:
        return Text(FormatDate(static_cast<const DateLitExpr&>(e).value));
      case ExprKind::BoolLit:
        return Text(static_cast<const BoolLitExpr&>(e).value ? "true" : "false");
      case ExprKind::Today:
        return Text("today");
      case ExprKind::Outcome:
        return Text("outcome");
      case ExprKind::Name:
        return Text(static_cast<const NameExpr&>(e).name.str());
      case ExprKind::Call:
        return CallDoc(static_cast<const CallExpr&>(e));
      case ExprKind::Unary: {
        const auto& u = static_cast<const UnaryExpr&>(e);
        if (u.op == UnaryOp::Not) {
          return Concat({Text("not "), Operand(u.operand.get(), kNot, tail)});
        }
        return Concat({Text("-"), Operand(u.operand.get(), kUnary, tail)});
      }
      case ExprKind::Binary:
        return BinaryDoc(static_cast<const BinaryExpr&>(e), tail);
      case ExprKind::Set: {
        const auto& s = static_cast<const SetExpr&>(e);
        return SetDoc(s.elements, s.range);
      }
      case ExprKind::If:
        return IfDoc(static_cast<const IfExpr&>(e));
      case ExprKind::Match:
        return MatchDoc(static_cast<const MatchExpr&>(e));
      case ExprKind::Error:
        return Text("<error>");
    }
    return Text("<error>");
  }

  auto BinaryDoc(const BinaryExpr& b, bool tail) -> Doc {
    int prec = PrecOf(b.op);
    if (b.op == BinaryOp::And || b.op == BinaryOp::Or) {
      // Flatten the left-associative chain `((a op b) op c) op d`.
      std::vector<const Expr*> operands;
      const Expr* cur = &b;
      while (cur != nullptr && cur->kind == ExprKind::Binary) {
        const auto* bb = static_cast<const BinaryExpr*>(cur);
        if (bb->op != b.op) break;
        operands.push_back(bb->rhs.get());
        cur = bb->lhs.get();
      }
      operands.push_back(cur);
      std::reverse(operands.begin(), operands.end());
      std::vector<Doc> parts;
      std::string op = std::string(Spelling(b.op)) + " ";
      for (size_t i = 0; i < operands.size(); ++i) {
        bool last = i + 1 == operands.size();
        Doc d = Operand(operands[i], i == 0 ? prec : prec + 1, last && tail);
        if (i == 0) {
          parts.push_back(d);
        } else {
          parts.push_back(Line());
          parts.push_back(Concat({Text(op), d}));
        }
      }
      return Indent(Fill(std::move(parts)), kContinuationIndent);
    }
    if (b.op == BinaryOp::Implies) {
      // Right-associative: `a implies (b implies c)`.
      std::vector<const Expr*> operands;
      const Expr* cur = &b;
      while (cur != nullptr && cur->kind == ExprKind::Binary) {
        const auto* bb = static_cast<const BinaryExpr*>(cur);
        if (bb->op != BinaryOp::Implies) break;
        operands.push_back(bb->lhs.get());
        cur = bb->rhs.get();
      }
      operands.push_back(cur);
      std::vector<Doc> rest;
      for (size_t i = 1; i < operands.size(); ++i) {
        bool last = i + 1 == operands.size();
        rest.push_back(Line());
        rest.push_back(Text("implies "));
        rest.push_back(Operand(operands[i], last ? kImplies : kOr, last && tail));
      }
      return Group(Concat({Operand(operands[0], kOr, false),
                           Indent(Concat(std::move(rest)), kContinuationIndent)}));
    }
    int lhs_prec = prec;
    int rhs_prec = prec + 1;
    if (prec == kCompare) lhs_prec = kAdditive;  // comparisons do not chain
    return Concat({Operand(b.lhs.get(), lhs_prec, false),
                   Text(std::string(" ") + Spelling(b.op) + " "),
                   Operand(b.rhs.get(), rhs_prec, tail)});
  }

  auto CallDoc(const CallExpr& c) -> Doc {
    if (c.args.empty()) return Text(c.callee.str() + "()");
    std::vector<Doc> args;
    for (const ExprPtr& a : c.args) args.push_back(ValueDoc(a.get()));
    args.back() = Concat({args.back(), IfBreak(Text(","), nullptr)});
    Doc joined = Join(std::move(args), [] { return Concat({Text(","), Line()}); });
    return Group(
        Concat({Text(c.callee.str() + "("), Indent(Concat({SoftLine(), joined}), kBlockIndent),
                SoftLine(), Text(")")}));
  }

  auto SetDoc(const std::vector<ExprPtr>& elements, SourceRange range) -> Doc {
    std::vector<Item> items;
    for (const ExprPtr& el : elements) {
      const Expr* e = el.get();
      if (!e) continue;
      items.push_back({e->range, [this, e] { return ValueDoc(e); }});
    }
    Doc inner = BuildItems(items, range.begin, range.end, ListStyle::Comma);
    return Block("{", "}", inner, ListStyle::Comma);
  }

  auto IfDoc(const IfExpr& first) -> Doc {
    std::vector<Doc> head{Text("if "), ValueDoc(first.cond.get()), Text(" then "),
                          ValueDoc(first.then_expr.get())};
    std::vector<Doc> rest;
    const Expr* else_expr = first.else_expr.get();
    while (else_expr && else_expr->kind == ExprKind::If) {
      const auto& i = static_cast<const IfExpr&>(*else_expr);
      rest.push_back(Line());
      rest.push_back(Text("else if "));
      rest.push_back(ValueDoc(i.cond.get()));
      rest.push_back(Text(" then "));
      rest.push_back(ValueDoc(i.then_expr.get()));
      else_expr = i.else_expr.get();
    }
    rest.push_back(Line());
    rest.push_back(Text("else "));
    rest.push_back(ValueDoc(else_expr));
    head.push_back(Indent(Concat(std::move(rest)), kBlockIndent));
    return Group(Concat(std::move(head)));
  }

  auto MatchDoc(const MatchExpr& m) -> Doc {
    std::vector<Item> items;
    for (const MatchArm& a : m.arms) {
      const MatchArm* arm = &a;
      items.push_back({a.range, [this, arm] {
                         std::string pats;
                         for (size_t i = 0; i < arm->patterns.size(); ++i) {
                           if (i > 0) pats += " | ";
                           const ArmPattern& p = arm->patterns[i];
                           switch (p.kind) {
                             case ArmPattern::Kind::Wildcard:
                               pats += "_";
                               break;
                             case ArmPattern::Kind::Bool:
                               pats += p.bool_value ? "true" : "false";
                               break;
                             case ArmPattern::Kind::Member:
                               pats += p.member.str();
                               break;
                           }
                         }
                         return Concat({Text(pats + " => "), ValueDoc(arm->value.get())});
                       }});
    }
    Doc scrutinee = m.scrutinee ? ExprDoc(*m.scrutinee, kImplies, false) : Text("<error>");
    // The arms' comments are those inside the braces, which start after the scrutinee.
    uint32_t begin =
        AfterOpenBrace(m.scrutinee ? m.scrutinee->range.end : m.range.begin, m.range.end);
    Doc inner = BuildItems(items, begin, m.range.end, ListStyle::Comma);
    return Concat({Text("match "), scrutinee, Text(" "), Block("{", "}", inner, ListStyle::Comma)});
  }

  const Module& module_;
  std::string_view text_;
  std::vector<bool> consumed_;
};

}  // namespace

auto Format(const ast::Module& module, const SourceManager& sources) -> std::string {
  return Formatter(module, sources).Run();
}

}  // namespace edict::format
