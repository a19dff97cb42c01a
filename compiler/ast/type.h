// Semantic types of Edict values (LANGUAGE.md §3). A Type is a small value: its kind, and for
// enum-like types (enum, tiers, decision) the declaration that lists the members. Sets hold one
// scalar element type. Sema stores the type of every expression in Expr::type.
#pragma once

#include <string>

namespace edict::ast {

struct Decl;

enum class TypeKind : unsigned char {
  Error,     // the type of an expression that already has a reported error: silences follow-ons
  Bool,
  Int,
  Float,
  String,
  Date,
  Enum,      // `enum`, `tiers` and `decision` types; `decl` lists the members
  Set,       // `set<T>`; `elem` and (for enum elements) `decl` describe T
};

struct Type {
  TypeKind kind = TypeKind::Error;
  TypeKind elem = TypeKind::Error;  // element kind of a set
  const Decl* decl = nullptr;       // EnumDecl, TiersDecl or DecisionDecl for Enum (or Set of Enum)

  static Type Error() { return {}; }
  static Type Bool() { return {TypeKind::Bool}; }
  static Type Int() { return {TypeKind::Int}; }
  static Type Float() { return {TypeKind::Float}; }
  static Type String() { return {TypeKind::String}; }
  static Type Date() { return {TypeKind::Date}; }
  static Type Enum(const Decl* d) { return {TypeKind::Enum, TypeKind::Error, d}; }
  static Type SetOf(Type e) { return {TypeKind::Set, e.kind, e.decl}; }

  bool is_error() const { return kind == TypeKind::Error; }
  bool is_numeric() const { return kind == TypeKind::Int || kind == TypeKind::Float; }
  bool is_enum() const { return kind == TypeKind::Enum; }
  // The element type of a set.
  Type element() const { return {elem, TypeKind::Error, decl}; }

  friend bool operator==(const Type& a, const Type& b) {
    return a.kind == b.kind && a.elem == b.elem && a.decl == b.decl;
  }
  friend bool operator!=(const Type& a, const Type& b) { return !(a == b); }
};

// Prints a type as a user writes it: `int`, `set<Country>`, `Tier`.
std::string ToString(const Type& t);

}  // namespace edict::ast
