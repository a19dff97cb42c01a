// Turns the ANTLR parse tree into the owned AST (STYLE.md rule 2): one typed Build* method per
// grammar rule, each filling source ranges from the context's tokens. Checks what the grammar
// leaves open (literal values, escapes, dates, cap labels, test expectations) and reports E01xx.
// Private to compiler/parse/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "EdictParser.h"
#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "parse/token_map.h"

namespace edict::parse {

using grammar::EdictParser;

class AstBuilder {
 public:
  AstBuilder(const TokenMap& map, DiagnosticEngine& diags, antlr4::CommonTokenStream& tokens)
      : map_(map), diags_(diags), tokens_(tokens) {}

  auto BuildFile(EdictParser::FileContext& ctx) -> ast::Module;

 private:
  // Declarations
  void BuildHeader(EdictParser::HeaderContext& ctx, ast::Module& module);
  auto BuildDecl(EdictParser::DeclContext& ctx) -> ast::DeclPtr;
  auto BuildDeclParts(EdictParser::DeclContext& ctx) -> ast::DeclPtr;
  auto BuildEnum(ast::DeclKind kind, EdictParser::IdentContext* name,
                 EdictParser::MemberListContext* members, antlr4::ParserRuleContext& ctx)
      -> ast::DeclPtr;
  auto BuildValueDecl(ast::DeclKind kind, EdictParser::IdentContext* name,
                      EdictParser::TypeRefContext* type, EdictParser::ExprContext* value,
                      antlr4::ParserRuleContext& ctx) -> ast::DeclPtr;
  auto BuildField(EdictParser::FieldContext& ctx) -> std::unique_ptr<ast::Field>;
  auto BuildTypeRef(EdictParser::TypeRefContext* ctx) -> ast::TypeRef;
  auto BuildTierArm(EdictParser::TierArmContext& ctx) -> ast::TierArm;
  auto BuildPattern(EdictParser::PatternContext& ctx) -> ast::Pattern;
  auto BuildCapEntry(EdictParser::CapEntryContext& ctx) -> ast::CapEntry;
  void BuildValidity(const std::vector<EdictParser::ValidityContext*>& list, ast::Validity& out);
  void BuildExplanation(const std::vector<EdictParser::ExplanationContext*>& list,
                        ast::Explanation& out);
  auto BuildTestStep(EdictParser::TestStepContext& ctx) -> ast::TestStep;

  // Expressions
  auto BuildExpr(EdictParser::ExprContext* ctx) -> ast::ExprPtr;
  auto BuildImplication(EdictParser::ImplicationContext* ctx) -> ast::ExprPtr;
  auto BuildDisjunction(EdictParser::DisjunctionContext* ctx) -> ast::ExprPtr;
  auto BuildConjunction(EdictParser::ConjunctionContext* ctx) -> ast::ExprPtr;
  auto BuildNegation(EdictParser::NegationContext* ctx) -> ast::ExprPtr;
  auto BuildComparison(EdictParser::ComparisonContext* ctx) -> ast::ExprPtr;
  auto BuildAdditive(EdictParser::AdditiveContext* ctx) -> ast::ExprPtr;
  auto BuildMultiplicative(EdictParser::MultiplicativeContext* ctx) -> ast::ExprPtr;
  auto BuildUnary(EdictParser::UnaryContext* ctx) -> ast::ExprPtr;
  auto BuildPrimary(EdictParser::PrimaryContext* ctx) -> ast::ExprPtr;
  auto BuildMatchArm(EdictParser::MatchArmContext& ctx) -> ast::MatchArm;
  // Returns `e`, or an ErrorExpr after E0103 when `e` is deeper than the limit.
  auto LimitDepth(ast::ExprPtr e) -> ast::ExprPtr;
  auto MakeBinary(ast::BinaryOp op, antlr4::Token* op_token, ast::ExprPtr lhs, ast::ExprPtr rhs)
      -> ast::ExprPtr;

  // Leaves
  auto BuildIdent(EdictParser::IdentContext* ctx) -> ast::Ident;
  auto BuildQualName(EdictParser::QualifiedNameContext* ctx) -> ast::QualName;
  auto BuildString(antlr4::tree::TerminalNode* node) -> ast::StringLit;
  auto BuildDate(antlr4::tree::TerminalNode* node) -> ast::DateLit;
  auto BuildInt(antlr4::Token* token) -> ast::ExprPtr;
  auto BuildFloat(antlr4::Token* token, bool percent) -> ast::ExprPtr;

  // Doc comments: the `///` lines directly before the token at `start_index`.
  auto DocBefore(antlr4::Token* start) -> ast::Doc;
  void CollectComments(ast::Module& module);

  auto Range(antlr4::ParserRuleContext* ctx) const -> SourceRange { return map_.Range(ctx); }
  auto Range(antlr4::Token* t) const -> SourceRange { return map_.Range(t); }
  auto Range(antlr4::tree::TerminalNode* n) const -> SourceRange {
    return n ? map_.Range(n->getSymbol()) : SourceRange{};
  }
  auto Error(antlr4::ParserRuleContext* ctx) -> ast::ExprPtr;

  const TokenMap& map_;
  DiagnosticEngine& diags_;
  antlr4::CommonTokenStream& tokens_;
  std::vector<antlr4::Token*> all_tokens_;
  std::vector<bool> doc_used_;  // by token index
  bool in_broken_decl_ = false;  // building a declaration that has a syntax error
};

}  // namespace edict::parse
