#include "ast/ast_dumper.h"

#include <charconv>
#include <cstdio>
#include <string_view>

namespace edict::ast {

namespace {

// Quotes `s` with C-style escapes so that every dump line stays one line.
auto Quote(std::string_view s) -> std::string {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

auto FloatText(double v) -> std::string {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

auto TypeRefText(const TypeRef& t) -> std::string {
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
      return "set<" + (t.element ? TypeRefText(*t.element) : "?") + ">";
    case TypeRefKind::Named:
      return t.name.str();
  }
  return "?";
}

auto PatternKindText(PatternKind k) -> const char* {
  switch (k) {
    case PatternKind::Otherwise:
      return "otherwise";
    case PatternKind::Set:
      return "set";
    case PatternKind::Lt:
      return "<";
    case PatternKind::Le:
      return "<=";
    case PatternKind::Gt:
      return ">";
    case PatternKind::Ge:
      return ">=";
    case PatternKind::RangeExcl:
      return "..<";
    case PatternKind::RangeIncl:
      return "..=";
    case PatternKind::Name:
      return "name";
  }
  return "?";
}

class Dumper {
 public:
  explicit Dumper(const SourceManager* sources) : sources_(sources) {}

  auto Run(const Module& m) -> std::string {
    Line(0, "Module", {});
    if (m.header) DumpHeader(*m.header, 1);
    for (const DeclPtr& d : m.decls) {
      if (d) DumpDecl(*d, 1);
    }
    return std::move(out_);
  }

 private:
  // Appends one line: indentation, text, and the range when locations are on.
  void Line(int depth, const std::string& text, SourceRange range) {
    out_.append(static_cast<size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += RangeText(range);
    out_ += '\n';
  }

  auto RangeText(SourceRange r) const -> std::string {
    if (!sources_ || !r.valid()) return "";
    LineCol b = sources_->GetLineCol(r.file, r.begin);
    LineCol e = sources_->GetLineCol(r.file, r.end);
    return " @" + std::to_string(b.line) + ":" + std::to_string(b.col) + "-" +
           std::to_string(e.line) + ":" + std::to_string(e.col);
  }

  void DumpDoc(const Doc& doc, int depth) {
    if (doc.empty()) return;
    Line(depth, "Doc", doc.range);
    for (const std::string& l : doc.lines) Line(depth + 1, Quote(l), {});
  }

  void DumpName(int depth, const char* label, const QualName& n) {
    Line(depth, std::string(label) + " " + n.str(), n.range);
  }

  void DumpHeader(const Header& h, int depth) {
    Line(depth, std::string(h.is_module ? "ModuleHeader " : "PolicyHeader ") + h.name.name,
         h.range);
    DumpDoc(h.doc, depth + 1);
    if (h.version) Line(depth + 1, "Version " + Quote(h.version->value), h.version->range);
    if (h.effective) {
      Line(depth + 1, "Effective " + FormatDate(h.effective->value), h.effective->range);
    }
    if (h.expires) Line(depth + 1, "Expires " + FormatDate(h.expires->value), h.expires->range);
  }

  void DumpValidity(const Validity& v, int depth) {
    if (v.effective) {
      Line(depth, "Effective " + FormatDate(v.effective->value), v.effective->range);
    }
    if (v.until) Line(depth, "Until " + FormatDate(v.until->value), v.until->range);
  }

  void DumpExplanation(const Explanation& e, int depth) {
    if (e.because) Line(depth, "Because " + Quote(e.because->value), e.because->range);
    if (e.cite) Line(depth, "Cite " + Quote(e.cite->value), e.cite->range);
  }

  void DumpDecl(const Decl& d, int depth) {
    switch (d.kind) {
      case DeclKind::Import: {
        const auto& i = static_cast<const ImportDecl&>(d);
        Line(depth, "Import " + i.path.str(), d.range);
        DumpDoc(d.doc, depth + 1);
        return;
      }
      case DeclKind::Const:
      case DeclKind::Let:
      case DeclKind::Output: {
        const auto& v = static_cast<const ValueDecl&>(d);
        std::string head = d.kind == DeclKind::Const ? "Const "
                           : d.kind == DeclKind::Let ? "Let "
                                                     : "Output ";
        head += d.name.name;
        if (v.declared_type) head += ": " + TypeRefText(*v.declared_type);
        Line(depth, head, d.range);
        DumpDoc(d.doc, depth + 1);
        DumpExpr(v.value.get(), depth + 1);
        return;
      }
      case DeclKind::Enum:
      case DeclKind::Decision: {
        const auto& e = static_cast<const EnumDecl&>(d);
        Line(depth, (d.kind == DeclKind::Enum ? "Enum " : "Decision ") + d.name.name, d.range);
        DumpDoc(d.doc, depth + 1);
        for (const EnumMember& m : e.members) {
          Line(depth + 1, "Member " + m.name.name, m.name.range);
          DumpDoc(m.doc, depth + 2);
        }
        return;
      }
      case DeclKind::Default: {
        const auto& def = static_cast<const DefaultDecl&>(d);
        Line(depth, "Default " + def.member.str(), d.range);
        DumpDoc(d.doc, depth + 1);
        return;
      }
      case DeclKind::Input: {
        const auto& in = static_cast<const InputDecl&>(d);
        Line(depth, "Input", d.range);
        DumpDoc(d.doc, depth + 1);
        for (const auto& f : in.fields) {
          Line(depth + 1, "Field " + f->name.name + ": " + TypeRefText(f->type_ref), f->range);
          DumpDoc(f->doc, depth + 2);
          if (f->default_value) {
            Line(depth + 2, "Default", {});
            DumpExpr(f->default_value.get(), depth + 3);
          }
        }
        return;
      }
      case DeclKind::Tiers: {
        const auto& t = static_cast<const TiersDecl&>(d);
        Line(depth, "Tiers " + d.name.name + " of " + TypeRefText(t.of), d.range);
        DumpDoc(d.doc, depth + 1);
        for (const TierArm& a : t.arms) {
          Line(depth + 1, "Arm " + a.name.name, a.range);
          DumpDoc(a.doc, depth + 2);
          for (const Pattern& p : a.patterns) {
            Line(depth + 2, std::string("Pattern ") + PatternKindText(p.kind), p.range);
            for (const ExprPtr& v : p.values) DumpExpr(v.get(), depth + 3);
          }
        }
        return;
      }
      case DeclKind::Cap: {
        const auto& c = static_cast<const CapDecl&>(d);
        Line(depth, "Cap " + d.name.name, d.range);
        DumpDoc(d.doc, depth + 1);
        for (const CapEntry& e : c.entries) {
          Line(depth + 1, "Entry " + e.label.name, e.range);
          for (const ExprPtr& v : e.values) DumpExpr(v.get(), depth + 2);
        }
        return;
      }
      case DeclKind::Rule: {
        const auto& r = static_cast<const RuleDecl&>(d);
        Line(depth, "Rule " + d.name.name, d.range);
        DumpDoc(d.doc, depth + 1);
        DumpValidity(r.validity, depth + 1);
        Line(depth + 1, "Cond", {});
        DumpExpr(r.cond.get(), depth + 2);
        DumpName(depth + 1, "Outcome", r.outcome);
        DumpExplanation(r.explanation, depth + 1);
        return;
      }
      case DeclKind::Exempt: {
        const auto& e = static_cast<const ExemptDecl&>(d);
        Line(depth, "Exempt " + d.name.name, d.range);
        DumpDoc(d.doc, depth + 1);
        for (const QualName& t : e.targets) DumpName(depth + 1, "Target", t);
        DumpValidity(e.validity, depth + 1);
        Line(depth + 1, "Cond", {});
        DumpExpr(e.cond.get(), depth + 2);
        DumpExplanation(e.explanation, depth + 1);
        return;
      }
      case DeclKind::Property: {
        const auto& p = static_cast<const PropertyDecl&>(d);
        Line(depth, "Property " + d.name.name, d.range);
        DumpDoc(d.doc, depth + 1);
        DumpExpr(p.expr.get(), depth + 1);
        return;
      }
      case DeclKind::Test: {
        const auto& t = static_cast<const TestDecl&>(d);
        std::string head = "Test " + Quote(t.title.value);
        if (t.today) head += " today " + FormatDate(t.today->value);
        Line(depth, head, d.range);
        DumpDoc(d.doc, depth + 1);
        for (const TestStep& s : t.steps) DumpStep(s, depth + 1);
        return;
      }
    }
  }

  void DumpStep(const TestStep& s, int depth) {
    Line(depth, s.kind == TestStep::Kind::Check ? "Check" : "Decide", s.range);
    Line(depth + 1, "Request", s.request_range);
    for (const RequestField& f : s.request) {
      Line(depth + 2, "Field " + f.name.name, f.range);
      DumpExpr(f.value.get(), depth + 3);
    }
    if (s.has_usage) {
      Line(depth + 1, "Usage", {});
      for (const UsageEntry& u : s.usage) {
        Line(depth + 2, "Entry " + u.cap.name, u.range);
        DumpExpr(u.value.get(), depth + 3);
      }
    }
    if (s.expects_error) {
      Line(depth + 1, "ExpectError " + s.error_code.name, s.error_code.range);
      return;
    }
    DumpName(depth + 1, "Outcome", s.outcome);
    if (s.has_by) {
      if (s.by_nothing) {
        Line(depth + 1, "ByNothing", {});
      } else {
        Line(depth + 1, "By", {});
        for (const QualName& b : s.by) DumpName(depth + 2, "Rule", b);
      }
    }
    if (s.where) {
      Line(depth + 1, "Where", {});
      DumpExpr(s.where.get(), depth + 2);
    }
  }

  void ExprLine(const Expr& e, int depth, const std::string& text) {
    std::string t = text;
    if (!e.type.is_error()) t += " : " + ToString(e.type);
    Line(depth, t, e.range);
  }

  void DumpExpr(const Expr* e, int depth) {
    if (!e) {
      Line(depth, "<null>", {});
      return;
    }
    switch (e->kind) {
      case ExprKind::IntLit: {
        const auto& i = static_cast<const IntLitExpr&>(*e);
        ExprLine(*e, depth, "IntLit " + std::to_string(i.value));
        return;
      }
      case ExprKind::FloatLit: {
        const auto& f = static_cast<const FloatLitExpr&>(*e);
        ExprLine(*e, depth, "FloatLit " + FloatText(f.value) + (f.is_percent ? " percent" : ""));
        return;
      }
      case ExprKind::StringLit:
        ExprLine(*e, depth, "StringLit " + Quote(static_cast<const StringLitExpr&>(*e).lit.value));
        return;
      case ExprKind::DateLit:
        ExprLine(*e, depth, "DateLit " + FormatDate(static_cast<const DateLitExpr&>(*e).value));
        return;
      case ExprKind::BoolLit:
        ExprLine(*e, depth,
                 std::string("BoolLit ") +
                     (static_cast<const BoolLitExpr&>(*e).value ? "true" : "false"));
        return;
      case ExprKind::Today:
        ExprLine(*e, depth, "Today");
        return;
      case ExprKind::Outcome:
        ExprLine(*e, depth, "Outcome");
        return;
      case ExprKind::Name:
        ExprLine(*e, depth, "Name " + static_cast<const NameExpr&>(*e).name.str());
        return;
      case ExprKind::Call: {
        const auto& c = static_cast<const CallExpr&>(*e);
        ExprLine(*e, depth, "Call " + c.callee.str());
        for (const ExprPtr& a : c.args) DumpExpr(a.get(), depth + 1);
        return;
      }
      case ExprKind::Unary: {
        const auto& u = static_cast<const UnaryExpr&>(*e);
        ExprLine(*e, depth, u.op == UnaryOp::Not ? "Unary not" : "Unary -");
        DumpExpr(u.operand.get(), depth + 1);
        return;
      }
      case ExprKind::Binary: {
        const auto& b = static_cast<const BinaryExpr&>(*e);
        ExprLine(*e, depth, std::string("Binary ") + Spelling(b.op));
        DumpExpr(b.lhs.get(), depth + 1);
        DumpExpr(b.rhs.get(), depth + 1);
        return;
      }
      case ExprKind::Set: {
        const auto& s = static_cast<const SetExpr&>(*e);
        ExprLine(*e, depth, "Set");
        for (const ExprPtr& el : s.elements) DumpExpr(el.get(), depth + 1);
        return;
      }
      case ExprKind::If: {
        const auto& i = static_cast<const IfExpr&>(*e);
        ExprLine(*e, depth, "If");
        DumpExpr(i.cond.get(), depth + 1);
        DumpExpr(i.then_expr.get(), depth + 1);
        DumpExpr(i.else_expr.get(), depth + 1);
        return;
      }
      case ExprKind::Match: {
        const auto& m = static_cast<const MatchExpr&>(*e);
        ExprLine(*e, depth, "Match");
        DumpExpr(m.scrutinee.get(), depth + 1);
        for (const MatchArm& a : m.arms) {
          std::string pats;
          for (const ArmPattern& p : a.patterns) {
            pats += ' ';
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
          Line(depth + 1, "Arm" + pats, a.range);
          DumpExpr(a.value.get(), depth + 2);
        }
        return;
      }
      case ExprKind::Error:
        ExprLine(*e, depth, "Error");
        return;
    }
  }

  const SourceManager* sources_;
  std::string out_;
};

}  // namespace

auto Dump(const Module& module, const SourceManager* sources) -> std::string {
  return Dumper(sources).Run(module);
}

}  // namespace edict::ast
