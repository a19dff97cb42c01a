// The ANTLR firewall (cel-cpp): the only place that runs the generated lexer and parser and the
// only `catch` in Edict. Lexical problems are found on the token stream before parsing and the
// offending tokens are hidden from the parser, so one bad character yields one diagnostic.
#include "parse/parser.h"

#include <iostream>
#include <set>

#include "EdictLexer.h"
#include "EdictParser.h"
#include "parse/ast_builder.h"
#include "parse/token_map.h"

namespace edict::parse {
namespace {

using antlr4::Token;
using grammar::EdictLexer;
using grammar::EdictParser;

constexpr size_t kMaxFileBytes = 64u << 20;

auto IsKeyword(size_t type) -> bool {
  return type >= EdictParser::POLICY && type <= EdictParser::SET;
}

auto IsReserved(size_t type) -> bool {
  return type == EdictParser::TODAY || type == EdictParser::OUTCOME ||
         type == EdictParser::UNDERSCORE;
}

// How a token type is named in "expected …".
auto DescribeExpected(const antlr4::dfa::Vocabulary& vocab, size_t type) -> std::string {
  switch (type) {
    case Token::EOF: return "end of file";
    case EdictParser::IDENT: return "a name";
    case EdictParser::INT: return "an integer";
    case EdictParser::FLOAT: return "a number";
    case EdictParser::PERCENT: return "a percentage";
    case EdictParser::STRING: return "a string";
    case EdictParser::DATE: return "a date";
    default: break;
  }
  std::string lit = vocab.getLiteralName(type);
  if (lit.size() >= 2 && lit.front() == '\'') lit = lit.substr(1, lit.size() - 2);
  return "`" + lit + "`";
}

// How the token actually found is named in "found …".
auto DescribeFound(const Token* t) -> std::string {
  if (t == nullptr || t->getType() == Token::EOF) return "end of file";
  std::string text = t->getText();
  switch (t->getType()) {
    case EdictParser::STRING:
    case EdictParser::UNTERMINATED_STRING: return "a string";
    case EdictParser::INT:
    case EdictParser::FLOAT:
    case EdictParser::PERCENT: return "number `" + text + "`";
    case EdictParser::DATE: return "date `" + text + "`";
    default: break;
  }
  if (IsKeyword(t->getType())) return "keyword `" + text + "`";
  if (text.size() > 40) text = text.substr(0, 40) + "…";
  return "`" + text + "`";
}

// Summarises an expected-token set in words: "an expression", "a declaration", or a short list.
auto DescribeSet(const antlr4::dfa::Vocabulary& vocab, const std::vector<ssize_t>& types)
    -> std::string {
  std::set<size_t> set(types.begin(), types.end());
  auto has = [&](size_t t) { return set.count(t) > 0; };
  if (has(EdictParser::IDENT) && has(EdictParser::INT) && has(EdictParser::LPAREN)) {
    return "an expression";
  }
  if (has(EdictParser::RULE) && has(EdictParser::CAP) && has(EdictParser::LET)) {
    return "a declaration";
  }
  if (has(EdictParser::BOOL) && has(EdictParser::INT_T) && has(EdictParser::IDENT)) {
    return "a type";
  }
  if (has(EdictParser::OTHERWISE) && has(EdictParser::LBRACE) && has(EdictParser::LT)) {
    return "a tier pattern";
  }
  std::vector<std::string> words;
  for (size_t t : set) {
    if (t == EdictParser::DOC_COMMENT || t == EdictParser::LINE_COMMENT) continue;
    words.push_back(DescribeExpected(vocab, t));
  }
  if (words.empty()) return "something else";
  if (words.size() > 5) return words[0] + ", " + words[1] + " or something else";
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// What the innermost construct being parsed is called, for "expected `;` after …".
auto DescribeContext(antlr4::ParserRuleContext* ctx) -> std::string {
  auto named = [](const char* what, EdictParser::IdentContext* name) {
    std::string s = what;
    if (name != nullptr && name->IDENT() != nullptr) s += " `" + name->IDENT()->getText() + "`";
    return s;
  };
  for (; ctx != nullptr; ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    if (auto* c = dynamic_cast<EdictParser::RuleDeclContext*>(ctx)) return named("rule", c->name);
    if (auto* c = dynamic_cast<EdictParser::ExemptDeclContext*>(ctx)) {
      return named("exemption", c->name);
    }
    if (auto* c = dynamic_cast<EdictParser::ConstDeclContext*>(ctx)) return named("const", c->name);
    if (auto* c = dynamic_cast<EdictParser::LetDeclContext*>(ctx)) return named("let", c->name);
    if (auto* c = dynamic_cast<EdictParser::OutputDeclContext*>(ctx)) return named("output", c->name);
    if (auto* c = dynamic_cast<EdictParser::PropertyDeclContext*>(ctx)) {
      return named("property", c->name);
    }
    if (auto* c = dynamic_cast<EdictParser::CapEntryContext*>(ctx)) {
      return named("cap entry", c->label);
    }
    if (auto* c = dynamic_cast<EdictParser::FieldContext*>(ctx)) return named("field", c->name);
    if (auto* c = dynamic_cast<EdictParser::TierArmContext*>(ctx)) return named("tier", c->name);
    if (dynamic_cast<EdictParser::TestStepContext*>(ctx)) return "test step";
    if (dynamic_cast<EdictParser::ImportDeclContext*>(ctx)) return "import";
    if (dynamic_cast<EdictParser::DefaultDeclContext*>(ctx)) return "default";
    if (dynamic_cast<EdictParser::HeaderContext*>(ctx)) return "the header";
  }
  return "this";
}

class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  SyntaxErrorListener(const TokenMap& map, DiagnosticEngine& diags, const ParseOptions& options,
                      const std::set<size_t>& lexical_errors)
      : map_(map), diags_(diags), options_(options), lexical_errors_(lexical_errors) {}

  void syntaxError(antlr4::Recognizer* recognizer, Token* offending, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr) override {
    if (options_.debug_parser) std::cerr << "antlr: " << line << ":" << col << ": " << msg << "\n";
    auto* parser = dynamic_cast<EdictParser*>(recognizer);
    if (parser == nullptr || offending == nullptr) return;
    // One syntax error per statement is plenty: the rest are usually consequences of the first.
    if (last_line_ == offending->getLine() && reported_ > 0) return;
    last_line_ = offending->getLine();
    ++reported_;

    // A token that already has a lexical error (an unterminated string, say) explains this one.
    Token* before = PreviousToken(parser, offending);
    if (lexical_errors_.count(offending->getTokenIndex()) ||
        (before != nullptr && lexical_errors_.count(before->getTokenIndex()))) {
      return;
    }

    std::vector<ssize_t> expected = parser->getExpectedTokens().toList();
    const auto& vocab = parser->getVocabulary();
    std::string want = DescribeSet(vocab, expected);
    SourceRange at = map_.Range(offending);

    // A missing terminator is reported just after the previous token, where it belongs.
    auto expects = [&](size_t type) {
      return std::find(expected.begin(), expected.end(), type) != expected.end();
    };
    Token* prev = PreviousToken(parser, offending);
    const char* terminator = expects(EdictParser::SEMI)     ? "`;`"
                             : expected.size() == 1 && expects(EdictParser::RBRACE) ? "`}`"
                             : expected.size() == 1 && expects(EdictParser::RPAREN) ? "`)`"
                                                                                    : nullptr;
    if (terminator != nullptr && prev != nullptr && prev->getLine() < offending->getLine()) {
      SourceRange p = map_.Range(prev);
      diags_.Build(SourceRange{p.file, p.end, p.end}, diag::MissingTerminator, terminator,
                   DescribeContext(parser->getContext()))
          .Label("expected {0} here", terminator)
          .Emit();
      return;
    }
    bool wants_name = expects(EdictParser::IDENT);
    if (wants_name && IsReserved(offending->getType())) {
      diags_.Build(at, diag::ReservedWord, want, offending->getText())
          .Help("`{0}` is reserved; choose another name", offending->getText())
          .Emit();
      return;
    }
    if (wants_name && IsKeyword(offending->getType())) {
      diags_.Build(at, diag::UnexpectedToken, want, DescribeFound(offending))
          .Help("`{0}` is a keyword and cannot be used as a name", offending->getText())
          .Emit();
      return;
    }
    bool after_percent = prev != nullptr && prev->getType() == EdictParser::PERCENT &&
                         prev->getStopIndex() + 1 == offending->getStartIndex();
    if (offending->getType() == EdictParser::PERCENT || after_percent) {
      diags_.Build(at, diag::UnexpectedToken, want, DescribeFound(offending))
          .Help("a `%` right after a number makes a percentage; write `a % b` with spaces for "
                "the remainder")
          .Emit();
      return;
    }
    diags_.Build(at, diag::UnexpectedToken, want, DescribeFound(offending)).Emit();
  }

 private:
  static auto PreviousToken(EdictParser* parser, Token* t) -> Token* {
    auto* stream = dynamic_cast<antlr4::BufferedTokenStream*>(parser->getTokenStream());
    if (stream == nullptr) return nullptr;
    for (ssize_t i = static_cast<ssize_t>(t->getTokenIndex()) - 1; i >= 0; --i) {
      Token* p = stream->get(i);
      if (p->getChannel() == Token::DEFAULT_CHANNEL) return p;
    }
    return nullptr;
  }

  const TokenMap& map_;
  DiagnosticEngine& diags_;
  const ParseOptions& options_;
  const std::set<size_t>& lexical_errors_;
  size_t last_line_ = 0;
  int reported_ = 0;
};

// Reports lexical errors and hides the offending tokens from the parser. Returns the indexes of
// the tokens that had one.
auto CheckTokens(antlr4::CommonTokenStream& tokens, const TokenMap& map, std::string_view text,
                 DiagnosticEngine& diags) -> std::set<size_t> {
  std::set<size_t> bad;
  for (Token* t : tokens.getTokens()) {
    switch (t->getType()) {
      case EdictParser::BAD_CHAR:
      case EdictParser::UNTERMINATED_STRING:
      case EdictParser::UNTERMINATED_COMMENT: bad.insert(t->getTokenIndex()); break;
      default: break;
    }
    auto* token = dynamic_cast<antlr4::CommonToken*>(t);
    if (token == nullptr) continue;
    switch (t->getType()) {
      case EdictParser::BAD_CHAR: {
        SourceRange r = map.Range(t);
        std::string ch(text.substr(r.begin - map.Offset(0), r.end - r.begin));
        diags.Build(r, diag::UnexpectedCharacter, ch).Emit();
        token->setChannel(Token::HIDDEN_CHANNEL);
        break;
      }
      case EdictParser::UNTERMINATED_STRING:
        diags.Build(map.Range(t), diag::UnterminatedString)
            .Label("string starts here")
            .Help("close the string with `\"` on the same line")
            .Emit();
        token->setType(EdictParser::STRING);
        break;
      case EdictParser::UNTERMINATED_COMMENT: {
        SourceRange r = map.Range(t);
        diags.Build(SourceRange{r.file, r.begin, r.begin + 2}, diag::UnterminatedComment)
            .Label("comment starts here")
            .Help("close it with `*/`")
            .Emit();
        break;
      }
      default: break;
    }
  }
  return bad;
}

}  // namespace

auto Parse(FileId file, const SourceManager& sources, DiagnosticEngine& diags,
           const ParseOptions& options) -> std::optional<ast::Module> {
  std::string_view text = sources.text(file);
  if (text.size() > kMaxFileBytes) {
    diags.Build(SourceRange{file, 0, 0}, diag::FileTooLarge, sources.path(file), kMaxFileBytes)
        .Emit();
    return std::nullopt;
  }
  if (auto bad = FindInvalidUtf8(text)) {
    diags.Build(SourceRange{file, *bad, *bad + 1}, diag::InvalidUtf8)
        .Help("Edict source files are UTF-8")
        .Emit();
    return std::nullopt;
  }
  uint32_t base = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") base = 3;  // byte-order mark
  std::string_view body = text.substr(base);
  TokenMap map(file, body, base);

  try {
    std::string body_text(body);
    antlr4::ANTLRInputStream input(body_text);
    EdictLexer lexer(&input);
    lexer.removeErrorListeners();
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    std::set<size_t> lexical_errors = CheckTokens(tokens, map, text, diags);

    EdictParser parser(&tokens);
    parser.removeErrorListeners();
    SyntaxErrorListener listener(map, diags, options, lexical_errors);
    EdictParser::FileContext* tree = nullptr;
    try {
      // Two stages (the ANTLR book's advice): the fast SLL prediction bails out at the first
      // problem; only then is the file parsed again with full LL and error recovery.
      auto* interpreter = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
      interpreter->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
      try {
        tree = parser.file();
      } catch (const antlr4::ParseCancellationException&) {
        tokens.seek(0);
        parser.reset();
        parser.nesting_ = 0;
        parser.addErrorListener(&listener);
        parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
        interpreter->setPredictionMode(antlr4::atn::PredictionMode::LL);
        tree = parser.file();
      }
    } catch (const EdictParser::NestingTooDeep& deep) {
      diags.Build(map.Range(deep.token), diag::NestingTooDeep, EdictParser::kMaxNesting / 3)
          .Help("split the expression into `let` declarations")
          .Emit();
      return std::nullopt;
    }
    AstBuilder builder(map, diags, tokens);
    return builder.BuildFile(*tree);
  } catch (const std::exception& e) {
    diags.Build(SourceRange{file, 0, 0}, diag::InternalParserError, e.what()).Emit();
  } catch (...) {
    diags.Build(SourceRange{file, 0, 0}, diag::InternalParserError, "unknown exception").Emit();
  }
  return std::nullopt;
}

}  // namespace edict::parse
