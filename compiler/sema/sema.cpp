// The driver of semantic analysis: Check(), the declaration pass (scope, imports, singletons,
// enums, input fields, `default`), type references and on-demand typing of const/let/output.
#include "sema/sema.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "llvm/Support/Casting.h"
#include "llvm/Support/Path.h"
#include "sema/sema_internal.h"

namespace edict::sema {

namespace {

// Built-in function names no declaration may take (LANGUAGE.md §10 "Lexing").
const char* const kBuiltinNames[] = {
    "min",   "max", "abs",          "floor",   "ceil",  "round",     "float", "year",
    "month", "day", "days_between", "exceeds", "usage", "remaining", "limit", "applied",
};

bool IsBuiltinName(const std::string& name) {
  for (const char* b : kBuiltinNames) {
    if (name == b) return true;
  }
  return false;
}

// A short range at the start of a declaration: its keyword.
SourceRange KeywordRange(const ast::Decl& d) {
  SourceRange r = d.range;
  r.end = std::min<uint32_t>(r.end, r.begin + static_cast<uint32_t>(strlen(ast::Keyword(d.kind))));
  return r;
}

SourceRange NameOrKeyword(const ast::Decl& d) {
  return d.name.name.empty() || !d.name.range.valid() ? KeywordRange(d) : d.name.range;
}

}  // namespace

auto CheckModule(ast::Module& module, ModuleLoader& loader, DiagnosticEngine& diags)
    -> std::pair<CheckedModule, bool> {
  int errors_before = diags.error_count();
  Checker checker(module, loader, diags);
  CheckedModule checked = checker.Run();
  return {std::move(checked), diags.error_count() == errors_before};
}

auto Check(ast::Module& module, ModuleLoader& loader, DiagnosticEngine& diags)
    -> std::optional<CheckedModule> {
  auto [checked, ok] = CheckModule(module, loader, diags);
  if (!ok) return std::nullopt;
  return std::move(checked);
}

Checker::Checker(ast::Module& module, ModuleLoader& loader, DiagnosticEngine& diags)
    : module_(module), loader_(loader), diags_(diags), sources_(diags.sources()) {}

auto Checker::Text(SourceRange r) const -> std::string {
  if (!r.valid()) return "";
  std::string_view text = sources_.text(r.file);
  if (r.begin > text.size() || r.end > text.size() || r.end < r.begin) return "";
  return std::string(text.substr(r.begin, r.end - r.begin));
}

CheckedModule Checker::Run() {
  out_.module = &module_;
  if (module_.header) {
    is_policy_ = !module_.header->is_module;
    module_name_ = module_.header->name.name;
    if (module_.header->effective) policy_effective_ = module_.header->effective->value;
    if (module_.header->expires) policy_expires_ = module_.header->expires->value;
  }
  out_.is_policy = is_policy_;
  out_.name = module_name_;

  if (!is_policy_ && module_.file.valid()) {
    std::string stem = llvm::sys::path::stem(sources_.path(module_.file)).str();
    if (stem != module_name_) {
      diags_.Build(module_.header->name.range, diag::ModuleNameMismatch, module_name_)
          .Label("module name")
          .Help("rename the file or write `module {0};`", stem)
          .Emit();
    }
  }

  LoadImports();
  CollectDeclarations();
  if (!is_policy_) CheckModuleRestrictions();
  CheckSingletons();
  CheckEnums();
  CheckInputFields();
  CheckDefault();
  CheckValueDecls();
  for (auto& d : module_.decls) {
    if (auto* t = llvm::dyn_cast<ast::TiersDecl>(d.get())) GetTierInfo(*t);
  }
  if (is_policy_) {
    CheckCaps();
    CheckRules();
    CheckExemptions();
    CheckExemptionGraph();
    CheckProperties();
    CheckCapCycles();
    CheckTests();
    CheckPolicyHeader();
    ReportUnused();
  }

  out_.decision = decision_;
  out_.default_decl = default_;
  out_.input = input_;
  out_.scope = scope_;
  for (const auto& [decl, value] : const_values_) {
    if (value && IsOwn(decl)) out_.constants.emplace(decl, *value);
  }
  for (const auto& [decl, info] : tier_info_) {
    if (info.ok && IsOwn(decl)) out_.tiers.emplace(decl, info.arms);
  }
  return std::move(out_);
}

auto EvaluateConstant(const CheckedModule& module, const ast::Expr& expr) -> std::optional<Value> {
  // A throwaway checker over the already-checked module, seeded with the constants and tiers of
  // the module and its imports, so that nothing is checked (or reported) again.
  SourceManager sources;
  DiagnosticEngine diags(sources);
  ModuleLoader loader(sources, diags, SemaOptions{});
  Checker checker(*module.module, loader, diags);
  std::vector<const CheckedModule*> all = {&module};
  all.insert(all.end(), module.imports.begin(), module.imports.end());
  for (const CheckedModule* m : all) {
    for (const auto& [decl, value] : m->constants) checker.const_values_.emplace(decl, value);
    for (const auto& [decl, arms] : m->tiers) {
      TierInfo info;
      info.ok = true;
      info.arms = arms;
      checker.tier_info_.emplace(decl, std::move(info));
      checker.tiers_checked_.insert(decl);
    }
  }
  EvalFailure fail;
  return checker.Eval(expr, fail);
}

// ---------------------------------------------------------------------------------------------
// Imports and the scope

void Checker::LoadImports() {
  std::map<const CheckedModule*, const ast::ImportDecl*> seen;
  for (auto& d : module_.decls) {
    auto* imp = llvm::dyn_cast<ast::ImportDecl>(d.get());
    if (!imp || imp->path.parts.empty()) continue;
    const CheckedModule* m = loader_.Load(imp->path, module_.file);
    if (!m) {
      // Its names are unknown here; reporting each use would bury the one real mistake.
      diags_.Suppress(diag::UnknownName, module_.file);
      continue;
    }
    if (seen.count(m)) continue;  // the same module twice: harmless
    seen[m] = imp;
    const std::string& q = imp->path.last();
    if (modules_.count(q)) {
      diags_.Build(imp->path.range, diag::DuplicateName, q)
          .Label("second module named `{0}`", q)
          .Emit();
      continue;
    }
    modules_[q] = m;
    out_.imports.push_back(m);
    // The module's own declarations become visible unqualified.
    for (const auto& md : m->module->decls) {
      if (md->range.file != m->module->file || md->name.name.empty()) continue;
      if (md->kind != ast::DeclKind::Const && md->kind != ast::DeclKind::Enum &&
          md->kind != ast::DeclKind::Tiers) {
        continue;
      }
      auto [it, inserted] = scope_.emplace(md->name.name, md.get());
      if (!inserted && it->second != md.get()) {
        diags_.Build(imp->path.range, diag::DuplicateName, md->name.name)
            .Label("imports a second `{0}`", md->name.name)
            .Note(it->second->name.range, "first defined here")
            .Note(md->name.range, "also defined here")
            .Emit();
      }
      if (auto* e = llvm::dyn_cast<ast::EnumLikeDecl>(md.get())) visible_enums_.push_back(e);
    }
  }
}

void Checker::CollectDeclarations() {
  // Input fields share the namespace of declarations; visit both in source order so that a
  // duplicate is reported at the later occurrence.
  struct Named {
    const ast::Ident* name;
    ast::Decl* decl;
    const ast::Field* field;
  };
  std::vector<Named> named;
  bool first_input = true;
  for (auto& d : module_.decls) {
    if (auto* in = llvm::dyn_cast<ast::InputDecl>(d.get())) {
      if (first_input) {
        for (auto& f : in->fields) named.push_back({&f->name, nullptr, f.get()});
      }
      first_input = false;
      continue;
    }
    switch (d->kind) {
      case ast::DeclKind::Import:
      case ast::DeclKind::Default:
      case ast::DeclKind::Test:
        continue;
      default:
        break;
    }
    if (d->name.name.empty()) continue;
    named.push_back({&d->name, d.get(), nullptr});
  }
  std::stable_sort(named.begin(), named.end(), [](const Named& a, const Named& b) {
    return a.name->range.begin < b.name->range.begin;
  });

  std::map<std::string, SourceRange> field_ranges;
  for (const Named& n : named) {
    const std::string& name = n.name->name;
    if (n.decl && IsBuiltinName(name)) {
      diags_.Build(n.name->range, diag::ReservedName, name)
          .Label("built-in function name")
          .Help("choose another name")
          .Emit();
    }
    SourceRange earlier;
    bool dup = false;
    if (auto it = scope_.find(name); it != scope_.end()) {
      dup = true;
      earlier = it->second->name.range;
    } else if (auto f = field_ranges.find(name); f != field_ranges.end()) {
      dup = true;
      earlier = f->second;
    }
    if (dup) {
      diags_.Build(n.name->range, diag::DuplicateName, name)
          .Label("defined again here")
          .Note(earlier, "first defined here")
          .Emit();
      continue;
    }
    if (n.field) {
      field_ranges[name] = n.name->range;
      fields_[name] = n.field;
    } else {
      scope_[name] = n.decl;
      if (auto* e = llvm::dyn_cast<ast::EnumLikeDecl>(n.decl)) visible_enums_.push_back(e);
    }
  }

  for (const ast::EnumLikeDecl* e : visible_enums_) {
    std::set<std::string> seen;
    for (size_t i = 0; i < e->member_count(); ++i) {
      const std::string& m = e->member(i).name;
      if (!seen.insert(m).second) continue;
      members_[m].push_back({e, static_cast<int>(i)});
    }
  }
}

void Checker::CheckModuleRestrictions() {
  for (auto& d : module_.decls) {
    switch (d->kind) {
      case ast::DeclKind::Import:
      case ast::DeclKind::Const:
      case ast::DeclKind::Enum:
      case ast::DeclKind::Tiers:
        break;
      default:
        diags_.Build(KeywordRange(*d), diag::ModuleDeclNotAllowed, ast::Keyword(d->kind))
            .Label("in module `{0}`", module_name_)
            .Help("a module holds only `import`, `const`, `enum` and `tiers` declarations")
            .Emit();
    }
  }
}

void Checker::CheckSingletons() {
  ast::Decl* firsts[3] = {nullptr, nullptr, nullptr};
  for (auto& d : module_.decls) {
    int slot = d->kind == ast::DeclKind::Decision  ? 0
               : d->kind == ast::DeclKind::Default ? 1
               : d->kind == ast::DeclKind::Input   ? 2
                                                   : -1;
    if (slot < 0) continue;
    if (!firsts[slot]) {
      firsts[slot] = d.get();
      continue;
    }
    if (!is_policy_) continue;  // already reported as not allowed in a module
    if (d->has_syntax_error) continue;  // usually a keyword misused inside an expression
    diags_.Build(NameOrKeyword(*d), diag::DuplicateSingleton, ast::Keyword(d->kind))
        .Label("second `{0}`", ast::Keyword(d->kind))
        .Note(NameOrKeyword(*firsts[slot]), "first `{0}` declared here", ast::Keyword(d->kind))
        .Emit();
  }
  decision_ = llvm::cast_or_null<ast::EnumDecl>(firsts[0]);
  default_ = llvm::cast_or_null<ast::DefaultDecl>(firsts[1]);
  input_ = llvm::cast_or_null<ast::InputDecl>(firsts[2]);
  if (!is_policy_ || !module_.header) return;
  static const char* const kHelp[3] = {
      "declare the outcomes, least restrictive first: `decision Outcome { allow, deny }`",
      "name the outcome when no rule applies: `default allow;`",
      "declare the request fields: `input { amount: int; }`",
  };
  static const char* const kKeyword[3] = {"decision", "default", "input"};
  for (int i = 0; i < 3; ++i) {
    if (firsts[i]) continue;
    diags_.Build(module_.header->name.range, diag::MissingDecl, module_name_, kKeyword[i])
        .Label("no `{0}`", kKeyword[i])
        .Help("{0}", kHelp[i])
        .Emit();
  }
}

void Checker::CheckEnums() {
  for (auto& d : module_.decls) {
    auto* t = llvm::dyn_cast<ast::TiersDecl>(d.get());
    if (!t) continue;
    ast::Type of = ResolveTypeRef(t->of, "tiers type");
    if (!of.is_error() && of.kind != ast::TypeKind::Int && of.kind != ast::TypeKind::Float &&
        of.kind != ast::TypeKind::Date && of.kind != ast::TypeKind::String && !of.is_enum()) {
      diags_.Build(t->of.range, diag::InvalidPattern, "tiers", ast::ToString(of))
          .Label("cannot be classified")
          .Help("tiers classify `int`, `float`, `date`, `string` or enum values")
          .Emit();
      of = ast::Type::Error();
    }
    if (of.is_enum() && of.decl == t) {
      diags_.Build(t->of.range, diag::CyclicDefinition, t->name.name)
          .Label("classifies itself")
          .Emit();
      of = ast::Type::Error();
    }
    t->of_type = of;
  }
  for (auto& d : module_.decls) {
    auto* e = llvm::dyn_cast<ast::EnumLikeDecl>(d.get());
    if (!e) continue;
    if (e->member_count() == 0) {
      diags_.Build(NameOrKeyword(*e), diag::EmptyEnum, e->name.name).Label("empty").Emit();
      continue;
    }
    std::map<std::string, const ast::Ident*> seen;
    for (size_t i = 0; i < e->member_count(); ++i) {
      const ast::Ident& m = e->member(i);
      auto [it, inserted] = seen.emplace(m.name, &m);
      if (!inserted) {
        diags_.Build(m.range, diag::DuplicateMember, m.name, e->name.name)
            .Label("listed again")
            .Note(it->second->range, "first listed here")
            .Emit();
      }
    }
  }
}

void Checker::CheckInputFields() {
  if (!input_) return;
  for (auto& f : input_->fields) {
    ast::Type t = ResolveTypeRef(f->type_ref, "field");
    if (t.is_enum() && t.decl == decision_ && decision_) {
      diags_.Build(f->type_ref.range, diag::DecisionField, f->name.name)
          .Label("the decision type")
          .Help("declare an `enum` with the same members for the request")
          .Emit();
      t = ast::Type::Error();
    }
    f->type = t;
  }
  for (auto& f : input_->fields) {
    if (!f->default_value) continue;
    if (f->type.is_error()) {
      CheckExpr(*f->default_value);
      continue;
    }
    ast::Type dt = CheckExprAs(*f->default_value, f->type);
    if (!dt.is_error() && IsAssignable(f->type, dt)) EvalReported(*f->default_value, f->name.name);
  }
}

void Checker::CheckDefault() {
  if (!default_ || !decision_ || !is_policy_) return;
  default_->member_index = ResolveMemberOf(default_->member, *decision_, diag::NotAnOutcome);
}

void Checker::CheckValueDecls() {
  for (auto& d : module_.decls) {
    auto* v = llvm::dyn_cast<ast::ValueDecl>(d.get());
    if (!v) continue;
    EnsureValueDecl(*v, {});
    if (v->kind == ast::DeclKind::Const && !v->type.is_error()) ConstValue(*v);
  }
}

void Checker::CheckPolicyHeader() {
  if (!module_.header) return;
  const ast::Header& h = *module_.header;
  if (h.effective && h.expires && !(h.effective->value < h.expires->value)) {
    diags_
        .Build(h.expires->range, diag::BadPolicyDates, FormatDate(h.effective->value),
               FormatDate(h.expires->value))
        .Label("not after `effective`")
        .Note(h.effective->range, "`effective` given here")
        .Emit();
  }
}

// ---------------------------------------------------------------------------------------------
// Lookups

auto Checker::LookupDecl(const std::string& name) const -> const ast::Decl* {
  auto it = scope_.find(name);
  return it == scope_.end() ? nullptr : it->second;
}

auto Checker::LookupField(const std::string& name) const -> const ast::Field* {
  auto it = fields_.find(name);
  return it == fields_.end() ? nullptr : it->second;
}

auto Checker::LookupModuleDecl(const std::string& q, const std::string& name) const
    -> const ast::Decl* {
  auto it = modules_.find(q);
  if (it == modules_.end()) return nullptr;
  const ast::Module* m = it->second->module;
  for (const auto& d : m->decls) {
    if (d->range.file == m->file && d->name.name == name &&
        (d->kind == ast::DeclKind::Const || d->kind == ast::DeclKind::Enum ||
         d->kind == ast::DeclKind::Tiers)) {
      return d.get();
    }
  }
  return nullptr;
}

auto Checker::AllNames() const -> std::vector<std::string> {
  std::vector<std::string> names;
  for (const auto& [n, d] : scope_) names.push_back(n);
  for (const auto& [n, f] : fields_) names.push_back(n);
  for (const auto& [n, m] : members_) names.push_back(n);
  return names;
}

auto Checker::DescribeDecl(const ast::Decl& d) -> const char* {
  switch (d.kind) {
    case ast::DeclKind::Const:
      return "constant";
    case ast::DeclKind::Enum:
      return "enum type";
    case ast::DeclKind::Decision:
      return "decision type";
    case ast::DeclKind::Tiers:
      return "tiers type";
    case ast::DeclKind::Let:
      return "let";
    case ast::DeclKind::Output:
      return "output";
    case ast::DeclKind::Cap:
      return "cap";
    case ast::DeclKind::Rule:
      return "rule";
    case ast::DeclKind::Exempt:
      return "exemption";
    case ast::DeclKind::Property:
      return "property";
    default:
      return ast::Keyword(d.kind);
  }
}

// ---------------------------------------------------------------------------------------------
// Types

auto Checker::ResolveTypeRef(const ast::TypeRef& ref, const char* no_set_holder) -> ast::Type {
  switch (ref.kind) {
    case ast::TypeRefKind::Bool:
      return ast::Type::Bool();
    case ast::TypeRefKind::Int:
      return ast::Type::Int();
    case ast::TypeRefKind::Float:
      return ast::Type::Float();
    case ast::TypeRefKind::String:
      return ast::Type::String();
    case ast::TypeRefKind::Date:
      return ast::Type::Date();
    case ast::TypeRefKind::Set: {
      if (no_set_holder) {
        diags_.Build(ref.range, diag::SetNotAllowed, WithArticle(no_set_holder))
            .Label("set type")
            .Help("declare the set as a `const` and test membership with `in`")
            .Emit();
        return ast::Type::Error();
      }
      if (!ref.element) return ast::Type::Error();
      ast::Type elem = ResolveTypeRef(*ref.element, "set");
      if (elem.is_error()) return elem;
      return ast::Type::SetOf(elem);
    }
    case ast::TypeRefKind::Named:
      break;
  }
  const ast::QualName& q = ref.name;
  if (q.parts.empty()) return ast::Type::Error();
  const ast::EnumLikeDecl* e = ResolveEnumPrefix(q, q.parts.size());
  if (!e) return ast::Type::Error();
  return ast::Type::Enum(e);
}

auto Checker::ResolveEnumPrefix(const ast::QualName& q, size_t n) -> const ast::EnumLikeDecl* {
  const ast::Decl* d = nullptr;
  SourceRange range = SourceRange::Join(q.parts[0].range, q.parts[n - 1].range);
  std::string text = q.parts[0].name;
  for (size_t i = 1; i < n; ++i) text += "." + q.parts[i].name;
  if (n == 1) {
    d = LookupDecl(q.parts[0].name);
    if (!d) {
      std::vector<std::string> types;
      for (const ast::EnumLikeDecl* e : visible_enums_) types.push_back(e->name.name);
      auto b = diags_.Build(range, diag::UnknownName, text);
      b.Label("not found");
      if (IsModuleName(text)) {
        b.Help("`{0}` is a module; name one of its types as `{0}.NAME`", text);
      } else if (std::string guess = Suggest(text, types); !guess.empty()) {
        b.Help("did you mean `{0}`?", guess);
      }
      return nullptr;
    }
  } else if (n == 2 && IsModuleName(q.parts[0].name)) {
    d = LookupModuleDecl(q.parts[0].name, q.parts[1].name);
    if (!d) {
      diags_.Build(range, diag::UnknownName, text)
          .Label("module `{0}` has no `{1}`", q.parts[0].name, q.parts[1].name)
          .Emit();
      return nullptr;
    }
  } else {
    if (!LookupDecl(q.parts[0].name) && !IsModuleName(q.parts[0].name)) {
      diags_.Build(q.parts[0].range, diag::UnknownName, q.parts[0].name).Label("not found").Emit();
    } else {
      diags_.Build(range, diag::NotAType, text).Label("not a type").Emit();
    }
    return nullptr;
  }
  auto* e = llvm::dyn_cast<ast::EnumLikeDecl>(d);
  if (!e) {
    diags_.Build(range, diag::NotAType, text)
        .Label("{0}", WithArticle(DescribeDecl(*d)))
        .Note(d->name.range, "`{0}` declared here", d->name.name)
        .Emit();
    return nullptr;
  }
  e->used = true;
  return e;
}

auto Checker::ResolveMemberOf(const ast::QualName& q, const ast::EnumLikeDecl& within,
                              DiagKind on_missing) -> int {
  if (q.parts.empty()) return -1;
  const ast::EnumLikeDecl* owner = &within;
  if (!q.is_simple()) {
    owner = ResolveEnumPrefix(q, q.parts.size() - 1);
    if (!owner) return -1;
    if (owner != &within) {
      diags_.Build(q.range, diag::TypeMismatch, within.name.name, owner->name.name)
          .Label("a member of `{0}`", owner->name.name)
          .Emit();
      return -1;
    }
  }
  within.used = true;
  const ast::Ident& last = q.parts.back();
  int index = within.FindMember(last.name);
  if (index >= 0) return index;
  std::vector<std::string> names;
  for (size_t i = 0; i < within.member_count(); ++i) names.push_back(within.member(i).name);
  std::string guess = Suggest(last.name, names);
  auto b = on_missing == diag::NotAnOutcome
               ? diags_.Build(last.range, diag::NotAnOutcome, last.name, within.name.name)
               : diags_.Build(last.range, diag::UnknownMember, within.name.name, last.name);
  b.Label("not a member");
  if (!guess.empty()) b.Help("did you mean `{0}`?", guess);
  b.Note(within.name.range, "`{0}` declared here", within.name.name);
  return -1;
}

auto Checker::EnsureValueDecl(const ast::ValueDecl& cdecl, SourceRange use_range) -> ast::Type {
  if (!IsOwn(&cdecl)) return cdecl.type;
  auto& decl = const_cast<ast::ValueDecl&>(cdecl);  // own AST: the checker annotates it
  State& state = decl_state_[&decl];
  if (state == State::Done) return decl.type;
  if (state == State::InProgress) {
    size_t k = 0;
    while (k < decl_stack_.size() && decl_stack_[k].decl != &decl) ++k;
    std::vector<const ast::ValueDecl*> members;
    std::vector<SourceRange> uses;  // uses[i]: where members[i] uses members[i + 1]
    for (size_t i = k; i < decl_stack_.size(); ++i) {
      members.push_back(decl_stack_[i].decl);
      if (i > k) uses.push_back(decl_stack_[i].entered_from);
    }
    uses.push_back(use_range);
    bool already = true;
    for (const ast::ValueDecl* m : members) already = already && cyclic_.count(m);
    for (const ast::ValueDecl* m : members) cyclic_.insert(m);
    if (already) return ast::Type::Error();
    size_t first = 0;
    for (size_t i = 1; i < members.size(); ++i) {
      if (members[i]->name.range.begin < members[first]->name.range.begin) first = i;
    }
    std::rotate(members.begin(), members.begin() + first, members.end());
    std::rotate(uses.begin(), uses.begin() + first, uses.end());
    auto b = diags_.Build(members[0]->name.range, diag::CyclicDefinition, members[0]->name.name);
    b.Label("cyclic definition");
    for (size_t i = 0; i < members.size(); ++i) {
      const ast::ValueDecl* next = members[(i + 1) % members.size()];
      if (next == members[i]) {
        b.Note(uses[i], "`{0}` uses itself here", members[i]->name.name);
      } else {
        b.Note(uses[i], "`{0}` uses `{1}` here", members[i]->name.name, next->name.name);
      }
    }
    return ast::Type::Error();
  }

  state = State::InProgress;
  decl_stack_.push_back({&decl, use_range});
  bool saved_property = in_property_;
  in_property_ = false;

  const char* holder = decl.kind == ast::DeclKind::Const ? nullptr
                       : decl.kind == ast::DeclKind::Let ? "let"
                                                         : "output";
  bool allow_set = decl.kind == ast::DeclKind::Const;
  ast::Type t;
  if (decl.declared_type) {
    ast::Type declared = ResolveTypeRef(*decl.declared_type, holder);
    if (declared.is_error()) {
      if (decl.value) CheckExpr(*decl.value, nullptr, allow_set);
      t = declared;
    } else {
      if (decl.value) CheckExprAs(*decl.value, declared, allow_set);
      t = declared;
    }
  } else if (decl.value) {
    t = CheckExpr(*decl.value, nullptr, allow_set);
    if (holder && t.kind == ast::TypeKind::Set) {
      diags_.Build(decl.value->range, diag::SetNotAllowed, WithArticle(holder))
          .Label("a set")
          .Help("declare the set as a `const` and test membership with `in`")
          .Emit();
      t = ast::Type::Error();
    }
  }

  in_property_ = saved_property;
  decl_stack_.pop_back();
  decl_state_[&decl] = State::Done;
  if (cyclic_.count(&decl)) t = ast::Type::Error();
  decl.type = t;
  return t;
}

}  // namespace edict::sema
