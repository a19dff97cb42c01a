// The Edict AST: an owned, typed tree built from the ANTLR parse tree (which is discarded), with a
// source range on every node. Sema fills the `resolved`/`type` slots in place; the formatter reads
// the tree plus the comment list. Class hierarchies use LLVM-style classof so that llvm::isa,
// llvm::dyn_cast and `switch (node.kind)` work.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast/type.h"
#include "base/date.h"
#include "source/source_manager.h"

namespace edict::ast {

struct Ident {
  std::string name;
  SourceRange range;
};

// `a`, `Tier.tier3`, `iso3166.Country.US`.
struct QualName {
  std::vector<Ident> parts;
  SourceRange range;
  std::string str() const;  // parts joined with '.'
  bool is_simple() const { return parts.size() == 1; }
  const std::string& last() const { return parts.back().name; }
};

// A string literal: `value` is decoded, `raw` is the source text including quotes.
struct StringLit {
  std::string value;
  std::string raw;
  SourceRange range;
};

struct DateLit {
  Date value;
  SourceRange range;
};

// Doc comment lines (`/// text` → "text", one leading space removed) attached to a node.
struct Doc {
  std::vector<std::string> lines;
  SourceRange range;
  bool empty() const { return lines.empty(); }
};

// ---------------------------------------------------------------------------------------------
// Type references (syntax)

enum class TypeRefKind : unsigned char { Bool, Int, Float, String, Date, Set, Named };

struct TypeRef {
  TypeRefKind kind = TypeRefKind::Int;
  SourceRange range;
  std::unique_ptr<TypeRef> element;  // Set
  QualName name;                     // Named
};

// ---------------------------------------------------------------------------------------------
// Expressions

enum class ExprKind : unsigned char {
  IntLit,
  FloatLit,
  StringLit,
  DateLit,
  BoolLit,
  Today,
  Outcome,
  Name,
  Call,
  Unary,
  Binary,
  Set,
  If,
  Match,
  Error,
};

struct Expr {
  explicit Expr(ExprKind k, SourceRange r) : kind(k), range(r) {}
  virtual ~Expr() = default;
  const ExprKind kind;
  SourceRange range;
  Type type;  // filled by sema
};
using ExprPtr = std::unique_ptr<Expr>;

struct IntLitExpr : Expr {
  IntLitExpr(SourceRange r, int64_t v, std::string raw_text)
      : Expr(ExprKind::IntLit, r), value(v), raw(std::move(raw_text)) {}
  int64_t value;
  // True for 9223372036854775808, valid only directly under unary minus (value is INT64_MIN).
  bool is_min_magnitude = false;
  std::string raw;
  static bool classof(const Expr* e) { return e->kind == ExprKind::IntLit; }
};

struct FloatLitExpr : Expr {
  FloatLitExpr(SourceRange r, double v, std::string raw_text, bool percent)
      : Expr(ExprKind::FloatLit, r), value(v), raw(std::move(raw_text)), is_percent(percent) {}
  double value;
  std::string raw;  // as written, including a trailing `%`
  bool is_percent;
  static bool classof(const Expr* e) { return e->kind == ExprKind::FloatLit; }
};

struct StringLitExpr : Expr {
  StringLitExpr(SourceRange r, StringLit s) : Expr(ExprKind::StringLit, r), lit(std::move(s)) {}
  StringLit lit;
  static bool classof(const Expr* e) { return e->kind == ExprKind::StringLit; }
};

struct DateLitExpr : Expr {
  DateLitExpr(SourceRange r, Date d) : Expr(ExprKind::DateLit, r), value(d) {}
  Date value;
  static bool classof(const Expr* e) { return e->kind == ExprKind::DateLit; }
};

struct BoolLitExpr : Expr {
  BoolLitExpr(SourceRange r, bool v) : Expr(ExprKind::BoolLit, r), value(v) {}
  bool value;
  static bool classof(const Expr* e) { return e->kind == ExprKind::BoolLit; }
};

// `today`
struct TodayExpr : Expr {
  explicit TodayExpr(SourceRange r) : Expr(ExprKind::Today, r) {}
  static bool classof(const Expr* e) { return e->kind == ExprKind::Today; }
};

// `outcome` (properties only)
struct OutcomeExpr : Expr {
  explicit OutcomeExpr(SourceRange r) : Expr(ExprKind::Outcome, r) {}
  static bool classof(const Expr* e) { return e->kind == ExprKind::Outcome; }
};

struct Field;

// What a name refers to, filled by sema.
struct NameRef {
  enum class Kind : unsigned char {
    Unresolved,
    Field,    // input field: `field`
    Const,    // `decl` is a ConstDecl
    Let,      // `decl` is a LetDecl
    Output,   // `decl` is an OutputDecl
    Member,   // enum member: `decl` is the enum-like decl, `index` the member
    Decl,     // a rule, exemption or cap named as an argument (exceeds(C), applied(R))
    Error,    // resolution failed and was reported
  };
  Kind kind = Kind::Unresolved;
  const struct Decl* decl = nullptr;
  const Field* field = nullptr;
  int index = -1;
};

struct NameExpr : Expr {
  NameExpr(SourceRange r, QualName n) : Expr(ExprKind::Name, r), name(std::move(n)) {}
  QualName name;
  NameRef ref;
  static bool classof(const Expr* e) { return e->kind == ExprKind::Name; }
};

// Built-in functions (LANGUAGE.md §3) and tier classification.
enum class Builtin : unsigned char {
  None,
  Min,
  Max,
  Abs,
  Floor,
  Ceil,
  Round,
  Float,
  Year,
  Month,
  Day,
  DaysBetween,
  Exceeds,
  Usage,
  Remaining,
  Limit,
  Applied,  // properties only
  Tier,     // `T(x)` for tiers T: `tiers` is the TiersDecl
};

struct CallExpr : Expr {
  CallExpr(SourceRange r, QualName c) : Expr(ExprKind::Call, r), callee(std::move(c)) {}
  QualName callee;
  std::vector<ExprPtr> args;
  Builtin builtin = Builtin::None;     // filled by sema
  const struct Decl* tiers = nullptr;  // Builtin::Tier: the TiersDecl
  static bool classof(const Expr* e) { return e->kind == ExprKind::Call; }
};

enum class UnaryOp : unsigned char { Neg, Not };

struct UnaryExpr : Expr {
  UnaryExpr(SourceRange r, UnaryOp o, SourceRange orange, ExprPtr e)
      : Expr(ExprKind::Unary, r), op(o), op_range(orange), operand(std::move(e)) {}
  UnaryOp op;
  SourceRange op_range;
  ExprPtr operand;
  static bool classof(const Expr* e) { return e->kind == ExprKind::Unary; }
};

enum class BinaryOp : unsigned char {
  Implies,
  Or,
  And,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  In,
  NotIn,
  Add,
  Sub,
  Mul,
  Div,
  Rem,
};
// The operator as written: "and", "==", "not in".
const char* Spelling(BinaryOp op);

struct BinaryExpr : Expr {
  BinaryExpr(SourceRange r, BinaryOp o, SourceRange orange, ExprPtr l, ExprPtr rr)
      : Expr(ExprKind::Binary, r), op(o), op_range(orange), lhs(std::move(l)), rhs(std::move(rr)) {}
  BinaryOp op;
  SourceRange op_range;
  ExprPtr lhs;
  ExprPtr rhs;
  static bool classof(const Expr* e) { return e->kind == ExprKind::Binary; }
};

// `{a, b, c}`
struct SetExpr : Expr {
  explicit SetExpr(SourceRange r) : Expr(ExprKind::Set, r) {}
  std::vector<ExprPtr> elements;
  static bool classof(const Expr* e) { return e->kind == ExprKind::Set; }
};

struct IfExpr : Expr {
  IfExpr(SourceRange r, ExprPtr c, ExprPtr t, ExprPtr e)
      : Expr(ExprKind::If, r), cond(std::move(c)), then_expr(std::move(t)), else_expr(std::move(e)) {}
  ExprPtr cond;
  ExprPtr then_expr;
  ExprPtr else_expr;
  static bool classof(const Expr* e) { return e->kind == ExprKind::If; }
};

struct ArmPattern {
  enum class Kind : unsigned char { Wildcard, Bool, Member };
  Kind kind = Kind::Wildcard;
  SourceRange range;
  bool bool_value = false;  // Bool
  QualName member;          // Member
  int member_index = -1;    // filled by sema: index in the scrutinee's enum
};

struct MatchArm {
  std::vector<ArmPattern> patterns;  // joined with `|`
  ExprPtr value;
  SourceRange range;
};

struct MatchExpr : Expr {
  MatchExpr(SourceRange r, ExprPtr s) : Expr(ExprKind::Match, r), scrutinee(std::move(s)) {}
  ExprPtr scrutinee;
  std::vector<MatchArm> arms;
  static bool classof(const Expr* e) { return e->kind == ExprKind::Match; }
};

// Stands where an expression failed to parse; already reported.
struct ErrorExpr : Expr {
  explicit ErrorExpr(SourceRange r) : Expr(ExprKind::Error, r) {}
  static bool classof(const Expr* e) { return e->kind == ExprKind::Error; }
};

// ---------------------------------------------------------------------------------------------
// Declarations

enum class DeclKind : unsigned char {
  Import,
  Const,
  Enum,
  Decision,
  Default,
  Input,
  Tiers,
  Let,
  Output,
  Cap,
  Rule,
  Exempt,
  Property,
  Test,
};
// The keyword that introduces a declaration kind: "const", "rule", …
const char* Keyword(DeclKind kind);

struct Decl {
  Decl(DeclKind k, SourceRange r) : kind(k), range(r) {}
  virtual ~Decl() = default;
  const DeclKind kind;
  SourceRange range;  // the whole declaration
  Ident name;         // empty for default, input, import and test
  Doc doc;
  // Set by sema when something refers to this declaration (for unused warnings).
  mutable bool used = false;
  // The parser recovered from a syntax error inside this declaration. Its expressions are
  // ErrorExpr, and sema reports nothing more about it (the syntax error says it all).
  bool has_syntax_error = false;
};
using DeclPtr = std::unique_ptr<Decl>;

// `import std.iso3166;`
struct ImportDecl : Decl {
  explicit ImportDecl(SourceRange r) : Decl(DeclKind::Import, r) {}
  QualName path;
  static bool classof(const Decl* d) { return d->kind == DeclKind::Import; }
};

// `const NAME [: TYPE] = EXPR;`, `let …`, `output …`
struct ValueDecl : Decl {
  ValueDecl(DeclKind k, SourceRange r) : Decl(k, r) {}
  std::optional<TypeRef> declared_type;
  ExprPtr value;
  Type type;  // filled by sema: the declared type, or the value's type
  static bool classof(const Decl* d) {
    return d->kind == DeclKind::Const || d->kind == DeclKind::Let || d->kind == DeclKind::Output;
  }
};

struct EnumMember {
  Ident name;
  Doc doc;
};

// `enum NAME { … }`, `decision NAME { … }`, and (through TiersDecl) tier types: anything whose
// values are an ordered list of named members.
struct EnumLikeDecl : Decl {
  EnumLikeDecl(DeclKind k, SourceRange r) : Decl(k, r) {}
  // Member names in declaration order (for tiers: the tier names).
  virtual size_t member_count() const = 0;
  virtual const Ident& member(size_t i) const = 0;
  // Index of the member called `name`, or -1.
  int FindMember(const std::string& name) const;
  static bool classof(const Decl* d) {
    return d->kind == DeclKind::Enum || d->kind == DeclKind::Decision ||
           d->kind == DeclKind::Tiers;
  }
};

struct EnumDecl : EnumLikeDecl {
  EnumDecl(DeclKind k, SourceRange r) : EnumLikeDecl(k, r) {}  // Enum or Decision
  std::vector<EnumMember> members;
  size_t member_count() const override { return members.size(); }
  const Ident& member(size_t i) const override { return members[i].name; }
  static bool classof(const Decl* d) {
    return d->kind == DeclKind::Enum || d->kind == DeclKind::Decision;
  }
};

// `default MEMBER;`
struct DefaultDecl : Decl {
  explicit DefaultDecl(SourceRange r) : Decl(DeclKind::Default, r) {}
  QualName member;
  int member_index = -1;  // filled by sema
  static bool classof(const Decl* d) { return d->kind == DeclKind::Default; }
};

struct Field {
  Ident name;
  TypeRef type_ref;
  ExprPtr default_value;  // may be null
  Doc doc;
  SourceRange range;
  Type type;  // filled by sema
  mutable bool used = false;
};

struct InputDecl : Decl {
  explicit InputDecl(SourceRange r) : Decl(DeclKind::Input, r) {}
  std::vector<std::unique_ptr<Field>> fields;
  const Field* FindField(const std::string& name) const;
  static bool classof(const Decl* d) { return d->kind == DeclKind::Input; }
};

enum class PatternKind : unsigned char {
  Otherwise,
  Set,        // `{a, b}`: values
  Lt,         // `< c`: values[0]
  Le,
  Gt,
  Ge,
  RangeExcl,  // `a ..< b`: values[0], values[1]
  RangeIncl,  // `a ..= b`
  Name,       // a const set: values[0] is the NameExpr
};

struct Pattern {
  PatternKind kind = PatternKind::Otherwise;
  SourceRange range;
  std::vector<ExprPtr> values;
};

struct TierArm {
  Ident name;
  std::vector<Pattern> patterns;  // joined with `|`
  Doc doc;
  SourceRange range;
};

// `tiers NAME of TYPE { member: PATTERN; … }`
struct TiersDecl : EnumLikeDecl {
  explicit TiersDecl(SourceRange r) : EnumLikeDecl(DeclKind::Tiers, r) {}
  TypeRef of;
  std::vector<TierArm> arms;
  Type of_type;  // filled by sema
  size_t member_count() const override { return arms.size(); }
  const Ident& member(size_t i) const override { return arms[i].name; }
  static bool classof(const Decl* d) { return d->kind == DeclKind::Tiers; }
};

enum class CapField : unsigned char { Limit, Key, Window, Amount, Applies, Record, Unknown };
const char* Spelling(CapField f);

enum class Window : unsigned char { Day, Month, Quarter, Year, Forever };
const char* Spelling(Window w);

struct CapEntry {
  CapField field = CapField::Unknown;
  Ident label;
  std::vector<ExprPtr> values;  // `key` and `record` may have several; the others one
  SourceRange range;
};

// `cap NAME { limit: …; key: …; window: …; amount: …; applies: …; record: …; }`
struct CapDecl : Decl {
  explicit CapDecl(SourceRange r) : Decl(DeclKind::Cap, r) {}
  std::vector<CapEntry> entries;  // source order; duplicates are reported by sema
  // The first entry for `f`, or null.
  const CapEntry* Find(CapField f) const;
  // Filled by sema:
  Window window = Window::Forever;
  std::vector<int> record_outcomes;  // decision member indexes; empty for `record: none`
  static bool classof(const Decl* d) { return d->kind == DeclKind::Cap; }
};

struct Validity {
  std::optional<DateLit> effective;
  std::optional<DateLit> until;
};

struct Explanation {
  std::optional<StringLit> because;
  std::optional<StringLit> cite;
};

// `rule NAME [effective D] [until D]: EXPR => MEMBER [because S] [cite S];`
struct RuleDecl : Decl {
  explicit RuleDecl(SourceRange r) : Decl(DeclKind::Rule, r) {}
  Validity validity;
  ExprPtr cond;
  QualName outcome;
  Explanation explanation;
  int outcome_index = -1;  // filled by sema
  static bool classof(const Decl* d) { return d->kind == DeclKind::Rule; }
};

// `exempt NAME from T, … [effective D] [until D] when EXPR [because S] [cite S];`
struct ExemptDecl : Decl {
  explicit ExemptDecl(SourceRange r) : Decl(DeclKind::Exempt, r) {}
  std::vector<QualName> targets;
  Validity validity;
  ExprPtr cond;
  Explanation explanation;
  std::vector<const Decl*> resolved_targets;  // filled by sema: rules, caps, exemptions
  static bool classof(const Decl* d) { return d->kind == DeclKind::Exempt; }
};

struct PropertyDecl : Decl {
  explicit PropertyDecl(SourceRange r) : Decl(DeclKind::Property, r) {}
  ExprPtr expr;
  static bool classof(const Decl* d) { return d->kind == DeclKind::Property; }
};

struct RequestField {
  Ident name;  // "today" for the request date
  ExprPtr value;
  SourceRange range;
  const Field* field = nullptr;  // filled by sema (null for `today`)
};

struct UsageEntry {
  Ident cap;
  ExprPtr value;
  SourceRange range;
  const Decl* cap_decl = nullptr;  // filled by sema
};

struct TestStep {
  enum class Kind : unsigned char { Check, Decide };
  Kind kind = Kind::Check;
  SourceRange range;
  SourceRange request_range;
  std::vector<RequestField> request;
  bool has_usage = false;
  std::vector<UsageEntry> usage;
  // Expectation: either `error CODE` or an outcome with optional `by` and `where`.
  bool expects_error = false;
  Ident error_code;
  QualName outcome;
  int outcome_index = -1;  // filled by sema
  bool has_by = false;
  bool by_nothing = false;
  std::vector<QualName> by;
  std::vector<const Decl*> by_rules;  // filled by sema
  ExprPtr where;
};

struct TestDecl : Decl {
  explicit TestDecl(SourceRange r) : Decl(DeclKind::Test, r) {}
  StringLit title;
  std::optional<DateLit> today;
  std::vector<TestStep> steps;
  static bool classof(const Decl* d) { return d->kind == DeclKind::Test; }
};

// ---------------------------------------------------------------------------------------------
// Files

struct Header {
  bool is_module = false;
  Ident name;
  std::optional<StringLit> version;
  std::optional<DateLit> effective;
  std::optional<DateLit> expires;
  Doc doc;
  SourceRange range;
};

struct Comment {
  enum class Kind : unsigned char { Line, Block, Doc };
  Kind kind = Kind::Line;
  SourceRange range;
  std::string text;  // as written, including `//`, `/* */` or `///`
};

struct Module {
  FileId file;
  std::optional<Header> header;
  std::vector<DeclPtr> decls;
  // Every comment of the file in source order (doc comments too), for the formatter.
  std::vector<Comment> comments;
};

}  // namespace edict::ast
