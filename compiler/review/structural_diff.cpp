// Structural diff: see structural_diff.h.
#include "review/structural_diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "format/formatter.h"

namespace edict::review {
namespace {

using ast::Decl;
using ast::DeclKind;

// The source text of `r` with `//` and `/* */` comments dropped and runs of blanks collapsed to
// one space (strings are kept as written).
auto PartText(const SourceManager& sources, SourceRange r) -> std::string {
  if (!r.valid() || r.end <= r.begin) return "";
  std::string_view text = sources.text(r.file);
  if (r.end > text.size()) return "";
  std::string_view s = text.substr(r.begin, r.end - r.begin);
  std::string out;
  bool space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(c);
      for (++i; i < s.size(); ++i) {
        out.push_back(s[i]);
        if (s[i] == '\\' && i + 1 < s.size()) {
          out.push_back(s[++i]);
        } else if (s[i] == '"') {
          break;
        }
      }
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') ++i;
      space = true;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 1;
      space = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if ((c == '}' || c == ')' || c == ']') && !out.empty() && out.back() == ',') {
      out.pop_back();  // a trailing comma, as in `{ a, b, }`
    }
    if (space && !out.empty() && c != ')' && c != ']') out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

auto ExprText(const SourceManager& sources, const ast::ExprPtr& e) -> std::string {
  return e ? PartText(sources, e->range) : std::string();
}

auto DateText(const std::optional<ast::DateLit>& d) -> std::string {
  return d ? FormatDate(d->value) : std::string();
}

// The named parts of a declaration, in a stable order, for part-by-part comparison.
using Parts = std::vector<std::pair<std::string, std::string>>;

void AddValidity(Parts& parts, const ast::Validity& v) {
  parts.emplace_back("effective", DateText(v.effective));
  parts.emplace_back("until", DateText(v.until));
}

void AddExplanation(Parts& parts, const ast::Explanation& e) {
  parts.emplace_back("because", e.because ? e.because->raw : "");
  parts.emplace_back("cite", e.cite ? e.cite->raw : "");
}

auto PartsOf(const Decl& d, const SourceManager& src) -> Parts {
  Parts parts;
  switch (d.kind) {
    case DeclKind::Rule: {
      const auto& r = static_cast<const ast::RuleDecl&>(d);
      parts.emplace_back("condition", ExprText(src, r.cond));
      parts.emplace_back("outcome", r.outcome.str());
      AddValidity(parts, r.validity);
      AddExplanation(parts, r.explanation);
      break;
    }
    case DeclKind::Exempt: {
      const auto& e = static_cast<const ast::ExemptDecl&>(d);
      std::string targets;
      for (const auto& t : e.targets) targets += (targets.empty() ? "" : ", ") + t.str();
      parts.emplace_back("targets", targets);
      parts.emplace_back("condition", ExprText(src, e.cond));
      AddValidity(parts, e.validity);
      AddExplanation(parts, e.explanation);
      break;
    }
    case DeclKind::Cap: {
      const auto& c = static_cast<const ast::CapDecl&>(d);
      for (const char* label : {"limit", "key", "window", "amount", "applies", "record"}) {
        std::string value;
        for (const auto& entry : c.entries) {
          if (entry.label.name != label) continue;
          for (const auto& v : entry.values) {
            value += (value.empty() ? "" : ", ") + ExprText(src, v);
          }
          break;
        }
        parts.emplace_back(label, value);
      }
      break;
    }
    case DeclKind::Const:
    case DeclKind::Let:
    case DeclKind::Output: {
      const auto& v = static_cast<const ast::ValueDecl&>(d);
      parts.emplace_back("type", v.declared_type ? PartText(src, v.declared_type->range) : "");
      parts.emplace_back("value", ExprText(src, v.value));
      break;
    }
    case DeclKind::Enum:
    case DeclKind::Decision: {
      const auto& e = static_cast<const ast::EnumDecl&>(d);
      std::string members;
      for (const auto& m : e.members) members += (members.empty() ? "" : ", ") + m.name.name;
      parts.emplace_back("members", members);
      break;
    }
    case DeclKind::Default:
      parts.emplace_back("member", static_cast<const ast::DefaultDecl&>(d).member.str());
      break;
    case DeclKind::Input:
      for (const auto& f : static_cast<const ast::InputDecl&>(d).fields) {
        std::string text = PartText(src, f->type_ref.range);
        if (f->default_value) text += " = " + ExprText(src, f->default_value);
        parts.emplace_back("field " + f->name.name, text);
      }
      break;
    case DeclKind::Tiers: {
      const auto& t = static_cast<const ast::TiersDecl&>(d);
      parts.emplace_back("of", PartText(src, t.of.range));
      for (const auto& arm : t.arms) {
        std::string text;
        for (const auto& p : arm.patterns) text += (text.empty() ? "" : " | ") + PartText(src, p.range);
        parts.emplace_back("tier " + arm.name.name, text);
      }
      break;
    }
    case DeclKind::Property:
      parts.emplace_back("claim", ExprText(src, static_cast<const ast::PropertyDecl&>(d).expr));
      break;
    case DeclKind::Import:
    case DeclKind::Test:
      break;
  }
  return parts;
}

// Part-by-part comparison; parts present on one side only compare against "".
auto CompareParts(const Parts& before, const Parts& after) -> std::vector<PartChange> {
  std::map<std::string, std::string> old_parts(before.begin(), before.end());
  std::vector<PartChange> out;
  std::set<std::string> seen;
  for (const auto& [what, text] : after) {
    seen.insert(what);
    auto it = old_parts.find(what);
    std::string old_text = it == old_parts.end() ? "" : it->second;
    if (old_text != text) out.push_back({what, old_text, text});
  }
  for (const auto& [what, text] : before) {
    if (!seen.count(what) && !text.empty()) out.push_back({what, text, ""});
  }
  return out;
}

auto KeyOf(const Decl& d) -> std::string {
  switch (d.kind) {
    case DeclKind::Input:
      return "input";
    case DeclKind::Default:
      return "default";
    case DeclKind::Import:
      return "import " + static_cast<const ast::ImportDecl&>(d).path.str();
    case DeclKind::Test:
      return "test " + static_cast<const ast::TestDecl&>(d).title.value;
    default:
      return std::string(ast::Keyword(d.kind)) + " " + d.name.name;
  }
}

auto NameOf(const Decl& d) -> std::string {
  switch (d.kind) {
    case DeclKind::Input:
    case DeclKind::Default:
      return "";
    case DeclKind::Import:
      return static_cast<const ast::ImportDecl&>(d).path.str();
    case DeclKind::Test:
      return static_cast<const ast::TestDecl&>(d).title.value;
    default:
      return d.name.name;
  }
}

// Tier of every member of the classified enum, by member name, for the tiers called `name`.
auto TierTable(const pir::Module& m, const std::string& name)
    -> std::optional<std::vector<std::pair<std::string, std::string>>> {
  for (const pir::Tiers& t : m.tiers) {
    if (t.name != name) continue;
    if (t.of.kind != pir::TypeKind::Enum || t.table.empty()) return std::nullopt;
    const auto& members = m.enums[t.of.enum_id].members;
    const auto& tiers = m.enums[t.enum_id].members;
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < members.size() && i < t.table.size(); ++i) {
      int32_t tier = t.table[i];
      out.emplace_back(members[i], tier >= 0 && tier < static_cast<int32_t>(tiers.size())
                                       ? tiers[tier] : std::string("?"));
    }
    return out;
  }
  return std::nullopt;
}

auto TierMoves(const pir::Module& old_m, const pir::Module& new_m, const std::string& name)
    -> std::vector<TierMove> {
  auto before = TierTable(old_m, name);
  auto after = TierTable(new_m, name);
  if (!before && !after) return {};
  std::map<std::string, std::string> old_tier;
  if (before) old_tier.insert(before->begin(), before->end());
  std::vector<TierMove> moves;
  std::set<std::string> seen;
  if (after) {
    for (const auto& [member, tier] : *after) {
      seen.insert(member);
      auto it = old_tier.find(member);
      std::string from = it == old_tier.end() ? "" : it->second;
      if (from != tier) moves.push_back({member, from, tier});
    }
  }
  if (before) {
    for (const auto& [member, tier] : *before) {
      if (!seen.count(member)) moves.push_back({member, tier, ""});
    }
  }
  return moves;
}

auto HeaderText(const ast::Module& m) -> Parts {
  Parts parts;
  if (!m.header) return parts;
  const ast::Header& h = *m.header;
  parts.emplace_back("policy", h.name.name);
  parts.emplace_back("version", h.version ? h.version->raw : "");
  parts.emplace_back("effective", DateText(h.effective));
  parts.emplace_back("expires", DateText(h.expires));
  return parts;
}

}  // namespace

auto Spelling(Status s) -> const char* {
  switch (s) {
    case Status::Added:
      return "added";
    case Status::Removed:
      return "removed";
    case Status::Changed:
      return "changed";
  }
  return "changed";
}

auto FormatDecl(const ast::Module& module, const Decl& decl, const SourceManager& sources)
    -> std::string {
  // The formatter prints a module; lend it this one declaration (owned elsewhere) and no
  // comments. The guard gives the pointer back before the temporary module is destroyed.
  ast::Module one;
  one.file = module.file;
  one.decls.emplace_back(const_cast<Decl*>(&decl));
  struct Release {
    ast::Module& m;
    ~Release() {
      for (auto& d : m.decls) (void)d.release();
    }
  } release{one};
  std::string text = format::Format(one, sources);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

auto DiffStructure(const Version& old_version, const Version& new_version) -> StructuralDiff {
  StructuralDiff diff;
  const ast::Module& old_ast = *old_version.ast;
  const ast::Module& new_ast = *new_version.ast;
  diff.header = CompareParts(HeaderText(old_ast), HeaderText(new_ast));

  std::map<std::string, const Decl*> old_decls;
  for (const auto& d : old_ast.decls) old_decls.emplace(KeyOf(*d), d.get());
  std::set<std::string> matched;

  auto change_of = [&](const Decl* before, const Decl* after) -> std::optional<DeclChange> {
    DeclChange c;
    const Decl& any = after ? *after : *before;
    c.kind = ast::Keyword(any.kind);
    if (any.kind == DeclKind::Input) c.kind = "input";
    if (any.kind == DeclKind::Test) c.kind = "test";
    c.name = NameOf(any);
    if (before) c.before = FormatDecl(old_ast, *before, *old_version.sources);
    if (after) c.after = FormatDecl(new_ast, *after, *new_version.sources);
    c.status = !before ? Status::Added : !after ? Status::Removed : Status::Changed;
    if (any.kind == DeclKind::Tiers && old_version.pir && new_version.pir) {
      c.moves = TierMoves(*old_version.pir, *new_version.pir, c.name);
      if (!before || !after) c.moves.clear();  // the whole declaration is shown instead
    }
    if (c.status == Status::Changed) {
      if (c.before == c.after && c.moves.empty()) return std::nullopt;
      c.parts = CompareParts(PartsOf(*before, *old_version.sources),
                             PartsOf(*after, *new_version.sources));
    }
    return c;
  };

  for (const auto& d : new_ast.decls) {
    std::string key = KeyOf(*d);
    auto it = old_decls.find(key);
    const Decl* before = it == old_decls.end() ? nullptr : it->second;
    if (before) matched.insert(key);
    if (auto c = change_of(before, d.get())) diff.decls.push_back(std::move(*c));
  }
  for (const auto& d : old_ast.decls) {
    if (matched.count(KeyOf(*d))) continue;
    if (auto c = change_of(d.get(), nullptr)) diff.decls.push_back(std::move(*c));
  }
  return diff;
}

}  // namespace edict::review
