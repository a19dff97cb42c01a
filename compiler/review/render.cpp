// The text, markdown and JSON renderings of a diff report (report.h).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "review/report.h"

namespace edict::review {
namespace {

constexpr size_t kMaxMembersShown = 40;  // per tier move group, text and markdown

// Tier moves grouped by (from, to), members in the classified enum's order.
struct MoveGroup {
  std::string from, to;
  std::vector<std::string> members;
};

auto GroupMoves(const std::vector<TierMove>& moves) -> std::vector<MoveGroup> {
  std::vector<MoveGroup> groups;
  for (const TierMove& m : moves) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const MoveGroup& g) {
      return g.from == m.from && g.to == m.to;
    });
    if (it == groups.end()) {
      groups.push_back({m.from, m.to, {}});
      it = groups.end() - 1;
    }
    it->members.push_back(m.member);
  }
  return groups;
}

auto MemberList(const std::vector<std::string>& members) -> std::string {
  std::string s;
  for (size_t i = 0; i < members.size() && i < kMaxMembersShown; ++i) {
    s += (i ? ", " : "") + members[i];
  }
  if (members.size() > kMaxMembersShown) {
    s += ", … (" + std::to_string(members.size() - kMaxMembersShown) + " more)";
  }
  return s;
}

auto Absent(const std::string& s) -> std::string { return s.empty() ? "(none)" : s; }

auto TierName(const std::string& s) -> std::string { return s.empty() ? "(absent)" : s; }

auto Title(const VersionInfo& v) -> std::string {
  std::string s = v.policy;
  if (!v.version.empty()) s += " " + v.version;
  return s + " (" + v.path + ")";
}

auto DeclTitle(const DeclChange& d) -> std::string {
  if (d.kind == "test") return "test \"" + d.name + "\"";
  if (d.name.empty()) return d.kind;
  return d.kind + " " + d.name;
}

auto CubeText(const smt::Cube& cube) -> std::string {
  if (cube.empty()) return "every request";
  std::string s;
  for (const auto& c : cube) s += (s.empty() ? "" : ", ") + c;
  return s;
}

auto Indent(const std::string& text, const std::string& prefix) -> std::string {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out += prefix + line + "\n";
  return out;
}

// "tests: 2 added, 1 changed, 13 removed" for the test blocks, which are summarised rather
// than shown; "" when no test changed.
auto TestSummary(const StructuralDiff& s) -> std::string {
  int counts[3] = {0, 0, 0};
  for (const auto& d : s.decls) {
    if (d.kind == "test") ++counts[static_cast<int>(d.status)];
  }
  std::string out;
  const char* names[3] = {"added", "removed", "changed"};
  for (int i : {0, 2, 1}) {
    if (counts[i] == 0) continue;
    out += (out.empty() ? "" : ", ") + std::to_string(counts[i]) + " " + names[i];
  }
  return out;
}

auto Verdict(const Report& r) -> std::string {
  if (r.decides_differently()) return "some requests are decided differently";
  if (!r.semantic_available && !r.replay) {
    return "not determined: the semantic comparison was not run (" + r.semantic_reason + ")";
  }
  if (!r.semantic_available) {
    return "no replayed request is decided differently (the semantic comparison was not run)";
  }
  return "no change: no request is decided differently";
}

// ------------------------------------------------------------------------------------------
// Text

void TextTransitions(const std::vector<CheckedTransition>& ts, std::string& o) {
  for (const auto& t : ts) {
    o += "  " + t.from + " → " + t.to + "\n";
    for (size_t i = 0; i < t.region.size(); ++i) {
      o += std::string(i == 0 ? "    where " : "       or ") + CubeText(t.region[i]) + "\n";
    }
    if (t.region_truncated) {
      o += t.region.empty() ? "    where … (the solver did not describe these requests in time)\n"
                            : "       or … (more requests than the cubes above)\n";
    }
    for (const auto& w : t.witnesses) o += "    e.g. " + w.request + "\n";
  }
}

// ------------------------------------------------------------------------------------------
// Markdown

auto Cell(const std::string& s) -> std::string {
  if (s.empty()) return "*(none)*";
  std::string out = "`";
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '`') {
      out += "'";
    } else {
      out.push_back(c);
    }
  }
  return out + "`";
}

auto Plain(const std::string& s) -> std::string {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void MarkdownTransitions(const std::vector<CheckedTransition>& ts, const std::string& heading,
                         std::string& o) {
  o += "| from | to | requests that move |\n|---|---|---|\n";
  for (const auto& t : ts) {
    std::string region;
    for (const auto& c : t.region) region += (region.empty() ? "" : " **or** ") + Cell(CubeText(c));
    if (t.region_truncated) region += region.empty() ? "… (not described in time)" : " **or** …";
    o += "| " + Cell(t.from) + " | " + Cell(t.to) + " | " + region + " |\n";
  }
  o += "\n";
  for (const auto& t : ts) {
    if (t.witnesses.empty()) continue;
    o += heading + " `" + t.from + "` → `" + t.to + "`: witnesses\n\n";
    for (const auto& w : t.witnesses) {
      o += "```json\n" + w.request + "\n```\n\n";
      o += "- old: `" + w.old_result + "`\n- new: `" + w.new_result + "`\n\n";
    }
  }
}

// ------------------------------------------------------------------------------------------
// JSON

auto Q(std::string_view s) -> std::string { return "\"" + JsonEscape(s) + "\""; }

auto PartsJson(const std::vector<PartChange>& parts) -> std::string {
  std::string o = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i];
    o += (i ? ", " : "") + std::string("{\"what\": ") + Q(p.what) + ", \"before\": " +
         Q(p.before) + ", \"after\": " + Q(p.after) + "}";
  }
  return o + "]";
}

auto TransitionsJson(const std::vector<CheckedTransition>& ts) -> std::string {
  std::string o = "[";
  for (size_t i = 0; i < ts.size(); ++i) {
    const auto& t = ts[i];
    o += (i ? ",\n      " : "\n      ") + std::string("{\"from\": ") + Q(t.from) +
         ", \"to\": " + Q(t.to) + ", \"region\": [";
    for (size_t c = 0; c < t.region.size(); ++c) {
      o += c ? ", [" : "[";
      for (size_t k = 0; k < t.region[c].size(); ++k) o += (k ? ", " : "") + Q(t.region[c][k]);
      o += "]";
    }
    o += "], \"region_truncated\": " + std::string(t.region_truncated ? "true" : "false") +
         ", \"witnesses\": [";
    for (size_t w = 0; w < t.witnesses.size(); ++w) {
      const auto& x = t.witnesses[w];
      o += (w ? ", " : "") + std::string("{\"request\": ") + x.request +
           ", \"old_result\": " + x.old_result + ", \"new_result\": " + x.new_result + "}";
    }
    o += "]}";
  }
  return o + (ts.empty() ? "]" : "\n    ]");
}

}  // namespace

auto RenderText(const Report& r) -> std::string {
  std::string o = "edict diff: " + Title(r.old_info) + " → " + Title(r.new_info) + "\n";
  const StructuralDiff& s = r.structural;
  if (s.empty()) {
    o += "\nStructure: no change\n";
  } else {
    o += "\nStructure:\n";
    for (const auto& h : s.header) {
      o += "  header " + h.what + ": " + Absent(h.before) + " → " + Absent(h.after) + "\n";
    }
    for (const auto& d : s.decls) {
      if (d.kind == "test") continue;
      o += "  " + std::string(Spelling(d.status)) + " " + DeclTitle(d) + "\n";
      for (const auto& g : GroupMoves(d.moves)) {
        o += "    " + TierName(g.from) + " → " + TierName(g.to) + ": " + MemberList(g.members) +
             "\n";
      }
      if (d.status == Status::Changed) {
        for (const auto& p : d.parts) {
          o += "    " + p.what + ": " + Absent(p.before) + " → " + Absent(p.after) + "\n";
        }
        if (d.parts.empty() && d.moves.empty() && d.kind != "test") {
          o += "    before:\n" + Indent(d.before, "      ") + "    after:\n" +
               Indent(d.after, "      ");
        }
      } else if (d.status == Status::Added) {
        o += Indent(d.after, "      ");
      }
    }
    if (std::string t = TestSummary(s); !t.empty()) o += "  tests: " + t + "\n";
  }
  o += "\nSemantics:\n";
  if (!r.semantic_available) {
    o += "  not compared: " + r.semantic_reason + "\n";
  } else if (r.transitions.empty()) {
    o += "  no change: every request is decided the same way\n";
  } else {
    TextTransitions(r.transitions, o);
  }
  if (!r.rule_changes.empty()) {
    o += "\nDeciding rules (same outcome):\n";
    TextTransitions(r.rule_changes, o);
  }
  for (const auto& n : r.notes) o += "  note: " + n + "\n";
  if (r.replay) {
    const ReplayReport& p = *r.replay;
    o += "\nReplay of " + p.path + ": " + std::to_string(p.requests) + " requests, " +
         std::to_string(p.unchanged) + " unchanged, " + std::to_string(p.changed) + " changed\n";
    for (const auto& t : p.transitions) {
      o += "  " + t.from + " → " + t.to + ": " + std::to_string(t.count) + " (line";
      o += t.examples.size() > 1 ? "s " : " ";
      for (size_t i = 0; i < t.examples.size(); ++i) {
        o += (i ? ", " : "") + std::to_string(t.examples[i].line);
      }
      o += static_cast<int64_t>(t.examples.size()) < t.count ? ", …)\n" : ")\n";
    }
  }
  o += "\n";
  o += "Result: " + Verdict(r) + "\n";
  return o;
}

auto RenderMarkdown(const Report& r) -> std::string {
  // A version without a `version` string is named by its file.
  auto name = [](const VersionInfo& v) {
    if (!v.version.empty()) return Plain(v.version);
    size_t slash = v.path.find_last_of('/');
    return "`" + (slash == std::string::npos ? v.path : v.path.substr(slash + 1)) + "`";
  };
  std::string o = "## Policy change: `" + r.old_info.policy + "` " + name(r.old_info) + " → " +
                  name(r.new_info) + "\n\n";
  o += "Old: `" + r.old_info.path + "` · New: `" + r.new_info.path + "`\n\n";
  std::string verdict = Verdict(r);
  verdict[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(verdict[0])));
  o += "**" + Plain(verdict) + ".**\n\n";
  const StructuralDiff& s = r.structural;
  o += "### Structure\n\n";
  if (s.empty()) o += "No declaration changed.\n\n";
  if (!s.header.empty()) {
    o += "| header | before | after |\n|---|---|---|\n";
    for (const auto& h : s.header) {
      o += "| " + h.what + " | " + Cell(h.before) + " | " + Cell(h.after) + " |\n";
    }
    o += "\n";
  }
  if (!s.decls.empty()) {
    o += "| change | declaration |\n|---|---|\n";
    for (const auto& d : s.decls) {
      if (d.kind != "test") o += "| " + std::string(Spelling(d.status)) + " | " + Cell(DeclTitle(d)) + " |\n";
    }
    if (std::string t = TestSummary(s); !t.empty()) o += "| " + t + " | tests |\n";
    o += "\n";
  }
  for (const auto& d : s.decls) {
    if (d.kind == "test") continue;
    o += "#### " + std::string(Spelling(d.status)) + " `" + DeclTitle(d) + "`\n\n";
    auto groups = GroupMoves(d.moves);
    if (!groups.empty()) {
      o += "| from | to | members |\n|---|---|---|\n";
      for (const auto& g : groups) {
        o += "| " + Plain(TierName(g.from)) + " | " + Plain(TierName(g.to)) + " | " +
             Plain(MemberList(g.members)) + " |\n";
      }
      o += "\n";
    }
    if (d.status == Status::Changed && !d.parts.empty()) {
      o += "| part | before | after |\n|---|---|---|\n";
      for (const auto& p : d.parts) {
        o += "| " + Plain(p.what) + " | " + Cell(p.before) + " | " + Cell(p.after) + " |\n";
      }
      o += "\n";
    }
    if (!groups.empty() && d.status == Status::Changed) continue;  // the moves say it all
    if (d.status != Status::Added) o += "Before:\n\n```edict\n" + d.before + "\n```\n\n";
    if (d.status != Status::Removed) o += "After:\n\n```edict\n" + d.after + "\n```\n\n";
  }
  o += "### Outcome transitions\n\n";
  if (!r.semantic_available) {
    o += "Not compared: " + Plain(r.semantic_reason) + "\n\n";
  } else if (r.transitions.empty()) {
    o += "None: every request is decided the same way.\n\n";
  } else {
    MarkdownTransitions(r.transitions, "####", o);
  }
  if (!r.rule_changes.empty()) {
    o += "### Deciding rules that change (same outcome)\n\n";
    MarkdownTransitions(r.rule_changes, "####", o);
  }
  if (!r.notes.empty()) {
    o += "Notes:\n\n";
    for (const auto& n : r.notes) o += "- " + Plain(n) + "\n";
    o += "\n";
  }
  if (r.replay) {
    const ReplayReport& p = *r.replay;
    o += "### Replay of `" + p.path + "`\n\n" + std::to_string(p.requests) + " requests: " +
         std::to_string(p.unchanged) + " unchanged, " + std::to_string(p.changed) +
         " changed.\n\n";
    if (!p.transitions.empty()) {
      o += "| from | to | requests | first lines |\n|---|---|---|---|\n";
      for (const auto& t : p.transitions) {
        std::string lines;
        for (const auto& e : t.examples) lines += (lines.empty() ? "" : ", ") + std::to_string(e.line);
        o += "| " + Cell(t.from) + " | " + Cell(t.to) + " | " + std::to_string(t.count) + " | " +
             lines + " |\n";
      }
      o += "\n";
    }
  }
  return o;
}

auto RenderJson(const Report& r) -> std::string {
  auto info = [](const VersionInfo& v) {
    return "{\"path\": " + Q(v.path) + ", \"policy\": " + Q(v.policy) + ", \"version\": " +
           Q(v.version) + "}";
  };
  std::string o = "{\n  \"old\": " + info(r.old_info) + ",\n  \"new\": " + info(r.new_info) +
                  ",\n  \"decides_differently\": " +
                  (r.decides_differently() ? "true" : "false") + ",\n";
  o += "  \"structural\": {\"header\": " + PartsJson(r.structural.header) +
       ", \"declarations\": [";
  for (size_t i = 0; i < r.structural.decls.size(); ++i) {
    const auto& d = r.structural.decls[i];
    o += (i ? ",\n    " : "\n    ") + std::string("{\"status\": ") + Q(Spelling(d.status)) +
         ", \"kind\": " + Q(d.kind) + ", \"name\": " + Q(d.name) + ", \"before\": " +
         Q(d.before) + ", \"after\": " + Q(d.after) + ", \"parts\": " + PartsJson(d.parts) +
         ", \"tier_moves\": [";
    for (size_t m = 0; m < d.moves.size(); ++m) {
      o += (m ? ", " : "") + std::string("{\"member\": ") + Q(d.moves[m].member) +
           ", \"from\": " + Q(d.moves[m].from) + ", \"to\": " + Q(d.moves[m].to) + "}";
    }
    o += "]}";
  }
  o += r.structural.decls.empty() ? "]},\n" : "\n  ]},\n";
  o += "  \"semantic\": {\"available\": " + std::string(r.semantic_available ? "true" : "false");
  if (!r.semantic_available) o += ", \"reason\": " + Q(r.semantic_reason);
  o += ",\n    \"transitions\": " + TransitionsJson(r.transitions);
  o += ",\n    \"rule_changes\": " + TransitionsJson(r.rule_changes);
  o += ",\n    \"notes\": [";
  for (size_t i = 0; i < r.notes.size(); ++i) o += (i ? ", " : "") + Q(r.notes[i]);
  o += "]}";
  if (r.replay) {
    const ReplayReport& p = *r.replay;
    o += ",\n  \"replay\": {\"path\": " + Q(p.path) + ", \"requests\": " +
         std::to_string(p.requests) + ", \"unchanged\": " + std::to_string(p.unchanged) +
         ", \"changed\": " + std::to_string(p.changed) + ", \"transitions\": [";
    for (size_t i = 0; i < p.transitions.size(); ++i) {
      const auto& t = p.transitions[i];
      o += (i ? ", " : "") + std::string("{\"from\": ") + Q(t.from) + ", \"to\": " + Q(t.to) +
           ", \"count\": " + std::to_string(t.count) + ", \"examples\": [";
      for (size_t e = 0; e < t.examples.size(); ++e) {
        o += (e ? ", " : "") + std::string("{\"line\": ") + std::to_string(t.examples[e].line) +
             ", \"request\": " + Q(t.examples[e].request) + "}";
      }
      o += "]}";
    }
    o += "]}";
  }
  return o + "\n}\n";
}

}  // namespace edict::review
