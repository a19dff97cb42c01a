#include "codegen/header_emitter.h"

#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>
#include <unordered_set>

#include "codegen/abi_layout.h"
#include "codegen/codegen.h"

namespace edict::codegen {
namespace {

// CamelCase / snake_case → snake_case ("EndUser" → "end_user", "HTTPServer" → "http_server",
// "tier1" → "tier1", "US" → "us").
auto Snake(const std::string& s) -> std::string {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (std::isupper(c)) {
      bool prev_lower = i > 0 && (std::islower(static_cast<unsigned char>(s[i - 1])) ||
                                  std::isdigit(static_cast<unsigned char>(s[i - 1])));
      bool next_lower = i + 1 < s.size() && std::islower(static_cast<unsigned char>(s[i + 1])) &&
                        i > 0 && std::isupper(static_cast<unsigned char>(s[i - 1]));
      if ((prev_lower || next_lower) && !out.empty() && out.back() != '_') out += '_';
      out += static_cast<char>(std::tolower(c));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

auto Upper(const std::string& s) -> std::string {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// C and C++ keywords and macros a conforming or GNU-mode compiler may define, which therefore
// cannot be struct member names.
auto IsReserved(const std::string& s) -> bool {
  static const std::unordered_set<std::string> kWords = {
      // C (through C23)
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
      "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
      "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "nullptr",
      "alignas", "alignof", "constexpr", "static_assert", "thread_local", "typeof",
      "typeof_unqual", "_Bool", "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic",
      "_Generic", "_Noreturn", "_Static_assert", "_Thread_local",
      // C++
      "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t", "char16_t", "char32_t",
      "class", "co_await", "co_return", "co_yield", "compl", "concept", "consteval", "constinit",
      "const_cast", "decltype", "delete", "dynamic_cast", "explicit", "export", "friend",
      "mutable", "namespace", "new", "noexcept", "not", "not_eq", "operator", "or", "or_eq",
      "private", "protected", "public", "reinterpret_cast", "requires", "static_cast", "template",
      "this", "throw", "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq",
      // Macros of the standard headers and GNU-mode predefined macros.
      "errno", "assert", "offsetof", "NULL", "EOF", "stdin", "stdout", "stderr", "complex",
      "imaginary", "noreturn", "I", "unix", "linux", "i386", "setjmp", "va_arg", "va_start",
      "va_end", "va_copy", "header"};
  return kWords.count(s) != 0;
}

// A set of identifiers in one C scope; Claim returns `name` or, when taken, `name_2`, `name_3`…
class Names {
 public:
  auto Claim(const std::string& name) -> std::string {
    std::string n = name;
    for (int k = 2; !taken_.insert(n).second; ++k) n = name + "_" + std::to_string(k);
    return n;
  }

 private:
  std::set<std::string> taken_;
};

// Writes a doc comment (lines as given) at `indent`.
void Doc(std::ostringstream& o, const std::vector<std::string>& lines, const char* indent) {
  if (lines.empty()) return;
  o << indent << "/**";
  if (lines.size() == 1) {
    std::string l = lines[0];
    for (size_t p; (p = l.find("*/")) != std::string::npos;) l.replace(p, 2, "* /");
    o << " " << l << " */\n";
    return;
  }
  o << "\n";
  for (std::string l : lines) {
    for (size_t p; (p = l.find("*/")) != std::string::npos;) l.replace(p, 2, "* /");
    o << indent << " *" << (l.empty() ? "" : " ") << l << "\n";
  }
  o << indent << " */\n";
}

// A C string literal.
auto Literal(const std::string& s) -> std::string {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f || c == '?') {  // '?': no trigraphs
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// A comment-safe rendering of arbitrary text (no "*/", no newlines).
auto CommentText(std::string s) -> std::string {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  for (size_t p; (p = s.find("*/")) != std::string::npos;) s.replace(p, 2, "* /");
  return s;
}

}  // namespace

auto ModuleAliasSymbol(const pir::Module& module) -> std::string {
  return "edict_" + module.name + "_module_v1";
}

auto ExportedSymbols(const pir::Module& module) -> std::vector<std::string> {
  return {kModuleEntrySymbol, ModuleAliasSymbol(module), EvalSymbol(module),
          EvalBatchSymbol(module), CapSlotsSymbol(module)};
}

auto EmitHeader(const pir::Module& m, const std::string& abi_header) -> std::string {
  const AbiLayout layout = ComputeAbiLayout(m);
  const std::string p = Snake(m.name);  // lower-case prefix
  const std::string P = Upper(p);       // upper-case prefix
  Names global;                         // file-scope identifiers (types, constants, functions)
  std::ostringstream o;

  auto type_comment = [&](pir::Type t, const std::vector<std::string>& enum_type_names) -> std::string {
    switch (t.kind) {
      case pir::TypeKind::Bool: return "bool: 0 or 1";
      case pir::TypeKind::Int: return "int";
      case pir::TypeKind::Float: return "float";
      case pir::TypeKind::String: return "string (UTF-8)";
      case pir::TypeKind::Date: return "date: days since 1970-01-01, see " + p + "_date()";
      case pir::TypeKind::Enum: return enum_type_names[static_cast<size_t>(t.enum_id)];
    }
    return "";
  };
  auto c_type = [](pir::Type t) -> const char* {
    switch (t.kind) {
      case pir::TypeKind::Float: return "double";
      case pir::TypeKind::String: return "edict_str";
      default: return "int64_t";
    }
  };

  const std::string guard = "EDICT_POLICY_" + P + "_H_";
  char hash[32];
  std::snprintf(hash, sizeof hash, "0x%016llx", static_cast<unsigned long long>(m.source_hash));

  o << "/* " << p << ".h: the C interface of the compiled Edict policy `" << m.name << "`";
  if (!m.version.empty()) o << ", version " << CommentText(m.version);
  o << ".\n"
    << " *\n"
    << " * Generated by `edict build` from " << CommentText(m.source_path) << " (source hash " << hash
    << ").\n"
    << " * Do not edit: rebuild the policy. The module ABI is " << abi_header
    << " (runtime/include/edict.h).\n"
    << " *\n"
    << " * Fill the input struct " << p << "_input, call " << p << "_eval() (linking lib" << m.name
    << ".so) or " << p << "_eval_module()\n"
    << " * (a module loaded with dlopen or libedict), then read the " << p << "_result:\n"
    << " * header.error (EDICT_OK), header.outcome (" << P << "_<DECISION>_<MEMBER>), the rule,\n"
    << " * exemption and cap bits (" << p << "_rule_applied(), " << p << "_rule_decides(), …), record[cap] and the\n"
    << " * outputs. Strings in the input are borrowed for the duration of the call. Thread-safe:\n"
    << " * evaluation uses only its arguments and the stack.\n"
    << " */\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n"
    << "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
    << "#include \"" << abi_header << "\"\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";

  const std::string assert_macro = global.Claim(P + "_LAYOUT_ASSERT");
  o << "#if defined(__cplusplus) && __cplusplus >= 201103L\n"
    << "#define " << assert_macro << "(cond, name) static_assert(cond, #name)\n"
    << "#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L\n"
    << "#define " << assert_macro << "(cond, name) _Static_assert(cond, #name)\n"
    << "#else /* C99: a negative array size fails to compile */\n"
    << "#define " << assert_macro << "(cond, name) typedef char " << p
    << "_layout_assert_##name[(cond) ? 1 : -1]\n"
    << "#endif\n\n";

  o << "#define " << global.Claim(P + "_POLICY") << " " << Literal(m.name) << "\n"
    << "#define " << global.Claim(P + "_VERSION") << " " << Literal(m.version) << "\n"
    << "#define " << global.Claim(P + "_SOURCE_HASH") << " UINT64_C(" << hash << ")\n\n";

  // Reserve the names of the types and functions first, so that constants yield to them.
  const std::string input_t = global.Claim(p + "_input");
  const std::string result_t = global.Claim(p + "_result");
  const std::string count_rule = global.Claim(P + "_RULE_COUNT");
  const std::string count_exemption = global.Claim(P + "_EXEMPTION_COUNT");
  const std::string count_cap = global.Claim(P + "_CAP_COUNT");
  const std::string count_output = global.Claim(P + "_OUTPUT_COUNT");
  const std::string count_field = global.Claim(P + "_FIELD_COUNT");

  // ---- Enums.
  std::vector<std::string> enum_types;
  for (const pir::Enum& e : m.enums) enum_types.push_back(global.Claim(p + "_" + Snake(e.name)));
  o << "/* ---- Enums: value = member index (the int64_t slots of enum fields and outputs) ---- */\n\n";
  for (size_t i = 0; i < m.enums.size(); ++i) {
    const pir::Enum& e = m.enums[i];
    const std::string E = Upper(Snake(e.name));
    if (static_cast<int32_t>(i) == m.decision_enum) o << "/** The decision (header.outcome). */\n";
    o << "typedef enum " << enum_types[i] << " {\n";
    for (size_t k = 0; k < e.members.size(); ++k) {
      o << "  " << global.Claim(P + "_" + E + "_" + Upper(Snake(e.members[k]))) << " = " << k << ",";
      if (Upper(Snake(e.members[k])) != Upper(e.members[k])) o << " /* " << e.members[k] << " */";
      o << "\n";
    }
    o << "} " << enum_types[i] << ";\n\n";
  }

  // ---- Input struct.
  o << "/* ---- Input: one slot per field, in declaration order ---- */\n\n";
  o << "#define " << count_field << " " << m.inputs.size() << "\n\n";
  o << "typedef struct " << input_t << " {\n";
  std::vector<std::string> field_members;
  {
    Names members;
    for (size_t f = 0; f < m.inputs.size(); ++f) {
      const pir::InputField& in = m.inputs[f];
      std::string name = IsReserved(in.name) ? in.name + "_" : in.name;
      name = members.Claim(name);
      field_members.push_back(name);
      Doc(o, in.doc, "  ");
      o << "  " << c_type(in.type) << " " << name << "; /* " << type_comment(in.type, enum_types);
      if (in.default_value) o << "; has a default";
      o << " */\n";
    }
    if (m.inputs.empty()) o << "  int64_t unused_; /* the policy has no input fields */\n";
  }
  o << "} " << input_t << ";\n\n";
  if (!m.inputs.empty()) {
    o << assert_macro << "(sizeof(" << input_t << ") == " << layout.input_size << ", input_size);\n";
    for (size_t f = 0; f < m.inputs.size(); ++f) {
      o << assert_macro << "(offsetof(" << input_t << ", " << field_members[f]
        << ") == " << layout.input_offsets[f] << ", input_" << f << ");\n";
    }
    o << "\n";
  }

  // ---- Table indexes.
  auto indexes = [&](const char* title, const std::string& kind, const std::string& count_name,
                     const std::vector<std::string>& names) {
    o << "/* " << title << " */\n";
    o << "#define " << count_name << " " << names.size() << "\n";
    if (names.empty()) {
      o << "\n";
      return;
    }
    o << "enum {\n";
    for (size_t i = 0; i < names.size(); ++i)
      o << "  " << global.Claim(P + "_" + kind + "_" + Upper(Snake(names[i]))) << " = " << i << ",\n";
    o << "};\n\n";
  };
  std::vector<std::string> rule_names, exemption_names, cap_names, output_names;
  for (const pir::Rule& r : m.rules) rule_names.push_back(r.name);
  for (const pir::Exemption& e : m.exemptions) exemption_names.push_back(e.name);
  for (const pir::Cap& c : m.caps) cap_names.push_back(c.name);
  for (int32_t let : layout.outputs) output_names.push_back(m.lets[static_cast<size_t>(let)].name);
  o << "/* ---- Indexes into the descriptor's tables and the result's bitsets and arrays ---- */\n\n";
  indexes("Rules (edict_module::rules; bits of rules_applied and deciding).", "RULE", count_rule,
          rule_names);
  indexes("Exemptions (edict_module::exemptions; bits of exemptions_applied).", "EXEMPTION",
          count_exemption, exemption_names);
  indexes("Caps (edict_module::caps; bits of caps_applied, record[], the usage array).", "CAP",
          count_cap, cap_names);
  indexes("Outputs (edict_module::outputs; members of the result below).", "OUTPUT", count_output,
          output_names);

  // ---- Result struct.
  o << "/* ---- Result: edict_result, then the bitsets, the amounts to record and the outputs ---- */\n\n";
  o << "typedef struct " << result_t << " {\n";
  o << "  edict_result header; /* error, error_line, error_col, outcome (" << enum_types[static_cast<size_t>(m.decision_enum)]
    << ") */\n";
  std::vector<std::string> output_members;
  {
    Names members;
    for (const char* n : {"header", "rules_applied", "deciding", "exemptions_applied",
                          "caps_applied", "record"})
      members.Claim(n);
    if (layout.rule_words) {
      o << "  uint64_t rules_applied[" << layout.rule_words << "]; /* bit r: rule r applies */\n";
      o << "  uint64_t deciding[" << layout.rule_words << "]; /* bit r: rule r decides the outcome */\n";
    }
    if (layout.exemption_words)
      o << "  uint64_t exemptions_applied[" << layout.exemption_words << "]; /* bit e: exemption e applies */\n";
    if (layout.cap_words)
      o << "  uint64_t caps_applied[" << layout.cap_words << "]; /* bit c: cap c applies */\n";
    if (!m.caps.empty())
      o << "  int64_t record[" << m.caps.size() << "]; /* per cap: the amount a decide records, or -1 */\n";
    for (size_t k = 0; k < layout.outputs.size(); ++k) {
      const pir::Let& l = m.lets[static_cast<size_t>(layout.outputs[k])];
      std::string name = members.Claim(IsReserved(l.name) ? l.name + "_" : l.name);
      output_members.push_back(name);
      Doc(o, l.doc, "  ");
      o << "  " << c_type(l.type) << " " << name << "; /* output: " << type_comment(l.type, enum_types)
        << " */\n";
    }
  }
  o << "} " << result_t << ";\n\n";
  o << assert_macro << "(sizeof(" << result_t << ") == " << layout.result_size << ", result_size);\n";
  o << assert_macro << "(offsetof(" << result_t << ", header) == 0, result_header);\n";
  if (layout.rule_words) {
    o << assert_macro << "(offsetof(" << result_t << ", rules_applied) == " << layout.rules_applied_offset
      << ", result_rules_applied);\n";
    o << assert_macro << "(offsetof(" << result_t << ", deciding) == " << layout.deciding_offset
      << ", result_deciding);\n";
  }
  if (layout.exemption_words)
    o << assert_macro << "(offsetof(" << result_t << ", exemptions_applied) == "
      << layout.exemptions_applied_offset << ", result_exemptions_applied);\n";
  if (layout.cap_words)
    o << assert_macro << "(offsetof(" << result_t << ", caps_applied) == " << layout.caps_applied_offset
      << ", result_caps_applied);\n";
  if (!m.caps.empty())
    o << assert_macro << "(offsetof(" << result_t << ", record) == " << layout.record_offset
      << ", result_record);\n";
  for (size_t k = 0; k < output_members.size(); ++k) {
    o << assert_macro << "(offsetof(" << result_t << ", " << output_members[k]
      << ") == " << layout.output_offsets[k] << ", result_output_" << k << ");\n";
  }
  o << "\n";

  // ---- Entry points.
  const std::string f_eval = global.Claim(p + "_eval");
  const std::string f_batch = global.Claim(p + "_eval_batch");
  const std::string f_eval_module = global.Claim(p + "_eval_module");
  const std::string f_matches = global.Claim(p + "_matches");
  o << "/* ---- Entry points exported by lib" << m.name << ".so (link it with -l" << m.name
    << ") ---- */\n\n"
    << "const edict_module *" << ModuleAliasSymbol(m) << "(void); /* = edict_module_v1() */\n"
    << "int " << EvalSymbol(m)
    << "(const void *input, const int64_t *usage, int32_t today, edict_result *result);\n"
    << "size_t " << EvalBatchSymbol(m)
    << "(size_t n, const void *inputs, const int64_t *usage, const int32_t *today,\n"
    << "    void *results);\n"
    << "void " << CapSlotsSymbol(m)
    << "(const void *input, const int64_t *usage, int32_t today,\n"
    << "    edict_cap_slot *slots, edict_value *keys);\n\n";

  o << "/* Evaluates one request: `usage` holds " << count_cap
    << " figures (the usage of each cap at the request's\n"
    << " * key and window) or is NULL for all zero; `today` is days since 1970-01-01. Returns\n"
    << " * result->header.error (EDICT_OK or an edict_error_code). */\n"
    << "static inline int " << f_eval << "(const " << input_t
    << " *input, const int64_t *usage, int32_t today,\n    " << result_t << " *result) {\n"
    << "  return " << EvalSymbol(m) << "(input, usage, today, &result->header);\n}\n\n"
    << "/* Evaluates n requests (usage: n * " << count_cap
    << " figures, or NULL); returns the number of errors. */\n"
    << "static inline size_t " << f_batch << "(size_t n, const " << input_t
    << " *inputs, const int64_t *usage,\n    const int32_t *today, " << result_t << " *results) {\n"
    << "  return " << EvalBatchSymbol(m) << "(n, inputs, usage, today, results);\n}\n\n";

  o << "/* Whether a loaded module `m` (edict_module_v1() of a dlopen-ed library) has the layout of\n"
    << " * this header: the same policy, ABI, input and result structs and tables. A recompiled\n"
    << " * version with other conditions or tiers matches; one with other fields does not. */\n"
    << "static inline int " << f_matches << "(const edict_module *m) {\n"
    << "  return m != NULL && m->abi_version == EDICT_ABI_VERSION &&\n"
    << "         m->struct_size >= sizeof(edict_module) && strcmp(m->name, " << Literal(m.name)
    << ") == 0 &&\n"
    << "         m->input_size == " << layout.input_size << " && m->result_size == " << layout.result_size
    << " &&\n"
    << "         m->field_count == " << m.inputs.size() << " && m->rule_count == " << m.rules.size()
    << " &&\n"
    << "         m->exemption_count == " << m.exemptions.size() << " && m->cap_count == " << m.caps.size()
    << " &&\n"
    << "         m->output_count == " << layout.outputs.size() << ";\n}\n\n"
    << "/* " << f_eval << "() through a descriptor; check " << f_matches << "(m) once after loading. */\n"
    << "static inline int " << f_eval_module << "(const edict_module *m, const " << input_t
    << " *input,\n    const int64_t *usage, int32_t today, " << result_t << " *result) {\n"
    << "  return m->eval(input, usage, today, &result->header);\n}\n\n";

  // ---- Result readers and helpers.
  o << "/* ---- Reading results ---- */\n\n";
  auto bit_reader = [&](const std::string& fn, const char* member, size_t count, const char* what) {
    if (count == 0) return;
    o << "/* Whether " << what << " (an index " << P << "_…). */\n"
      << "static inline int " << global.Claim(p + "_" + fn) << "(const " << result_t
      << " *r, unsigned i) {\n"
      << "  return (int)((r->" << member << "[i / 64u] >> (i % 64u)) & 1u);\n}\n";
  };
  bit_reader("rule_applied", "rules_applied", m.rules.size(), "rule i applies");
  bit_reader("rule_decides", "deciding", m.rules.size(), "rule i decides the outcome");
  bit_reader("exemption_applied", "exemptions_applied", m.exemptions.size(), "exemption i applies");
  bit_reader("cap_applied", "caps_applied", m.caps.size(), "cap i applies");
  o << "\n/* Days since 1970-01-01 of a proleptic Gregorian date (for date fields and `today`). */\n"
    << "static inline int32_t " << global.Claim(p + "_date") << "(int32_t y, int32_t m, int32_t d) {\n"
    << "  y -= m <= 2;\n"
    << "  int32_t era = (y >= 0 ? y : y - 399) / 400;\n"
    << "  int32_t yoe = y - era * 400;\n"
    << "  int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;\n"
    << "  int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;\n"
    << "  return era * 146097 + doe - 719468;\n}\n\n"
    << "/* A string slot for a NUL-terminated string (borrowed, not copied). */\n"
    << "static inline edict_str " << global.Claim(p + "_str") << "(const char *s) {\n"
    << "  edict_str v;\n  v.ptr = s;\n  v.len = strlen(s);\n  return v;\n}\n\n";

  o << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* " << guard << " */\n";
  return o.str();
}

}  // namespace edict::codegen
