// The Edict grammar (LANGUAGE.md). One combined lexer/parser grammar.
//
// Conventions: parser rules lowerCamel, tokens UPPER_SNAKE, labelled alternatives UpperCamel after
// the AST node they build. Comments go to the HIDDEN channel (doc comments to channel 2) so that
// `edict fmt` and doc-comment attachment can recover them from the token stream.
//
// Contextual words (`limit`, `key`, `window`, `amount`, `applies`, `record`, `usage`, `error`,
// `nothing`, `none`, window names) are plain IDENT tokens; the AST builder gives them meaning
// where they appear. Everything that needs a value check (dates, int ranges, escapes) is checked
// by the AST builder, which reports our own diagnostics.
grammar Edict;

@parser::members {
  // Nesting depth of expressions, limited so that no input can exhaust the stack.
  // The AST builder's parser driver catches NestingTooDeep and reports E0103.
  int nesting_ = 0;
  static constexpr int kMaxNesting = 300;
  struct NestingTooDeep { antlr4::Token* token; };
  void EnterNesting() {
    if (++nesting_ > kMaxNesting) throw NestingTooDeep{getCurrentToken()};
  }
  void LeaveNesting() { --nesting_; }
}

// ---------------------------------------------------------------------------------------------
// Files and declarations

// The header is parsed anywhere so that a misplaced one gets a precise diagnostic.
file: (header | decl)* EOF;

header
  : POLICY name=ident headerClause* SEMI          # PolicyHeader
  | MODULE name=ident SEMI                        # ModuleHeader
  ;

headerClause
  : VERSION STRING                                # VersionClause
  | EFFECTIVE DATE                                # EffectiveClause
  | EXPIRES DATE                                  # ExpiresClause
  ;

decl
  : IMPORT qualifiedName SEMI                                     # ImportDecl
  | CONST name=ident (COLON typeRef)? ASSIGN expr SEMI            # ConstDecl
  | ENUM name=ident LBRACE memberList? RBRACE                     # EnumDecl
  | DECISION name=ident LBRACE memberList? RBRACE                 # DecisionDecl
  | DEFAULT qualifiedName SEMI                                    # DefaultDecl
  | INPUT LBRACE field* RBRACE                                    # InputDecl
  | TIERS name=ident OF typeRef LBRACE tierArm* RBRACE            # TiersDecl
  | LET name=ident (COLON typeRef)? ASSIGN expr SEMI              # LetDecl
  | OUTPUT name=ident (COLON typeRef)? ASSIGN expr SEMI           # OutputDecl
  | CAP name=ident LBRACE capEntry* RBRACE                        # CapDecl
  | RULE name=ident validity* COLON expr FAT_ARROW outcome=qualifiedName
      explanation* SEMI                                           # RuleDecl
  | EXEMPT name=ident FROM qualifiedName (COMMA qualifiedName)* validity*
      WHEN expr explanation* SEMI                                 # ExemptDecl
  | PROPERTY name=ident COLON expr SEMI                           # PropertyDecl
  | TEST STRING (TODAY DATE)? LBRACE testStep* RBRACE             # TestDecl
  ;

memberList: member (COMMA member)* COMMA?;
member: ident;

field: name=ident COLON typeRef (ASSIGN expr)? SEMI;

validity
  : EFFECTIVE DATE                                # EffectiveValidity
  | UNTIL DATE                                    # UntilValidity
  ;

explanation
  : BECAUSE STRING                                # BecauseClause
  | CITE STRING                                   # CiteClause
  ;

typeRef
  : BOOL                                          # BoolType
  | INT_T                                         # IntType
  | FLOAT_T                                       # FloatType
  | STRING_T                                      # StringType
  | DATE_T                                        # DateType
  | SET LT typeRef GT                             # SetType
  | qualifiedName                                 # NamedType
  ;

// ---------------------------------------------------------------------------------------------
// Tiers

tierArm: name=ident COLON pattern (PIPE pattern)* SEMI;

pattern
  : OTHERWISE                                     # OtherwisePattern
  | LBRACE expr (COMMA expr)* COMMA? RBRACE       # SetPattern
  | op=(LT | LE | GT | GE) additive               # ComparePattern
  | lo=additive op=(RANGE_EXCL | RANGE_INCL) hi=additive   # RangePattern
  | additive                                      # NamePattern
  ;

// ---------------------------------------------------------------------------------------------
// Caps: every entry is `label: expr, expr, …;` and the AST builder interprets the label.

capEntry: label=ident COLON expr (COMMA expr)* SEMI;

// ---------------------------------------------------------------------------------------------
// Tests

testStep
  : kind=(CHECK | DECIDE) request usageClause? ARROW expectation SEMI
  ;

request: LBRACE (requestField (COMMA requestField)* COMMA?)? RBRACE;
requestField: (ident | TODAY) COLON expr;

// `usage { cap: N, … }`; `usage` is a contextual word.
usageClause: word=ident LBRACE (usageEntry (COMMA usageEntry)* COMMA?)? RBRACE;
usageEntry: ident COLON expr;

expectation
  : word=ident code=ident                                         # ErrorExpectation
  | outcome=qualifiedName byClause? whereClause?                  # OutcomeExpectation
  ;

byClause: BY qualifiedName (COMMA qualifiedName)*;
whereClause: WHERE expr;

// ---------------------------------------------------------------------------------------------
// Expressions, loosest first

expr
@init { EnterNesting(); }
  : implication
  ;
finally { LeaveNesting(); }

implication: lhs=disjunction (IMPLIES rhs=expr)?;
disjunction: conjunction (OR conjunction)*;
conjunction: negation (AND negation)*;

negation
@init { EnterNesting(); }
  : NOT negation                                  # NotExpr
  | comparison                                    # PlainNegation
  ;
finally { LeaveNesting(); }

// Comparisons do not chain; the grammar accepts a chain so that the AST builder can say so.
comparison: additive (compareOp additive)*;
compareOp: EQ | NE | LT | LE | GT | GE | IN | NOT IN;

additive: multiplicative (op+=(PLUS | MINUS) multiplicative)*;
multiplicative: unary (op+=(STAR | SLASH | PERCENT_OP) unary)*;

unary
@init { EnterNesting(); }
  : MINUS unary                                   # NegExpr
  | primary                                       # PlainUnary
  ;
finally { LeaveNesting(); }

primary
  : INT                                           # IntLiteral
  | FLOAT                                         # FloatLiteral
  | PERCENT                                       # PercentLiteral
  | STRING                                        # StringLiteral
  | DATE                                          # DateLiteral
  | (TRUE | FALSE)                                # BoolLiteral
  | TODAY                                         # TodayExpr
  | OUTCOME                                       # OutcomeExpr
  | qualifiedName LPAREN (expr (COMMA expr)* COMMA?)? RPAREN     # CallExpr
  | FLOAT_T LPAREN (expr (COMMA expr)* COMMA?)? RPAREN           # FloatCallExpr
  | qualifiedName                                 # NameExpr
  | LPAREN expr RPAREN                            # ParenExpr
  | LBRACE expr (COMMA expr)* COMMA? RBRACE       # SetExpr
  | IF cond=expr THEN yes=expr ELSE no=expr   # IfExpr
  | MATCH scrutinee=expr LBRACE matchArm (COMMA matchArm)* COMMA? RBRACE   # MatchExpr
  ;

matchArm: armPattern (PIPE armPattern)* FAT_ARROW expr;
armPattern
  : UNDERSCORE                                    # WildcardArm
  | (TRUE | FALSE)                                # BoolArm
  | qualifiedName                                 # MemberArm
  ;

qualifiedName: ident (DOT ident)*;
ident: IDENT;

// ---------------------------------------------------------------------------------------------
// Lexer

POLICY: 'policy';
MODULE: 'module';
VERSION: 'version';
EFFECTIVE: 'effective';
EXPIRES: 'expires';
UNTIL: 'until';
IMPORT: 'import';
CONST: 'const';
ENUM: 'enum';
DECISION: 'decision';
DEFAULT: 'default';
INPUT: 'input';
TIERS: 'tiers';
OF: 'of';
OTHERWISE: 'otherwise';
LET: 'let';
OUTPUT: 'output';
CAP: 'cap';
RULE: 'rule';
EXEMPT: 'exempt';
FROM: 'from';
WHEN: 'when';
BECAUSE: 'because';
CITE: 'cite';
PROPERTY: 'property';
TEST: 'test';
CHECK: 'check';
DECIDE: 'decide';
BY: 'by';
WHERE: 'where';
AND: 'and';
OR: 'or';
NOT: 'not';
IN: 'in';
IMPLIES: 'implies';
IF: 'if';
THEN: 'then';
ELSE: 'else';
MATCH: 'match';
TRUE: 'true';
FALSE: 'false';
BOOL: 'bool';
INT_T: 'int';
FLOAT_T: 'float';
STRING_T: 'string';
DATE_T: 'date';
SET: 'set';
// Reserved words that are not keywords of any declaration.
TODAY: 'today';
OUTCOME: 'outcome';
UNDERSCORE: '_';

// Four digits, `-` and a digit start a date; the AST builder checks it is a valid YYYY-MM-DD.
DATE: DIGIT DIGIT DIGIT DIGIT '-' DIGIT [0-9_-]*;
PERCENT: (DIGITS ('.' DIGITS)? | DIGITS '.' DIGITS EXPONENT | DIGITS EXPONENT) '%';
FLOAT: DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT;
INT: DIGITS;
// Strings are lexed permissively up to the closing quote on the same line; escapes are checked
// by the AST builder so that a bad escape is reported at its own column.
STRING: '"' (~["\\\r\n] | '\\' ~[\r\n])* '"';
UNTERMINATED_STRING: '"' (~["\\\r\n] | '\\' ~[\r\n])* ('\\')?;

IDENT: [A-Za-z_] [A-Za-z0-9_]*;

RANGE_EXCL: '..<';
RANGE_INCL: '..=';
FAT_ARROW: '=>';
ARROW: '->';
EQ: '==';
NE: '!=';
LE: '<=';
GE: '>=';
LT: '<';
GT: '>';
ASSIGN: '=';
PLUS: '+';
MINUS: '-';
STAR: '*';
SLASH: '/';
PERCENT_OP: '%';
LPAREN: '(';
RPAREN: ')';
LBRACE: '{';
RBRACE: '}';
COMMA: ',';
SEMI: ';';
COLON: ':';
DOT: '.';
PIPE: '|';

DOC_COMMENT: '///' (~[/\r\n] ~[\r\n]*)? -> channel(2);
LINE_COMMENT: '//' ~[\r\n]* -> channel(HIDDEN);
BLOCK_COMMENT: '/*' .*? '*/' -> channel(HIDDEN);
// Only a comment that never closes: it must not out-match BLOCK_COMMENT (longest match wins).
UNTERMINATED_COMMENT: '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF -> channel(HIDDEN);
WS: [ \t\r\n\f]+ -> channel(HIDDEN);
// Anything else is one bad character; the parser reports it as an unexpected character.
BAD_CHAR: .;

fragment DIGIT: [0-9];
fragment DIGITS: DIGIT ('_'? DIGIT)*;
fragment EXPONENT: [eE] [+-]? DIGITS;
