// Caps (LANGUAGE.md §5, §10 "Caps"): entries, their types, the window, `record`, a negative
// constant limit, and cycles between caps through exceeds/usage/remaining/limit.
#include <algorithm>
#include <functional>
#include <string>

#include "llvm/Support/Casting.h"
#include "sema/sema_internal.h"

namespace edict::sema {

using ast::Type;
using ast::TypeKind;

void Checker::CheckCaps() {
  for (auto& d : module_.decls) {
    if (auto* cap = llvm::dyn_cast<ast::CapDecl>(d.get())) CheckCap(*cap);
  }
}

void Checker::CheckCap(ast::CapDecl& cap) {
  std::map<ast::CapField, const ast::CapEntry*> first;
  for (ast::CapEntry& entry : cap.entries) {
    if (entry.field == ast::CapField::Unknown) continue;  // reported by the parser
    auto [it, inserted] = first.emplace(entry.field, &entry);
    if (!inserted) {
      diags_.Build(entry.label.range, diag::DuplicateCapEntry, ast::Spelling(entry.field))
          .Label("given again")
          .Note(it->second->label.range, "first given here")
          .Emit();
      for (auto& v : entry.values) CheckExpr(*v);
      continue;
    }
    switch (entry.field) {
      case ast::CapField::Limit:
        for (auto& v : entry.values) {
          Type t = CheckExprAs(*v, Type::Int());
          if (t.kind != TypeKind::Int) continue;
          EvalFailure fail;
          std::optional<Value> val = Eval(*v, fail);
          if (val && val->kind == Value::Kind::Int && val->i < 0) {
            diags_.Build(v->range, diag::NegativeLimit, cap.name.name, val->i)
                .Label("negative")
                .Emit();
          }
        }
        break;
      case ast::CapField::Amount:
        for (auto& v : entry.values) CheckExprAs(*v, Type::Int());
        break;
      case ast::CapField::Applies:
        for (auto& v : entry.values) CheckExprAs(*v, Type::Bool());
        break;
      case ast::CapField::Key:
        for (auto& v : entry.values) {
          Type t = CheckExpr(*v);
          if (t.is_error()) continue;
          if (t.kind == TypeKind::Float || t.kind == TypeKind::Set) {
            diags_.Build(v->range, diag::InvalidCapKey, ast::ToString(t))
                .Label("this is `{0}`", ast::ToString(t))
                .Help(
                    "keys are int, string, bool, date or enum values; a float has no exact "
                    "identity to count by")
                .Emit();
          }
        }
        break;
      case ast::CapField::Window: {
        static const char* const kWindows[] = {"day", "month", "quarter", "year", "forever"};
        static const ast::Window kValues[] = {ast::Window::Day, ast::Window::Month,
                                              ast::Window::Quarter, ast::Window::Year,
                                              ast::Window::Forever};
        if (entry.values.empty()) break;
        const ast::Expr& v = *entry.values[0];
        const auto* n = llvm::dyn_cast<ast::NameExpr>(&v);
        bool found = false;
        if (n && n->name.is_simple()) {
          for (int i = 0; i < 5; ++i) {
            if (n->name.last() == kWindows[i]) {
              cap.window = kValues[i];
              found = true;
            }
          }
        }
        if (!found && v.kind != ast::ExprKind::Error) {
          std::vector<std::string> names(std::begin(kWindows), std::end(kWindows));
          auto b = diags_.Build(v.range, diag::InvalidWindow, Text(v.range));
          b.Label("not a window");
          if (n) {
            if (std::string guess = Suggest(n->name.last(), names); !guess.empty()) {
              b.Help("did you mean `{0}`?", guess);
            }
          }
          b.Help("a window is one of `day`, `month`, `quarter`, `year` or `forever`");
        }
        for (size_t i = 1; i < entry.values.size(); ++i) {
          diags_.Build(entry.values[i]->range, diag::InvalidWindow, Text(entry.values[i]->range))
              .Label("a cap has one window")
              .Emit();
        }
        break;
      }
      case ast::CapField::Record: {
        cap.record_outcomes.clear();
        if (!decision_) break;
        if (entry.values.size() == 1) {
          const auto* n = llvm::dyn_cast<ast::NameExpr>(entry.values[0].get());
          if (n && n->name.is_simple() && n->name.last() == "none" &&
              decision_->FindMember("none") < 0) {
            break;  // `record: none`
          }
        }
        for (auto& v : entry.values) {
          auto* n = llvm::dyn_cast<ast::NameExpr>(v.get());
          if (!n) {
            if (v->kind == ast::ExprKind::Error) continue;
            Type t = CheckExpr(*v);
            if (!t.is_error()) ReportTypeMismatch(*v, Type::Enum(decision_), t);
            continue;
          }
          int index = ResolveMemberOf(n->name, *decision_, diag::NotAnOutcome);
          if (index < 0) {
            n->ref.kind = ast::NameRef::Kind::Error;
            continue;
          }
          n->ref.kind = ast::NameRef::Kind::Member;
          n->ref.decl = decision_;
          n->ref.index = index;
          n->type = Type::Enum(decision_);
          if (std::find(cap.record_outcomes.begin(), cap.record_outcomes.end(), index) ==
              cap.record_outcomes.end()) {
            cap.record_outcomes.push_back(index);
          }
        }
        break;
      }
      case ast::CapField::Unknown:
        break;
    }
  }
  if (!first.count(ast::CapField::Record) && decision_ && decision_->member_count() > 0) {
    cap.record_outcomes = {0};
  }
  for (ast::CapField f : {ast::CapField::Limit, ast::CapField::Amount}) {
    if (first.count(f)) continue;
    diags_.Build(cap.name.range, diag::CapMissingEntry, cap.name.name, ast::Spelling(f))
        .Label("no `{0}`", ast::Spelling(f))
        .Help(f == ast::CapField::Limit ? "add `limit: N;`, the most the ledger may hold"
                                        : "add `amount: EXPR;`, what one request adds")
        .Emit();
  }
}

void Checker::CollectCapUses(const ast::Expr* e, std::set<const ast::Decl*>& out) {
  if (!e) return;
  switch (e->kind) {
    case ast::ExprKind::Name: {
      const auto* n = llvm::cast<ast::NameExpr>(e);
      if (n->ref.kind != ast::NameRef::Kind::Let && n->ref.kind != ast::NameRef::Kind::Output) {
        return;
      }
      const auto* v = llvm::cast<ast::ValueDecl>(n->ref.decl);
      if (cap_use_in_progress_.count(v)) return;
      auto it = decl_cap_uses_.find(v);
      if (it == decl_cap_uses_.end()) {
        cap_use_in_progress_.insert(v);
        std::set<const ast::Decl*> uses;
        CollectCapUses(v->value.get(), uses);
        cap_use_in_progress_.erase(v);
        it = decl_cap_uses_.emplace(v, std::move(uses)).first;
      }
      out.insert(it->second.begin(), it->second.end());
      return;
    }
    case ast::ExprKind::Call: {
      const auto* c = llvm::cast<ast::CallExpr>(e);
      if (c->builtin == ast::Builtin::Exceeds || c->builtin == ast::Builtin::Usage ||
          c->builtin == ast::Builtin::Remaining || c->builtin == ast::Builtin::Limit) {
        if (c->args.size() == 1) {
          if (const auto* n = llvm::dyn_cast<ast::NameExpr>(c->args[0].get());
              n && n->ref.kind == ast::NameRef::Kind::Decl) {
            out.insert(n->ref.decl);
          }
        }
        return;
      }
      for (const auto& a : c->args) CollectCapUses(a.get(), out);
      return;
    }
    case ast::ExprKind::Unary:
      CollectCapUses(llvm::cast<ast::UnaryExpr>(e)->operand.get(), out);
      return;
    case ast::ExprKind::Binary: {
      const auto* b = llvm::cast<ast::BinaryExpr>(e);
      CollectCapUses(b->lhs.get(), out);
      CollectCapUses(b->rhs.get(), out);
      return;
    }
    case ast::ExprKind::Set:
      for (const auto& el : llvm::cast<ast::SetExpr>(e)->elements) CollectCapUses(el.get(), out);
      return;
    case ast::ExprKind::If: {
      const auto* i = llvm::cast<ast::IfExpr>(e);
      CollectCapUses(i->cond.get(), out);
      CollectCapUses(i->then_expr.get(), out);
      CollectCapUses(i->else_expr.get(), out);
      return;
    }
    case ast::ExprKind::Match: {
      const auto* m = llvm::cast<ast::MatchExpr>(e);
      CollectCapUses(m->scrutinee.get(), out);
      for (const auto& arm : m->arms) CollectCapUses(arm.value.get(), out);
      return;
    }
    default:
      return;
  }
}

void Checker::CheckCapCycles() {
  // Edges: a cap's limit, applies, amount and key read other caps; so do the conditions of the
  // exemptions that can defeat it (they decide whether it applies).
  std::vector<const ast::CapDecl*> caps;
  for (auto& d : module_.decls) {
    if (auto* cap = llvm::dyn_cast<ast::CapDecl>(d.get())) caps.push_back(cap);
  }
  if (caps.empty()) return;
  std::map<const ast::Decl*, std::vector<const ast::ExemptDecl*>> exempting;
  for (auto& d : module_.decls) {
    if (auto* ex = llvm::dyn_cast<ast::ExemptDecl>(d.get())) {
      for (const ast::Decl* t : ex->resolved_targets) exempting[t].push_back(ex);
    }
  }
  std::map<const ast::Decl*, std::set<const ast::Decl*>> edges;
  for (const ast::CapDecl* cap : caps) {
    std::set<const ast::Decl*> uses;
    for (const ast::CapEntry& entry : cap->entries) {
      if (entry.field == ast::CapField::Limit || entry.field == ast::CapField::Applies ||
          entry.field == ast::CapField::Amount || entry.field == ast::CapField::Key) {
        for (const auto& v : entry.values) CollectCapUses(v.get(), uses);
      }
    }
    // Exemptions defeating the cap, and those defeating them, transitively.
    std::vector<const ast::Decl*> work = {cap};
    std::set<const ast::Decl*> seen = {cap};
    while (!work.empty()) {
      const ast::Decl* t = work.back();
      work.pop_back();
      for (const ast::ExemptDecl* ex : exempting[t]) {
        if (!seen.insert(ex).second) continue;
        CollectCapUses(ex->cond.get(), uses);
        work.push_back(ex);
      }
    }
    edges[cap] = std::move(uses);
  }

  // Find cycles with a depth-first search from each cap in source order; report each cycle once
  // at its first member in source order.
  std::set<const ast::Decl*> in_reported_cycle;
  for (const ast::CapDecl* start : caps) {
    if (in_reported_cycle.count(start)) continue;
    // Shortest path from start back to start (breadth first).
    std::map<const ast::Decl*, const ast::Decl*> parent;
    std::vector<const ast::Decl*> frontier = {start};
    const ast::Decl* closing = nullptr;
    while (!frontier.empty() && !closing) {
      std::vector<const ast::Decl*> next;
      for (const ast::Decl* d : frontier) {
        for (const ast::Decl* n : edges[d]) {
          if (n == start) {
            closing = d;
            break;
          }
          if (parent.count(n) || !edges.count(n)) continue;
          parent[n] = d;
          next.push_back(n);
        }
        if (closing) break;
      }
      frontier = std::move(next);
    }
    if (!closing) continue;
    std::vector<const ast::Decl*> path;
    for (const ast::Decl* d = closing; d != start; d = parent[d]) path.push_back(d);
    std::reverse(path.begin(), path.end());
    // Report at the first member in source order.
    std::vector<const ast::Decl*> cycle = {start};
    cycle.insert(cycle.end(), path.begin(), path.end());
    bool any_reported = false;
    for (const ast::Decl* d : cycle) any_reported = any_reported || in_reported_cycle.count(d);
    for (const ast::Decl* d : cycle) in_reported_cycle.insert(d);
    if (any_reported) continue;
    std::vector<std::string> through;
    for (const ast::Decl* d : path) through.push_back(d->name.name);
    auto b = diags_.Build(start->name.range, diag::CapCycle, start->name.name,
                          path.empty() ? std::string("its own entries") : QuoteList(through));
    b.Label("cyclic cap");
    for (const ast::Decl* d : path) b.Note(d->name.range, "`{0}` declared here", d->name.name);
    b.Help("a cap's `limit`, `applies`, `amount` and `key` cannot read caps that read it back");
  }
}

}  // namespace edict::sema
