// Rules, exemptions, properties and their explanations (LANGUAGE.md §2, §6, §7, §10): outcomes,
// validity dates, exemption targets, the acyclic exemption graph and its evaluation order, and
// `{name}` interpolation in `because` texts.
#include <algorithm>
#include <string>

#include "llvm/Support/Casting.h"
#include "sema/sema_internal.h"

namespace edict::sema {

using ast::Type;

auto Checker::CheckOutcomeName(const ast::QualName& q) -> int {
  if (!decision_) return -1;
  return ResolveMemberOf(q, *decision_, diag::NotAnOutcome);
}

void Checker::CheckValidity(const ast::Decl& d, const ast::Validity& v) {
  if (v.effective && v.until && !(v.effective->value < v.until->value)) {
    diags_
        .Build(v.until->range, diag::BadValidity, FormatDate(v.effective->value), "until",
               FormatDate(v.until->value))
        .Label("not after `effective`")
        .Note(v.effective->range, "`effective` given here")
        .Emit();
    return;
  }
  if (!v.effective && !v.until) return;
  // [lo, hi) against the policy's [effective, expires).
  int64_t lo = v.effective ? v.effective->value.days : kMinDate.days;
  int64_t hi = v.until ? v.until->value.days : int64_t{kMaxDate.days} + 1;
  int64_t plo = policy_effective_ ? policy_effective_->days : kMinDate.days;
  int64_t phi = policy_expires_ ? policy_expires_->days : int64_t{kMaxDate.days} + 1;
  if (std::max(lo, plo) < std::min(hi, phi)) return;
  auto b = diags_.Build(d.name.range, diag::NeverInForce, DescribeDecl(d), d.name.name);
  b.Label("never in force");
  if (v.until && v.until->value.days <= plo) {
    b.Note(v.until->range, "it ends before the policy takes effect");
  } else if (v.effective) {
    b.Note(v.effective->range, "it takes effect after the policy expires");
  }
  if (module_.header) b.Note(module_.header->name.range, "the policy's validity is set here");
}

void Checker::CheckRules() {
  for (auto& d : module_.decls) {
    auto* rule = llvm::dyn_cast<ast::RuleDecl>(d.get());
    if (!rule) continue;
    CheckValidity(*rule, rule->validity);
    if (rule->cond) CheckExprAs(*rule->cond, Type::Bool());
    if (!rule->outcome.parts.empty()) rule->outcome_index = CheckOutcomeName(rule->outcome);
    CheckExplanation(rule->explanation);
  }
}

void Checker::CheckExemptions() {
  for (auto& d : module_.decls) {
    auto* ex = llvm::dyn_cast<ast::ExemptDecl>(d.get());
    if (!ex) continue;
    CheckValidity(*ex, ex->validity);
    std::map<const ast::Decl*, SourceRange> seen;
    for (const ast::QualName& q : ex->targets) {
      if (q.parts.empty()) continue;
      const ast::Decl* t = q.is_simple() ? LookupDecl(q.last()) : nullptr;
      bool fits = t && (t->kind == ast::DeclKind::Rule || t->kind == ast::DeclKind::Cap ||
                        t->kind == ast::DeclKind::Exempt);
      if (!fits) {
        if (!t && q.is_simple() && !LookupField(q.last()) && !members_.count(q.last())) {
          std::vector<std::string> candidates;
          for (const auto& [name, decl] : scope_) {
            if (decl->kind == ast::DeclKind::Rule || decl->kind == ast::DeclKind::Cap ||
                decl->kind == ast::DeclKind::Exempt) {
              candidates.push_back(name);
            }
          }
          auto b = diags_.Build(q.range, diag::UnknownName, q.str());
          b.Label("not found");
          if (std::string guess = Suggest(q.last(), candidates); !guess.empty()) {
            b.Help("did you mean `{0}`?", guess);
          }
        } else {
          auto b = diags_.Build(q.range, diag::InvalidExemptionTarget, q.str());
          if (t) {
            b.Label("{0}", WithArticle(DescribeDecl(*t)));
            b.Note(t->name.range, "`{0}` declared here", t->name.name);
          } else {
            b.Label("not a declaration");
          }
        }
        continue;
      }
      auto [it, inserted] = seen.emplace(t, q.range);
      if (!inserted) {
        diags_.Build(q.range, diag::DuplicateExemptionTarget, q.str())
            .Label("listed again")
            .Note(it->second, "first listed here")
            .Emit();
        continue;
      }
      t->used = true;
      ex->resolved_targets.push_back(t);
    }
    if (ex->cond) CheckExprAs(*ex->cond, Type::Bool());
    CheckExplanation(ex->explanation);
  }
}

void Checker::CheckExemptionGraph() {
  std::vector<const ast::ExemptDecl*> exemptions;
  for (auto& d : module_.decls) {
    if (auto* ex = llvm::dyn_cast<ast::ExemptDecl>(d.get())) exemptions.push_back(ex);
  }
  auto targets = [](const ast::ExemptDecl* ex) {
    std::vector<const ast::ExemptDecl*> out;
    for (const ast::Decl* t : ex->resolved_targets) {
      if (const auto* e = llvm::dyn_cast<ast::ExemptDecl>(t)) out.push_back(e);
    }
    return out;
  };

  // Cycles: from each exemption in source order, the shortest path back to it.
  std::set<const ast::ExemptDecl*> cyclic;
  for (const ast::ExemptDecl* start : exemptions) {
    if (cyclic.count(start)) continue;
    std::map<const ast::ExemptDecl*, const ast::ExemptDecl*> parent;
    std::vector<const ast::ExemptDecl*> frontier = {start};
    const ast::ExemptDecl* closing = nullptr;
    SourceRange closing_range;
    while (!frontier.empty() && !closing) {
      std::vector<const ast::ExemptDecl*> next;
      for (const ast::ExemptDecl* d : frontier) {
        for (const ast::ExemptDecl* n : targets(d)) {
          if (n == start) {
            closing = d;
            break;
          }
          if (parent.count(n)) continue;
          parent[n] = d;
          next.push_back(n);
        }
        if (closing) break;
      }
      frontier = std::move(next);
    }
    if (!closing) continue;
    std::vector<const ast::ExemptDecl*> path;
    for (const ast::ExemptDecl* d = closing; d != start; d = parent[d]) path.push_back(d);
    std::reverse(path.begin(), path.end());
    bool any = cyclic.count(start) != 0;
    for (const ast::ExemptDecl* d : path) any = any || cyclic.count(d);
    cyclic.insert(start);
    for (const ast::ExemptDecl* d : path) cyclic.insert(d);
    if (any) continue;
    std::vector<std::string> through;
    for (const ast::ExemptDecl* d : path) through.push_back(d->name.name);
    // Where each member names the next one.
    std::vector<const ast::ExemptDecl*> cycle = {start};
    cycle.insert(cycle.end(), path.begin(), path.end());
    auto b = diags_.Build(start->name.range, diag::ExemptionCycle, start->name.name,
                          path.empty() ? std::string("its own target list") : QuoteList(through));
    b.Label("cyclic exemption");
    for (size_t i = 0; i < cycle.size(); ++i) {
      const ast::ExemptDecl* from = cycle[i];
      const ast::ExemptDecl* to = cycle[(i + 1) % cycle.size()];
      for (const ast::QualName& q : from->targets) {
        if (q.is_simple() && q.last() == to->name.name) {
          b.Note(q.range, "`{0}` defeats `{1}` here", from->name.name, to->name.name);
          break;
        }
      }
    }
    b.Help("an exemption cannot defeat itself, directly or through other exemptions");
  }

  // Evaluation order: an exemption comes after every exemption that defeats it.
  std::map<const ast::ExemptDecl*, int> defeaters;
  for (const ast::ExemptDecl* ex : exemptions) defeaters[ex];
  for (const ast::ExemptDecl* ex : exemptions) {
    for (const ast::ExemptDecl* t : targets(ex)) ++defeaters[t];
  }
  std::set<const ast::ExemptDecl*> placed;
  bool progress = true;
  while (progress) {
    progress = false;
    for (const ast::ExemptDecl* ex : exemptions) {
      if (placed.count(ex) || defeaters[ex] != 0) continue;
      placed.insert(ex);
      out_.exemption_order.push_back(ex);
      for (const ast::ExemptDecl* t : targets(ex)) --defeaters[t];
      progress = true;
    }
  }
  for (const ast::ExemptDecl* ex : exemptions) {
    if (!placed.count(ex)) out_.exemption_order.push_back(ex);  // cyclic, already reported
  }
}

void Checker::CheckProperties() {
  for (auto& d : module_.decls) {
    auto* p = llvm::dyn_cast<ast::PropertyDecl>(d.get());
    if (!p || !p->expr) continue;
    in_property_ = true;
    CheckExprAs(*p->expr, Type::Bool());
    in_property_ = false;
  }
}

void Checker::CheckExplanation(const ast::Explanation& ex) {
  if (ex.because) CheckInterpolation(*ex.because);
}

namespace {

bool IsIdentifier(const std::string& s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace

void Checker::CheckInterpolation(const ast::StringLit& s) {
  const std::string& raw = s.raw;
  if (raw.empty()) return;
  size_t i = raw[0] == '"' ? 1 : 0;
  size_t end = raw.size() >= 2 && raw.back() == '"' ? raw.size() - 1 : raw.size();
  auto at = [&](size_t b, size_t e) {
    return SourceRange{s.range.file, s.range.begin + static_cast<uint32_t>(b),
                       s.range.begin + static_cast<uint32_t>(e)};
  };
  while (i < end) {
    char c = raw[i];
    if (c == '\\') {
      if (i + 2 < end && raw[i + 1] == 'u' && raw[i + 2] == '{') {
        size_t close = raw.find('}', i + 3);
        i = close == std::string::npos ? end : close + 1;
      } else {
        i += 2;
      }
      continue;
    }
    if (c == '}') {
      if (i + 1 < end && raw[i + 1] == '}') {
        i += 2;
        continue;
      }
      diags_.Build(at(i, i + 1), diag::BadInterpolation, "unmatched `}` in a `because` text")
          .Label("no `{` before it")
          .Help("write `}}` for a literal brace")
          .Emit();
      ++i;
      continue;
    }
    if (c != '{') {
      ++i;
      continue;
    }
    if (i + 1 < end && raw[i + 1] == '{') {
      i += 2;
      continue;
    }
    size_t j = i + 1;
    while (j < end && raw[j] != '}' && raw[j] != '{') ++j;
    if (j >= end || raw[j] != '}') {
      diags_.Build(at(i, i + 1), diag::BadInterpolation, "unclosed `{` in a `because` text")
          .Label("no `}` after it")
          .Help("write `{{{{` for a literal brace")
          .Emit();
      i = j;
      continue;
    }
    std::string name = raw.substr(i + 1, j - i - 1);
    size_t first = name.find_first_not_of(" \t");
    size_t last = name.find_last_not_of(" \t");
    name = first == std::string::npos ? "" : name.substr(first, last - first + 1);
    SourceRange range = at(i, j + 1);
    i = j + 1;
    if (name == "today") continue;
    if (!IsIdentifier(name)) {
      diags_
          .Build(range, diag::BadInterpolation,
                 llvm::formatv("`{{{0}}` does not name a value", name).str())
          .Label("not a name")
          .Help(
              "interpolate an input field, `let`, `output`, constant or `today`; write `{{` "
              "for a literal brace")
          .Emit();
      continue;
    }
    if (const ast::Field* f = LookupField(name)) {
      f->used = true;
      continue;
    }
    const ast::Decl* d = LookupDecl(name);
    if (d && llvm::isa<ast::ValueDecl>(d)) {
      d->used = true;
      continue;
    }
    if (d) {
      diags_.Build(range, diag::NotAValue, name, WithArticle(DescribeDecl(*d)))
          .Label("not a value")
          .Note(d->name.range, "`{0}` declared here", name)
          .Emit();
      continue;
    }
    std::vector<std::string> candidates;
    for (const auto& [n, f] : fields_) candidates.push_back(n);
    for (const auto& [n, decl] : scope_) {
      if (llvm::isa<ast::ValueDecl>(decl)) candidates.push_back(n);
    }
    auto b = diags_.Build(range, diag::UnknownName, name);
    b.Label("not found");
    if (std::string guess = Suggest(name, candidates); !guess.empty()) {
      b.Help("did you mean `{0}`?", guess);
    }
  }
}

}  // namespace edict::sema
