#include "parse/ast_builder.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "llvm/Support/Casting.h"

namespace edict::parse {
namespace {

using antlr4::Token;

constexpr int kMaxExprDepth = 400;

auto WithoutUnderscores(std::string_view s) -> std::string {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != '_') out += c;
  }
  return out;
}

auto IsHex(char c) -> bool {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

auto CompareOpOf(EdictParser::CompareOpContext* op) -> ast::BinaryOp {
  if (op->NOT() != nullptr) return ast::BinaryOp::NotIn;
  switch (op->getStart()->getType()) {
    case EdictParser::EQ: return ast::BinaryOp::Eq;
    case EdictParser::NE: return ast::BinaryOp::Ne;
    case EdictParser::LT: return ast::BinaryOp::Lt;
    case EdictParser::LE: return ast::BinaryOp::Le;
    case EdictParser::GT: return ast::BinaryOp::Gt;
    case EdictParser::GE: return ast::BinaryOp::Ge;
    default: return ast::BinaryOp::In;
  }
}

auto CapFieldOf(const std::string& label) -> ast::CapField {
  if (label == "limit") return ast::CapField::Limit;
  if (label == "key") return ast::CapField::Key;
  if (label == "window") return ast::CapField::Window;
  if (label == "amount") return ast::CapField::Amount;
  if (label == "applies") return ast::CapField::Applies;
  if (label == "record") return ast::CapField::Record;
  return ast::CapField::Unknown;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Files and declarations

auto AstBuilder::BuildFile(EdictParser::FileContext& ctx) -> ast::Module {
  ast::Module module;
  module.file = map_.file();
  // getTokens() returns a copy in ANTLR 4.9: take it once.
  all_tokens_ = tokens_.getTokens();
  doc_used_.assign(all_tokens_.size(), false);
  bool seen_decl = false;
  for (antlr4::tree::ParseTree* child : ctx.children) {
    if (auto* header = dynamic_cast<EdictParser::HeaderContext*>(child)) {
      SourceRange keyword = Range(header->getStart());
      if (module.header) {
        diags_.Build(keyword, diag::DuplicateHeader)
            .Label("second header")
            .Note(module.header->range, "first header here")
            .Emit();
        continue;
      }
      if (seen_decl) {
        diags_.Build(keyword, diag::MisplacedHeader, header->getStart()->getText())
            .Label("after other declarations")
            .Help("move the header to the top of the file")
            .Emit();
      }
      BuildHeader(*header, module);
    } else if (auto* decl = dynamic_cast<EdictParser::DeclContext*>(child)) {
      seen_decl = true;
      if (ast::DeclPtr d = BuildDecl(*decl)) module.decls.push_back(std::move(d));
    }
  }
  if (!module.header && !diags_.has_errors()) {
    uint32_t begin = map_.Offset(0);
    diags_.Build(SourceRange{map_.file(), begin, begin}, diag::MissingHeader)
        .Help("start the file with `policy NAME;` or `module NAME;`")
        .Emit();
  }
  CollectComments(module);
  return module;
}

void AstBuilder::BuildHeader(EdictParser::HeaderContext& ctx, ast::Module& module) {
  ast::Header h;
  h.range = Range(&ctx);
  h.doc = DocBefore(ctx.getStart());
  if (auto* m = dynamic_cast<EdictParser::ModuleHeaderContext*>(&ctx)) {
    h.is_module = true;
    h.name = BuildIdent(m->name);
  } else if (auto* p = dynamic_cast<EdictParser::PolicyHeaderContext*>(&ctx)) {
    h.name = BuildIdent(p->name);
    for (auto* clause : p->headerClause()) {
      const char* word = nullptr;
      bool duplicate = false;
      if (auto* v = dynamic_cast<EdictParser::VersionClauseContext*>(clause)) {
        word = "version";
        duplicate = h.version.has_value();
        if (!duplicate) h.version = BuildString(v->STRING());
      } else if (auto* e = dynamic_cast<EdictParser::EffectiveClauseContext*>(clause)) {
        word = "effective";
        duplicate = h.effective.has_value();
        if (!duplicate) h.effective = BuildDate(e->DATE());
      } else if (auto* x = dynamic_cast<EdictParser::ExpiresClauseContext*>(clause)) {
        word = "expires";
        duplicate = h.expires.has_value();
        if (!duplicate) h.expires = BuildDate(x->DATE());
      }
      if (duplicate) diags_.Build(Range(clause), diag::DuplicateClause, word).Emit();
    }
  }
  module.header = std::move(h);
}

namespace {

// True when ANTLR recovered from a syntax error somewhere inside `tree` (an error node for an
// extraneous or conjured token, or a rule that caught a recognition exception).
bool HasSyntaxError(antlr4::tree::ParseTree* tree) {
  std::vector<antlr4::tree::ParseTree*> stack{tree};
  while (!stack.empty()) {
    antlr4::tree::ParseTree* t = stack.back();
    stack.pop_back();
    if (dynamic_cast<antlr4::tree::ErrorNode*>(t) != nullptr) return true;
    if (auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(t); rule && rule->exception) {
      return true;
    }
    for (antlr4::tree::ParseTree* c : t->children) stack.push_back(c);
  }
  return false;
}

}  // namespace

auto AstBuilder::BuildDecl(EdictParser::DeclContext& ctx) -> ast::DeclPtr {
  in_broken_decl_ = HasSyntaxError(&ctx);
  ast::DeclPtr out = BuildDeclParts(ctx);
  if (out) out->has_syntax_error = in_broken_decl_;
  in_broken_decl_ = false;
  return out;
}

auto AstBuilder::BuildDeclParts(EdictParser::DeclContext& ctx) -> ast::DeclPtr {
  ast::DeclPtr out;
  if (auto* c = dynamic_cast<EdictParser::ImportDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::ImportDecl>(Range(&ctx));
    d->path = BuildQualName(c->qualifiedName());
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::ConstDeclContext*>(&ctx)) {
    out = BuildValueDecl(ast::DeclKind::Const, c->name, c->typeRef(), c->expr(), ctx);
  } else if (auto* c = dynamic_cast<EdictParser::LetDeclContext*>(&ctx)) {
    out = BuildValueDecl(ast::DeclKind::Let, c->name, c->typeRef(), c->expr(), ctx);
  } else if (auto* c = dynamic_cast<EdictParser::OutputDeclContext*>(&ctx)) {
    out = BuildValueDecl(ast::DeclKind::Output, c->name, c->typeRef(), c->expr(), ctx);
  } else if (auto* c = dynamic_cast<EdictParser::EnumDeclContext*>(&ctx)) {
    out = BuildEnum(ast::DeclKind::Enum, c->name, c->memberList(), ctx);
  } else if (auto* c = dynamic_cast<EdictParser::DecisionDeclContext*>(&ctx)) {
    out = BuildEnum(ast::DeclKind::Decision, c->name, c->memberList(), ctx);
  } else if (auto* c = dynamic_cast<EdictParser::DefaultDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::DefaultDecl>(Range(&ctx));
    d->member = BuildQualName(c->qualifiedName());
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::InputDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::InputDecl>(Range(&ctx));
    for (auto* f : c->field()) d->fields.push_back(BuildField(*f));
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::TiersDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::TiersDecl>(Range(&ctx));
    d->name = BuildIdent(c->name);
    d->of = BuildTypeRef(c->typeRef());
    for (auto* arm : c->tierArm()) d->arms.push_back(BuildTierArm(*arm));
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::CapDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::CapDecl>(Range(&ctx));
    d->name = BuildIdent(c->name);
    for (auto* e : c->capEntry()) d->entries.push_back(BuildCapEntry(*e));
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::RuleDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::RuleDecl>(Range(&ctx));
    d->name = BuildIdent(c->name);
    BuildValidity(c->validity(), d->validity);
    d->cond = LimitDepth(BuildExpr(c->expr()));
    d->outcome = BuildQualName(c->outcome);
    BuildExplanation(c->explanation(), d->explanation);
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::ExemptDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::ExemptDecl>(Range(&ctx));
    d->name = BuildIdent(c->name);
    for (auto* t : c->qualifiedName()) d->targets.push_back(BuildQualName(t));
    BuildValidity(c->validity(), d->validity);
    d->cond = LimitDepth(BuildExpr(c->expr()));
    BuildExplanation(c->explanation(), d->explanation);
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::PropertyDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::PropertyDecl>(Range(&ctx));
    d->name = BuildIdent(c->name);
    d->expr = LimitDepth(BuildExpr(c->expr()));
    out = std::move(d);
  } else if (auto* c = dynamic_cast<EdictParser::TestDeclContext*>(&ctx)) {
    auto d = std::make_unique<ast::TestDecl>(Range(&ctx));
    d->title = BuildString(c->STRING());
    if (c->DATE() != nullptr) d->today = BuildDate(c->DATE());
    for (auto* step : c->testStep()) d->steps.push_back(BuildTestStep(*step));
    out = std::move(d);
  }
  if (out) out->doc = DocBefore(ctx.getStart());
  return out;
}

auto AstBuilder::BuildEnum(ast::DeclKind kind, EdictParser::IdentContext* name,
                           EdictParser::MemberListContext* members, antlr4::ParserRuleContext& ctx)
    -> ast::DeclPtr {
  auto d = std::make_unique<ast::EnumDecl>(kind, Range(&ctx));
  d->name = BuildIdent(name);
  if (members != nullptr) {
    for (auto* m : members->member()) {
      ast::EnumMember member;
      member.name = BuildIdent(m->ident());
      member.doc = DocBefore(m->getStart());
      if (!member.name.name.empty()) d->members.push_back(std::move(member));
    }
  }
  return d;
}

auto AstBuilder::BuildValueDecl(ast::DeclKind kind, EdictParser::IdentContext* name,
                                EdictParser::TypeRefContext* type, EdictParser::ExprContext* value,
                                antlr4::ParserRuleContext& ctx) -> ast::DeclPtr {
  auto d = std::make_unique<ast::ValueDecl>(kind, Range(&ctx));
  d->name = BuildIdent(name);
  if (type != nullptr) d->declared_type = BuildTypeRef(type);
  d->value = LimitDepth(BuildExpr(value));
  return d;
}

auto AstBuilder::BuildField(EdictParser::FieldContext& ctx) -> std::unique_ptr<ast::Field> {
  auto f = std::make_unique<ast::Field>();
  f->name = BuildIdent(ctx.name);
  f->type_ref = BuildTypeRef(ctx.typeRef());
  if (ctx.expr() != nullptr) f->default_value = LimitDepth(BuildExpr(ctx.expr()));
  f->doc = DocBefore(ctx.getStart());
  f->range = Range(&ctx);
  return f;
}

auto AstBuilder::BuildTypeRef(EdictParser::TypeRefContext* ctx) -> ast::TypeRef {
  ast::TypeRef t;
  if (ctx == nullptr) return t;
  t.range = Range(ctx);
  if (dynamic_cast<EdictParser::BoolTypeContext*>(ctx)) {
    t.kind = ast::TypeRefKind::Bool;
  } else if (dynamic_cast<EdictParser::IntTypeContext*>(ctx)) {
    t.kind = ast::TypeRefKind::Int;
  } else if (dynamic_cast<EdictParser::FloatTypeContext*>(ctx)) {
    t.kind = ast::TypeRefKind::Float;
  } else if (dynamic_cast<EdictParser::StringTypeContext*>(ctx)) {
    t.kind = ast::TypeRefKind::String;
  } else if (dynamic_cast<EdictParser::DateTypeContext*>(ctx)) {
    t.kind = ast::TypeRefKind::Date;
  } else if (auto* s = dynamic_cast<EdictParser::SetTypeContext*>(ctx)) {
    t.kind = ast::TypeRefKind::Set;
    t.element = std::make_unique<ast::TypeRef>(BuildTypeRef(s->typeRef()));
  } else if (auto* n = dynamic_cast<EdictParser::NamedTypeContext*>(ctx)) {
    t.kind = ast::TypeRefKind::Named;
    t.name = BuildQualName(n->qualifiedName());
  }
  return t;
}

auto AstBuilder::BuildTierArm(EdictParser::TierArmContext& ctx) -> ast::TierArm {
  ast::TierArm arm;
  arm.name = BuildIdent(ctx.name);
  arm.range = Range(&ctx);
  arm.doc = DocBefore(ctx.getStart());
  for (auto* p : ctx.pattern()) arm.patterns.push_back(BuildPattern(*p));
  return arm;
}

auto AstBuilder::BuildPattern(EdictParser::PatternContext& ctx) -> ast::Pattern {
  ast::Pattern p;
  p.range = Range(&ctx);
  auto additive = [&](EdictParser::AdditiveContext* a) { return LimitDepth(BuildAdditive(a)); };
  if (dynamic_cast<EdictParser::OtherwisePatternContext*>(&ctx)) {
    p.kind = ast::PatternKind::Otherwise;
  } else if (auto* s = dynamic_cast<EdictParser::SetPatternContext*>(&ctx)) {
    p.kind = ast::PatternKind::Set;
    for (auto* e : s->expr()) p.values.push_back(LimitDepth(BuildExpr(e)));
  } else if (auto* c = dynamic_cast<EdictParser::ComparePatternContext*>(&ctx)) {
    switch (c->op ? c->op->getType() : 0) {
      case EdictParser::LT: p.kind = ast::PatternKind::Lt; break;
      case EdictParser::LE: p.kind = ast::PatternKind::Le; break;
      case EdictParser::GT: p.kind = ast::PatternKind::Gt; break;
      default: p.kind = ast::PatternKind::Ge; break;
    }
    p.values.push_back(additive(c->additive()));
  } else if (auto* r = dynamic_cast<EdictParser::RangePatternContext*>(&ctx)) {
    p.kind = r->op && r->op->getType() == EdictParser::RANGE_INCL ? ast::PatternKind::RangeIncl
                                                                   : ast::PatternKind::RangeExcl;
    p.values.push_back(additive(r->lo));
    p.values.push_back(additive(r->hi));
  } else if (auto* n = dynamic_cast<EdictParser::NamePatternContext*>(&ctx)) {
    p.kind = ast::PatternKind::Name;
    p.values.push_back(additive(n->additive()));
  }
  return p;
}

auto AstBuilder::BuildCapEntry(EdictParser::CapEntryContext& ctx) -> ast::CapEntry {
  ast::CapEntry e;
  e.label = BuildIdent(ctx.label);
  e.range = Range(&ctx);
  e.field = CapFieldOf(e.label.name);
  if (e.field == ast::CapField::Unknown && !e.label.name.empty()) {
    diags_.Build(e.label.range, diag::UnknownCapEntry, e.label.name)
        .Help("cap entries are `limit`, `key`, `window`, `amount`, `applies` and `record`")
        .Emit();
  }
  for (auto* x : ctx.expr()) e.values.push_back(LimitDepth(BuildExpr(x)));
  return e;
}

void AstBuilder::BuildValidity(const std::vector<EdictParser::ValidityContext*>& list,
                               ast::Validity& out) {
  for (auto* v : list) {
    if (auto* e = dynamic_cast<EdictParser::EffectiveValidityContext*>(v)) {
      if (out.effective) {
        diags_.Build(Range(v), diag::DuplicateClause, "effective").Emit();
      } else {
        out.effective = BuildDate(e->DATE());
      }
    } else if (auto* u = dynamic_cast<EdictParser::UntilValidityContext*>(v)) {
      if (out.until) {
        diags_.Build(Range(v), diag::DuplicateClause, "until").Emit();
      } else {
        out.until = BuildDate(u->DATE());
      }
    }
  }
}

void AstBuilder::BuildExplanation(const std::vector<EdictParser::ExplanationContext*>& list,
                                  ast::Explanation& out) {
  for (auto* x : list) {
    if (auto* b = dynamic_cast<EdictParser::BecauseClauseContext*>(x)) {
      if (out.because) {
        diags_.Build(Range(x), diag::DuplicateClause, "because").Emit();
      } else {
        out.because = BuildString(b->STRING());
      }
    } else if (auto* c = dynamic_cast<EdictParser::CiteClauseContext*>(x)) {
      if (out.cite) {
        diags_.Build(Range(x), diag::DuplicateClause, "cite").Emit();
      } else {
        out.cite = BuildString(c->STRING());
      }
    }
  }
}

auto AstBuilder::BuildTestStep(EdictParser::TestStepContext& ctx) -> ast::TestStep {
  ast::TestStep step;
  step.range = Range(&ctx);
  step.kind = ctx.kind && ctx.kind->getType() == EdictParser::DECIDE ? ast::TestStep::Kind::Decide
                                                                     : ast::TestStep::Kind::Check;
  if (auto* req = ctx.request()) {
    step.request_range = Range(req);
    for (auto* f : req->requestField()) {
      ast::RequestField field;
      field.range = Range(f);
      if (f->TODAY() != nullptr) {
        field.name = {"today", Range(f->TODAY())};
      } else {
        field.name = BuildIdent(f->ident());
      }
      field.value = LimitDepth(BuildExpr(f->expr()));
      step.request.push_back(std::move(field));
    }
  }
  if (auto* usage = ctx.usageClause()) {
    ast::Ident word = BuildIdent(usage->word);
    if (word.name != "usage") {
      diags_.Build(word.range, diag::ExpectedUsage, word.name).Emit();
    }
    step.has_usage = true;
    for (auto* u : usage->usageEntry()) {
      ast::UsageEntry entry;
      entry.cap = BuildIdent(u->ident());
      entry.value = LimitDepth(BuildExpr(u->expr()));
      entry.range = Range(u);
      step.usage.push_back(std::move(entry));
    }
  }
  if (auto* err = dynamic_cast<EdictParser::ErrorExpectationContext*>(ctx.expectation())) {
    ast::Ident word = BuildIdent(err->word);
    step.error_code = BuildIdent(err->code);
    if (word.name != "error") {
      diags_.Build(SourceRange::Join(word.range, step.error_code.range), diag::ExpectedErrorKeyword,
                   word.name, step.error_code.name)
          .Help("write `-> OUTCOME` or `-> error CODE`")
          .Emit();
    }
    step.expects_error = true;
  } else if (auto* out = dynamic_cast<EdictParser::OutcomeExpectationContext*>(ctx.expectation())) {
    step.outcome = BuildQualName(out->outcome);
    if (auto* by = out->byClause()) {
      step.has_by = true;
      for (auto* n : by->qualifiedName()) step.by.push_back(BuildQualName(n));
      if (step.by.size() == 1 && step.by[0].is_simple() && step.by[0].last() == "nothing") {
        step.by_nothing = true;
        step.by.clear();
      }
    }
    if (auto* where = out->whereClause()) step.where = LimitDepth(BuildExpr(where->expr()));
  }
  return step;
}

// ---------------------------------------------------------------------------------------------
// Expressions

auto AstBuilder::Error(antlr4::ParserRuleContext* ctx) -> ast::ExprPtr {
  return std::make_unique<ast::ErrorExpr>(Range(ctx));
}

auto AstBuilder::BuildExpr(EdictParser::ExprContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr || ctx->implication() == nullptr) return Error(ctx);
  return BuildImplication(ctx->implication());
}

auto AstBuilder::LimitDepth(ast::ExprPtr e) -> ast::ExprPtr {
  // An expression of a declaration with a syntax error is not what the user meant: checking it
  // would only add follow-on errors.
  if (in_broken_decl_) return std::make_unique<ast::ErrorExpr>(e->range);
  // Sema and later phases recurse over expressions, so the tree's depth is bounded. Measured
  // iteratively: the tree may be a long left-leaning chain such as `a + b + c + …`.
  std::vector<std::pair<const ast::Expr*, int>> stack{{e.get(), 1}};
  while (!stack.empty()) {
    auto [x, d] = stack.back();
    stack.pop_back();
    if (d > kMaxExprDepth) {
      diags_.Build(e->range, diag::NestingTooDeep, kMaxExprDepth)
          .Help("split the expression into `let` declarations")
          .Emit();
      return std::make_unique<ast::ErrorExpr>(e->range);
    }
    auto push = [&](const ast::ExprPtr& c) {
      if (c) stack.push_back({c.get(), d + 1});
    };
    switch (x->kind) {
      case ast::ExprKind::Unary: push(llvm::cast<ast::UnaryExpr>(x)->operand); break;
      case ast::ExprKind::Binary:
        push(llvm::cast<ast::BinaryExpr>(x)->lhs);
        push(llvm::cast<ast::BinaryExpr>(x)->rhs);
        break;
      case ast::ExprKind::Call:
        for (const auto& a : llvm::cast<ast::CallExpr>(x)->args) push(a);
        break;
      case ast::ExprKind::Set:
        for (const auto& a : llvm::cast<ast::SetExpr>(x)->elements) push(a);
        break;
      case ast::ExprKind::If: {
        const auto* i = llvm::cast<ast::IfExpr>(x);
        push(i->cond);
        push(i->then_expr);
        push(i->else_expr);
        break;
      }
      case ast::ExprKind::Match: {
        const auto* m = llvm::cast<ast::MatchExpr>(x);
        push(m->scrutinee);
        for (const auto& arm : m->arms) push(arm.value);
        break;
      }
      default: break;
    }
  }
  return e;
}

auto AstBuilder::MakeBinary(ast::BinaryOp op, Token* op_token, ast::ExprPtr lhs, ast::ExprPtr rhs)
    -> ast::ExprPtr {
  SourceRange range = SourceRange::Join(lhs->range, rhs->range);
  return std::make_unique<ast::BinaryExpr>(range, op, Range(op_token), std::move(lhs),
                                           std::move(rhs));
}

auto AstBuilder::BuildImplication(EdictParser::ImplicationContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr || ctx->lhs == nullptr) return Error(ctx);
  ast::ExprPtr lhs = BuildDisjunction(ctx->lhs);
  if (ctx->IMPLIES() == nullptr) return lhs;
  ast::ExprPtr rhs = ctx->rhs ? BuildExpr(ctx->rhs) : Error(ctx);
  return MakeBinary(ast::BinaryOp::Implies, ctx->IMPLIES()->getSymbol(), std::move(lhs),
                    std::move(rhs));
}

auto AstBuilder::BuildDisjunction(EdictParser::DisjunctionContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr || ctx->conjunction().empty()) return Error(ctx);
  auto parts = ctx->conjunction();
  ast::ExprPtr acc = BuildConjunction(parts[0]);
  for (size_t i = 1; i < parts.size() && i <= kMaxExprDepth; ++i) {  // longer: E0103
    acc = MakeBinary(ast::BinaryOp::Or, ctx->OR(i - 1)->getSymbol(), std::move(acc),
                     BuildConjunction(parts[i]));
  }
  return acc;
}

auto AstBuilder::BuildConjunction(EdictParser::ConjunctionContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr || ctx->negation().empty()) return Error(ctx);
  auto parts = ctx->negation();
  ast::ExprPtr acc = BuildNegation(parts[0]);
  for (size_t i = 1; i < parts.size() && i <= kMaxExprDepth; ++i) {  // longer: E0103
    acc = MakeBinary(ast::BinaryOp::And, ctx->AND(i - 1)->getSymbol(), std::move(acc),
                     BuildNegation(parts[i]));
  }
  return acc;
}

auto AstBuilder::BuildNegation(EdictParser::NegationContext* ctx) -> ast::ExprPtr {
  if (auto* n = dynamic_cast<EdictParser::NotExprContext*>(ctx)) {
    ast::ExprPtr operand = BuildNegation(n->negation());
    return std::make_unique<ast::UnaryExpr>(Range(ctx), ast::UnaryOp::Not, Range(n->NOT()),
                                            std::move(operand));
  }
  if (auto* p = dynamic_cast<EdictParser::PlainNegationContext*>(ctx)) {
    return BuildComparison(p->comparison());
  }
  return Error(ctx);
}

auto AstBuilder::BuildComparison(EdictParser::ComparisonContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr || ctx->additive().empty()) return Error(ctx);
  auto operands = ctx->additive();
  auto ops = ctx->compareOp();
  ast::ExprPtr lhs = BuildAdditive(operands[0]);
  if (ops.empty()) return lhs;
  if (ops.size() > 1 || operands.size() != 2) {
    diags_.Build(Range(ops.size() > 1 ? ops[1] : ops[0]), diag::ChainedComparison)
        .Label("second comparison")
        .Help("compare twice and join with `and`, as in `a < b and b < c`")
        .Emit();
    return Error(ctx);
  }
  ast::ExprPtr rhs = BuildAdditive(operands[1]);
  SourceRange range = SourceRange::Join(lhs->range, rhs->range);
  return std::make_unique<ast::BinaryExpr>(range, CompareOpOf(ops[0]), Range(ops[0]),
                                           std::move(lhs), std::move(rhs));
}

auto AstBuilder::BuildAdditive(EdictParser::AdditiveContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr || ctx->multiplicative().empty()) return Error(ctx);
  auto parts = ctx->multiplicative();
  ast::ExprPtr acc = BuildMultiplicative(parts[0]);
  for (size_t i = 1; i < parts.size() && i - 1 < ctx->op.size() && i <= kMaxExprDepth; ++i) {
    Token* op = ctx->op[i - 1];
    auto kind = op->getType() == EdictParser::PLUS ? ast::BinaryOp::Add : ast::BinaryOp::Sub;
    acc = MakeBinary(kind, op, std::move(acc), BuildMultiplicative(parts[i]));
  }
  return acc;
}

auto AstBuilder::BuildMultiplicative(EdictParser::MultiplicativeContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr || ctx->unary().empty()) return Error(ctx);
  auto parts = ctx->unary();
  ast::ExprPtr acc = BuildUnary(parts[0]);
  for (size_t i = 1; i < parts.size() && i - 1 < ctx->op.size() && i <= kMaxExprDepth; ++i) {
    Token* op = ctx->op[i - 1];
    ast::BinaryOp kind = op->getType() == EdictParser::STAR    ? ast::BinaryOp::Mul
                         : op->getType() == EdictParser::SLASH ? ast::BinaryOp::Div
                                                               : ast::BinaryOp::Rem;
    acc = MakeBinary(kind, op, std::move(acc), BuildUnary(parts[i]));
  }
  return acc;
}

auto AstBuilder::BuildUnary(EdictParser::UnaryContext* ctx) -> ast::ExprPtr {
  if (auto* n = dynamic_cast<EdictParser::NegExprContext*>(ctx)) {
    // `-9223372036854775808` is the one int literal written with a magnitude above INT64_MAX.
    if (auto* plain = dynamic_cast<EdictParser::PlainUnaryContext*>(n->unary())) {
      if (auto* lit = dynamic_cast<EdictParser::IntLiteralContext*>(plain->primary())) {
        if (WithoutUnderscores(lit->INT()->getText()) == "9223372036854775808") {
          auto e = std::make_unique<ast::IntLitExpr>(Range(ctx),
                                                     std::numeric_limits<int64_t>::min(),
                                                     "-" + lit->INT()->getText());
          e->is_min_magnitude = true;
          return e;
        }
      }
    }
    ast::ExprPtr operand = BuildUnary(n->unary());
    return std::make_unique<ast::UnaryExpr>(Range(ctx), ast::UnaryOp::Neg, Range(n->MINUS()),
                                            std::move(operand));
  }
  if (auto* p = dynamic_cast<EdictParser::PlainUnaryContext*>(ctx)) {
    return BuildPrimary(p->primary());
  }
  return Error(ctx);
}

auto AstBuilder::BuildPrimary(EdictParser::PrimaryContext* ctx) -> ast::ExprPtr {
  if (ctx == nullptr) return Error(ctx);
  SourceRange range = Range(ctx);
  if (auto* c = dynamic_cast<EdictParser::IntLiteralContext*>(ctx)) {
    return BuildInt(c->INT()->getSymbol());
  }
  if (auto* c = dynamic_cast<EdictParser::FloatLiteralContext*>(ctx)) {
    return BuildFloat(c->FLOAT()->getSymbol(), false);
  }
  if (auto* c = dynamic_cast<EdictParser::PercentLiteralContext*>(ctx)) {
    return BuildFloat(c->PERCENT()->getSymbol(), true);
  }
  if (auto* c = dynamic_cast<EdictParser::StringLiteralContext*>(ctx)) {
    return std::make_unique<ast::StringLitExpr>(range, BuildString(c->STRING()));
  }
  if (auto* c = dynamic_cast<EdictParser::DateLiteralContext*>(ctx)) {
    return std::make_unique<ast::DateLitExpr>(range, BuildDate(c->DATE()).value);
  }
  if (auto* c = dynamic_cast<EdictParser::BoolLiteralContext*>(ctx)) {
    return std::make_unique<ast::BoolLitExpr>(range, c->TRUE() != nullptr);
  }
  if (dynamic_cast<EdictParser::TodayExprContext*>(ctx)) {
    return std::make_unique<ast::TodayExpr>(range);
  }
  if (dynamic_cast<EdictParser::OutcomeExprContext*>(ctx)) {
    return std::make_unique<ast::OutcomeExpr>(range);
  }
  if (auto* c = dynamic_cast<EdictParser::CallExprContext*>(ctx)) {
    auto call = std::make_unique<ast::CallExpr>(range, BuildQualName(c->qualifiedName()));
    for (auto* a : c->expr()) call->args.push_back(BuildExpr(a));
    return call;
  }
  if (auto* c = dynamic_cast<EdictParser::FloatCallExprContext*>(ctx)) {
    // `float(x)`: the built-in conversion shares its name with the type keyword.
    ast::QualName callee;
    callee.range = Range(c->FLOAT_T());
    callee.parts.push_back({"float", callee.range});
    auto call = std::make_unique<ast::CallExpr>(range, std::move(callee));
    for (auto* a : c->expr()) call->args.push_back(BuildExpr(a));
    return call;
  }
  if (auto* c = dynamic_cast<EdictParser::NameExprContext*>(ctx)) {
    return std::make_unique<ast::NameExpr>(range, BuildQualName(c->qualifiedName()));
  }
  if (auto* c = dynamic_cast<EdictParser::ParenExprContext*>(ctx)) {
    return BuildExpr(c->expr());
  }
  if (auto* c = dynamic_cast<EdictParser::SetExprContext*>(ctx)) {
    auto set = std::make_unique<ast::SetExpr>(range);
    for (auto* e : c->expr()) set->elements.push_back(BuildExpr(e));
    return set;
  }
  if (auto* c = dynamic_cast<EdictParser::IfExprContext*>(ctx)) {
    auto cond = BuildExpr(c->cond);
    auto yes = BuildExpr(c->yes);
    auto no = BuildExpr(c->no);
    return std::make_unique<ast::IfExpr>(range, std::move(cond), std::move(yes), std::move(no));
  }
  if (auto* c = dynamic_cast<EdictParser::MatchExprContext*>(ctx)) {
    auto match = std::make_unique<ast::MatchExpr>(range, BuildExpr(c->scrutinee));
    for (auto* arm : c->matchArm()) match->arms.push_back(BuildMatchArm(*arm));
    return match;
  }
  return Error(ctx);
}

auto AstBuilder::BuildMatchArm(EdictParser::MatchArmContext& ctx) -> ast::MatchArm {
  ast::MatchArm arm;
  arm.range = Range(&ctx);
  for (auto* p : ctx.armPattern()) {
    ast::ArmPattern pattern;
    pattern.range = Range(p);
    if (dynamic_cast<EdictParser::WildcardArmContext*>(p)) {
      pattern.kind = ast::ArmPattern::Kind::Wildcard;
    } else if (auto* b = dynamic_cast<EdictParser::BoolArmContext*>(p)) {
      pattern.kind = ast::ArmPattern::Kind::Bool;
      pattern.bool_value = b->TRUE() != nullptr;
    } else if (auto* m = dynamic_cast<EdictParser::MemberArmContext*>(p)) {
      pattern.kind = ast::ArmPattern::Kind::Member;
      pattern.member = BuildQualName(m->qualifiedName());
    }
    arm.patterns.push_back(std::move(pattern));
  }
  arm.value = BuildExpr(ctx.expr());
  return arm;
}

// ---------------------------------------------------------------------------------------------
// Leaves

auto AstBuilder::BuildIdent(EdictParser::IdentContext* ctx) -> ast::Ident {
  if (ctx == nullptr || ctx->IDENT() == nullptr) return {};
  return {ctx->IDENT()->getText(), Range(ctx->IDENT())};
}

auto AstBuilder::BuildQualName(EdictParser::QualifiedNameContext* ctx) -> ast::QualName {
  ast::QualName q;
  if (ctx == nullptr) return q;
  q.range = Range(ctx);
  for (auto* id : ctx->ident()) {
    ast::Ident part = BuildIdent(id);
    if (!part.name.empty()) q.parts.push_back(std::move(part));
  }
  if (q.parts.empty()) q.parts.push_back({"", q.range});
  return q;
}

auto AstBuilder::BuildString(antlr4::tree::TerminalNode* node) -> ast::StringLit {
  ast::StringLit s;
  if (node == nullptr) return s;
  s.range = Range(node);
  std::string_view raw = diags_.sources().text(map_.file()).substr(
      s.range.begin, s.range.end - s.range.begin);
  s.raw = std::string(raw);
  // Unterminated strings were reported by the lexical pass; decode what is there.
  size_t end = raw.size() >= 2 && raw.back() == '"' ? raw.size() - 1 : raw.size();
  for (size_t i = 1; i < end; ++i) {
    char c = raw[i];
    if (c != '\\') {
      s.value += c;
      continue;
    }
    size_t start = i;
    auto bad = [&](size_t len) {
      SourceRange r{s.range.file, s.range.begin + static_cast<uint32_t>(start),
                    s.range.begin + static_cast<uint32_t>(std::min(start + len, end))};
      diags_.Build(r, diag::InvalidEscape, std::string(raw.substr(start, std::min(start + len, end) - start)))
          .Help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{{HEX}`")
          .Emit();
    };
    if (i + 1 >= end) {
      bad(1);
      break;
    }
    char e = raw[++i];
    switch (e) {
      case '"': s.value += '"'; break;
      case '\\': s.value += '\\'; break;
      case 'n': s.value += '\n'; break;
      case 't': s.value += '\t'; break;
      case 'u': {
        size_t j = i + 1;
        if (j >= end || raw[j] != '{') {
          bad(2);
          break;
        }
        size_t k = j + 1;
        uint32_t cp = 0;
        while (k < end && IsHex(raw[k]) && k - j <= 6) {
          cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(raw[k]))
                                                   ? raw[k] - '0'
                                                   : (raw[k] | 0x20) - 'a' + 10);
          ++k;
        }
        size_t digits = k - j - 1;
        if (k >= end || raw[k] != '}' || digits == 0 || digits > 6 || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
          size_t close = raw.find('}', j);
          bad(close != std::string_view::npos && close < end ? close - start + 1 : k - start);
          i = (close != std::string_view::npos && close < end) ? close : k - 1;
          break;
        }
        AppendUtf8(s.value, cp);
        i = k;
        break;
      }
      default:
        // Report the escape as written, one Unicode scalar after the backslash.
        {
          size_t len = 2;
          while (start + len < end && (static_cast<unsigned char>(raw[start + len]) & 0xC0) == 0x80) {
            ++len;
          }
          bad(len);
        }
        break;
    }
  }
  return s;
}

auto AstBuilder::BuildDate(antlr4::tree::TerminalNode* node) -> ast::DateLit {
  ast::DateLit d;
  if (node == nullptr) return d;
  d.range = Range(node);
  std::string text = node->getText();
  if (auto date = ParseDate(text)) {
    d.value = *date;
  } else {
    diags_.Build(d.range, diag::InvalidDate, text)
        .Help("dates are written `YYYY-MM-DD` with a real day of a year from 0001 to 9999")
        .Emit();
  }
  return d;
}

auto AstBuilder::BuildInt(Token* token) -> ast::ExprPtr {
  std::string raw = token->getText();
  std::string digits = WithoutUnderscores(raw);
  uint64_t value = 0;
  bool overflow = false;
  for (char c : digits) {
    if (__builtin_mul_overflow(value, 10u, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value)) {
      overflow = true;
      break;
    }
  }
  SourceRange range = Range(token);
  if (overflow || value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    auto d = diags_.Build(range, diag::IntLiteralTooLarge, raw);
    d.Label("larger than 9223372036854775807");
    if (value == static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1 && !overflow) {
      d.Help("only `-9223372036854775808` may be written with this magnitude");
    } else {
      d.Help("use a `float` for very large quantities");
    }
    d.Emit();
    return std::make_unique<ast::ErrorExpr>(range);
  }
  return std::make_unique<ast::IntLitExpr>(range, static_cast<int64_t>(value), raw);
}

auto AstBuilder::BuildFloat(Token* token, bool percent) -> ast::ExprPtr {
  std::string raw = token->getText();
  std::string text = WithoutUnderscores(raw);
  SourceRange range = Range(token);
  if (percent) {
    // The written decimal divided by 100 exactly, rounded once: shift the exponent by two.
    text.pop_back();
    size_t e = text.find_first_of("eE");
    if (e == std::string::npos) {
      text += "e-2";
    } else {
      long exp = std::strtol(text.c_str() + e + 1, nullptr, 10);
      text = text.substr(0, e) + "e" + std::to_string(exp - 2);
    }
  }
  errno = 0;
  double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value) || (errno == ERANGE && std::fabs(value) > 1.0)) {
    diags_.Build(range, diag::FloatLiteralOverflow, raw)
        .Label("overflows to infinity")
        .Emit();
    return std::make_unique<ast::ErrorExpr>(range);
  }
  return std::make_unique<ast::FloatLitExpr>(range, value, raw, percent);
}

// ---------------------------------------------------------------------------------------------
// Comments

auto AstBuilder::DocBefore(Token* start) -> ast::Doc {
  ast::Doc doc;
  if (start == nullptr) return doc;
  const auto& all = all_tokens_;
  std::vector<Token*> docs;
  for (ssize_t i = static_cast<ssize_t>(start->getTokenIndex()) - 1; i >= 0; --i) {
    Token* t = all[i];
    if (t->getType() == EdictParser::WS) continue;
    if (t->getType() != EdictParser::DOC_COMMENT) break;
    docs.push_back(t);
  }
  for (auto it = docs.rbegin(); it != docs.rend(); ++it) {
    Token* t = *it;
    doc_used_[t->getTokenIndex()] = true;
    std::string text = t->getText().substr(3);
    if (!text.empty() && text[0] == ' ') text.erase(0, 1);
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
    doc.lines.push_back(std::move(text));
    doc.range = SourceRange::Join(doc.range, Range(t));
  }
  return doc;
}

void AstBuilder::CollectComments(ast::Module& module) {
  for (Token* t : all_tokens_) {
    ast::Comment c;
    switch (t->getType()) {
      case EdictParser::DOC_COMMENT:
        c.kind = ast::Comment::Kind::Doc;
        if (!doc_used_[t->getTokenIndex()]) {
          diags_.Build(Range(t), diag::DanglingDocComment)
              .Help("use `//` for a comment that documents nothing")
              .Emit();
        }
        break;
      case EdictParser::LINE_COMMENT: c.kind = ast::Comment::Kind::Line; break;
      case EdictParser::BLOCK_COMMENT:
      case EdictParser::UNTERMINATED_COMMENT: c.kind = ast::Comment::Kind::Block; break;
      default: continue;
    }
    c.range = Range(t);
    c.text = std::string(diags_.sources().text(map_.file()).substr(
        c.range.begin, c.range.end - c.range.begin));
    while (!c.text.empty() && (c.text.back() == '\r' || c.text.back() == '\n')) c.text.pop_back();
    module.comments.push_back(std::move(c));
  }
}

}  // namespace edict::parse
