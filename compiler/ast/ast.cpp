#include "ast/ast.h"

#include "llvm/Support/ErrorHandling.h"

namespace edict::ast {

std::string QualName::str() const {
  std::string out;
  for (const Ident& p : parts) {
    if (!out.empty()) out += '.';
    out += p.name;
  }
  return out;
}

const char* Spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::Implies: return "implies";
    case BinaryOp::Or: return "or";
    case BinaryOp::And: return "and";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::In: return "in";
    case BinaryOp::NotIn: return "not in";
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Rem: return "%";
  }
  llvm_unreachable("bad BinaryOp");
}

const char* Keyword(DeclKind kind) {
  switch (kind) {
    case DeclKind::Import: return "import";
    case DeclKind::Const: return "const";
    case DeclKind::Enum: return "enum";
    case DeclKind::Decision: return "decision";
    case DeclKind::Default: return "default";
    case DeclKind::Input: return "input";
    case DeclKind::Tiers: return "tiers";
    case DeclKind::Let: return "let";
    case DeclKind::Output: return "output";
    case DeclKind::Cap: return "cap";
    case DeclKind::Rule: return "rule";
    case DeclKind::Exempt: return "exempt";
    case DeclKind::Property: return "property";
    case DeclKind::Test: return "test";
  }
  llvm_unreachable("bad DeclKind");
}

const char* Spelling(CapField f) {
  switch (f) {
    case CapField::Limit: return "limit";
    case CapField::Key: return "key";
    case CapField::Window: return "window";
    case CapField::Amount: return "amount";
    case CapField::Applies: return "applies";
    case CapField::Record: return "record";
    case CapField::Unknown: return "?";
  }
  llvm_unreachable("bad CapField");
}

const char* Spelling(Window w) {
  switch (w) {
    case Window::Day: return "day";
    case Window::Month: return "month";
    case Window::Quarter: return "quarter";
    case Window::Year: return "year";
    case Window::Forever: return "forever";
  }
  llvm_unreachable("bad Window");
}

int EnumLikeDecl::FindMember(const std::string& member_name) const {
  for (size_t i = 0; i < member_count(); ++i) {
    if (member(i).name == member_name) return static_cast<int>(i);
  }
  return -1;
}

const Field* InputDecl::FindField(const std::string& field_name) const {
  for (const auto& f : fields) {
    if (f->name.name == field_name) return f.get();
  }
  return nullptr;
}

const CapEntry* CapDecl::Find(CapField f) const {
  for (const CapEntry& e : entries) {
    if (e.field == f) return &e;
  }
  return nullptr;
}

std::string ToString(const Type& t) {
  auto scalar = [](TypeKind k, const Decl* d) -> std::string {
    switch (k) {
      case TypeKind::Error: return "<error>";
      case TypeKind::Bool: return "bool";
      case TypeKind::Int: return "int";
      case TypeKind::Float: return "float";
      case TypeKind::String: return "string";
      case TypeKind::Date: return "date";
      case TypeKind::Enum: return d ? d->name.name : "<enum>";
      case TypeKind::Set: return "set";
    }
    return "?";
  };
  if (t.kind == TypeKind::Set) return "set<" + scalar(t.elem, t.decl) + ">";
  return scalar(t.kind, t.decl);
}

}  // namespace edict::ast
