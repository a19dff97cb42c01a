// In-language tests (LANGUAGE.md §8): request fields and their constant values, missing fields,
// usage figures, expected outcomes, error codes, `by` rules and `where` conditions.
#include <string>

#include "llvm/Support/Casting.h"
#include "sema/sema_internal.h"

namespace edict::sema {

using ast::Type;

namespace {

// Evaluation error codes (LANGUAGE.md §10 "Requests and results").
const char* const kErrorCodes[] = {
    "int_overflow", "division_by_zero", "non_finite",           "negative_amount", "negative_limit",
    "not_in_force", "unknown_field",    "missing_field",        "wrong_type",      "unknown_member",
    "invalid_date", "bad_request",      "idempotency_conflict",
};

}  // namespace

void Checker::CheckTests() {
  for (auto& d : module_.decls) {
    auto* test = llvm::dyn_cast<ast::TestDecl>(d.get());
    if (!test) continue;
    for (ast::TestStep& step : test->steps) CheckStep(step);
  }
}

void Checker::CheckStep(ast::TestStep& step) {
  // The request.
  std::map<std::string, const ast::RequestField*> given;
  for (ast::RequestField& rf : step.request) {
    const std::string& name = rf.name.name;
    if (auto it = given.find(name); it != given.end()) {
      diags_.Build(rf.name.range, diag::DuplicateRequestField, name)
          .Label("given again")
          .Note(it->second->name.range, "first given here")
          .Emit();
      continue;
    }
    given[name] = &rf;
    if (!rf.value) continue;
    if (name == "today") {
      Type t = CheckExprAs(*rf.value, Type::Date());
      if (t.kind == ast::TypeKind::Date) EvalReported(*rf.value, name);
      continue;
    }
    const ast::Field* field = LookupField(name);
    if (!field) {
      std::vector<std::string> names;
      for (const auto& [n, f] : fields_) names.push_back(n);
      auto b = diags_.Build(rf.name.range, diag::UnknownField, name);
      b.Label("unknown field");
      if (std::string guess = Suggest(name, names); !guess.empty()) {
        b.Help("did you mean `{0}`?", guess);
      }
      if (input_)
        b.Note(SourceRange{input_->range.file, input_->range.begin, input_->range.begin + 5},
               "`input` declared here");
      continue;
    }
    rf.field = field;
    field->used = true;
    if (field->type.is_error()) continue;
    Type t = CheckExprAs(*rf.value, field->type);
    if (!t.is_error() && IsAssignable(field->type, t)) EvalReported(*rf.value, name);
  }
  if (input_) {
    for (const auto& f : input_->fields) {
      if (f->default_value || given.count(f->name.name)) continue;
      if (fields_.find(f->name.name) == fields_.end() || fields_[f->name.name] != f.get()) continue;
      diags_.Build(step.request_range, diag::MissingRequestField, f->name.name)
          .Label("no `{0}`", f->name.name)
          .Note(f->name.range, "`{0}` has no default", f->name.name)
          .Emit();
    }
  }

  // Usage figures.
  std::map<std::string, const ast::UsageEntry*> usage_seen;
  for (ast::UsageEntry& u : step.usage) {
    if (auto it = usage_seen.find(u.cap.name); it != usage_seen.end()) {
      diags_.Build(u.cap.range, diag::DuplicateRequestField, u.cap.name)
          .Label("given again")
          .Note(it->second->cap.range, "first given here")
          .Emit();
      continue;
    }
    usage_seen[u.cap.name] = &u;
    const ast::Decl* d = LookupDecl(u.cap.name);
    if (d && d->kind == ast::DeclKind::Cap) {
      u.cap_decl = d;
      d->used = true;
    } else {
      std::vector<std::string> caps;
      for (const auto& [n, decl] : scope_) {
        if (decl->kind == ast::DeclKind::Cap) caps.push_back(n);
      }
      auto b = diags_.Build(u.cap.range, diag::UnknownCap, u.cap.name);
      b.Label(d ? "{0}, not a cap" : "not a cap", d ? WithArticle(DescribeDecl(*d)) : "");
      if (std::string guess = Suggest(u.cap.name, caps); !guess.empty()) {
        b.Help("did you mean `{0}`?", guess);
      }
    }
    if (!u.value) continue;
    Type t = CheckExprAs(*u.value, Type::Int());
    if (t.kind == ast::TypeKind::Int) EvalReported(*u.value, u.cap.name);
  }

  // The expectation.
  if (step.expects_error) {
    const std::string& code = step.error_code.name;
    std::vector<std::string> codes(std::begin(kErrorCodes), std::end(kErrorCodes));
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
      auto b = diags_.Build(step.error_code.range, diag::UnknownErrorCode, code);
      b.Label("unknown code");
      if (std::string guess = Suggest(code, codes); !guess.empty()) {
        b.Help("did you mean `{0}`?", guess);
      } else {
        b.Help("the codes are {0}", QuoteList(codes, codes.size()));
      }
    }
    return;
  }
  if (!step.outcome.parts.empty()) step.outcome_index = CheckOutcomeName(step.outcome);

  if (step.has_by) {
    const auto* nothing_rule = llvm::dyn_cast_or_null<ast::RuleDecl>(LookupDecl("nothing"));
    if (step.by_nothing && nothing_rule) {
      step.by_nothing = false;
      if (step.by.empty()) step.by_rules.push_back(nothing_rule);
    } else if (!step.by_nothing && step.by.size() == 1 && step.by[0].is_simple() &&
               step.by[0].last() == "nothing" && !nothing_rule) {
      step.by_nothing = true;
    }
    if (!step.by_nothing) {
      std::set<const ast::Decl*> seen;
      for (const ast::QualName& q : step.by) {
        if (q.parts.empty()) continue;
        const ast::Decl* d = q.is_simple() ? LookupDecl(q.last()) : nullptr;
        if (d && d->kind == ast::DeclKind::Rule) {
          d->used = true;
          if (seen.insert(d).second) step.by_rules.push_back(d);
          continue;
        }
        std::vector<std::string> rules;
        for (const auto& [n, decl] : scope_) {
          if (decl->kind == ast::DeclKind::Rule) rules.push_back(n);
        }
        auto b = diags_.Build(q.range, diag::NotARule, q.str());
        b.Label(d ? "{0}" : "not found", d ? WithArticle(DescribeDecl(*d)) : "");
        if (!d) {
          if (std::string guess = Suggest(q.last(), rules); !guess.empty()) {
            b.Help("did you mean `{0}`?", guess);
          }
        }
      }
    }
  }
  if (step.where) CheckExprAs(*step.where, Type::Bool());
}

}  // namespace edict::sema
