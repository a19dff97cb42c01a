// The `.so` engine of engine.h: a built module loaded with libedict, its schema rebuilt from the
// descriptor, requests marshalled into the input struct and results read back through the ABI.
//
// `--explain` on a built module differs from `--explain` on the source in one way: the module
// reports whether each rule, exemption and cap *applies*, not whether its condition held, so a
// rule that did not apply while an exemption targeting it did is reported as "not applied" with
// "defeaters_applied" (the source-based explanation can say "defeated by …", having evaluated
// the condition), and cap limits and amounts are not shown. `because` texts are formatted from
// the request and the outputs; a piece naming a plain `let` (not in the result) stays `{name}`.
#include <cstring>

#include "abi/marshal.h"
#include "driver/engine.h"
#include "driver/render.h"
#include "edict_runtime.h"
#include "interp/interpreter.h"

namespace edict::driver {
namespace {

auto ToType(const edict_type& t) -> pir::Type {
  pir::Type out;
  switch (t.kind) {
    case EDICT_TYPE_BOOL: out.kind = pir::TypeKind::Bool; break;
    case EDICT_TYPE_INT: out.kind = pir::TypeKind::Int; break;
    case EDICT_TYPE_FLOAT: out.kind = pir::TypeKind::Float; break;
    case EDICT_TYPE_STRING: out.kind = pir::TypeKind::String; break;
    case EDICT_TYPE_DATE: out.kind = pir::TypeKind::Date; break;
    default: out.kind = pir::TypeKind::Enum; out.enum_id = t.enum_id; break;
  }
  return out;
}

auto Lines(const char* doc) -> std::vector<std::string> {
  std::vector<std::string> out;
  if (doc == nullptr || *doc == '\0') return out;
  std::string s = doc;
  size_t at = 0;
  for (size_t nl; (nl = s.find('\n', at)) != std::string::npos; at = nl + 1) out.push_back(s.substr(at, nl - at));
  out.push_back(s.substr(at));
  return out;
}

auto Validity(uint32_t flags, int32_t effective, int32_t until) -> pir::Validity {
  pir::Validity v;
  if (flags & EDICT_HAS_EFFECTIVE) v.effective = Date{effective};
  if (flags & EDICT_HAS_UNTIL) v.until = Date{until};
  return v;
}

auto Ints(const int32_t* p, uint32_t n) -> std::vector<int32_t> { return {p, p + n}; }

// The schema of a module, from its descriptor (see engine.h).
auto SchemaOf(const edict_module& d) -> pir::Module {
  pir::Module m;
  m.name = d.name;
  m.version = d.version ? d.version : "";
  m.source_path = d.source_path ? d.source_path : "";
  m.source_hash = d.source_hash;
  m.validity = Validity(d.flags, d.effective, d.expires);
  for (uint32_t e = 0; e < d.enum_count; ++e) {
    pir::Enum en;
    en.name = d.enums[e].name;
    for (uint32_t k = 0; k < d.enums[e].member_count; ++k) en.members.push_back(d.enums[e].members[k]);
    m.enums.push_back(std::move(en));
  }
  m.decision_enum = d.decision_enum;
  m.default_outcome = d.default_outcome;
  for (uint32_t f = 0; f < d.field_count; ++f) {
    const edict_field& df = d.fields[f];
    pir::InputField in;
    in.name = df.name;
    in.type = ToType(df.type);
    in.doc = Lines(df.doc);
    if (df.has_default) {
      // The default as a constant instruction, as BuildPir makes it.
      pir::Inst c;
      c.type = in.type;
      switch (in.type.kind) {
        case pir::TypeKind::Bool: c.op = pir::Op::ConstBool; c.imm = df.default_value.i; break;
        case pir::TypeKind::Int: c.op = pir::Op::ConstInt; c.imm = df.default_value.i; break;
        case pir::TypeKind::Date: c.op = pir::Op::ConstDate; c.imm = df.default_value.i; break;
        case pir::TypeKind::Enum: c.op = pir::Op::ConstEnum; c.imm = df.default_value.i; break;
        case pir::TypeKind::Float: c.op = pir::Op::ConstFloat; c.fimm = df.default_value.f; break;
        case pir::TypeKind::String:
          c.op = pir::Op::ConstString;
          c.imm = static_cast<int64_t>(m.strings.size());
          m.strings.emplace_back(df.default_value.s.ptr ? df.default_value.s.ptr : "",
                                 df.default_value.s.len);
          break;
      }
      in.default_value = static_cast<pir::ValueId>(m.insts.size());
      m.insts.push_back(std::move(c));
    }
    m.inputs.push_back(std::move(in));
  }
  for (uint32_t k = 0; k < d.let_count; ++k) {
    pir::Let l;
    l.name = d.lets[k].name;
    l.type = ToType(d.lets[k].type);
    l.is_output = d.lets[k].output >= 0;
    if (l.is_output) l.doc = Lines(d.outputs[d.lets[k].output].doc);
    m.lets.push_back(std::move(l));
  }
  for (uint32_t i = 0; i < d.rule_count; ++i) {
    const edict_rule& r = d.rules[i];
    pir::Rule rule;
    rule.name = r.name;
    rule.outcome = r.outcome;
    rule.validity = Validity(r.flags, r.effective, r.until);
    rule.defeated_by = Ints(r.defeated_by, r.defeated_by_count);
    rule.loc = {r.line, r.col};
    if (r.explanation.cite) rule.explanation.cite = r.explanation.cite;
    rule.doc = Lines(r.doc);
    m.rules.push_back(std::move(rule));
  }
  for (uint32_t i = 0; i < d.exemption_count; ++i) {
    const edict_exemption& e = d.exemptions[i];
    pir::Exemption ex;
    ex.name = e.name;
    ex.validity = Validity(e.flags, e.effective, e.until);
    ex.defeated_by = Ints(e.defeated_by, e.defeated_by_count);
    ex.target_rules = Ints(e.target_rules, e.target_rule_count);
    ex.target_exemptions = Ints(e.target_exemptions, e.target_exemption_count);
    ex.target_caps = Ints(e.target_caps, e.target_cap_count);
    ex.loc = {e.line, e.col};
    if (e.explanation.cite) ex.explanation.cite = e.explanation.cite;
    ex.doc = Lines(e.doc);
    m.exemptions.push_back(std::move(ex));
  }
  for (uint32_t i = 0; i < d.cap_count; ++i) {
    const edict_cap& c = d.caps[i];
    pir::Cap cap;
    cap.name = c.name;
    cap.window = static_cast<pir::Window>(c.window);
    cap.defeated_by = Ints(c.defeated_by, c.defeated_by_count);
    const edict_enum& decision = d.enums[d.decision_enum];
    for (uint32_t k = 0; k < decision.member_count; ++k) cap.record.push_back(c.record[k] != 0);
    cap.loc = {c.line, c.col};
    cap.doc = Lines(c.doc);
    // The keys as placeholder constants of the key types (engine.h): never evaluated.
    for (uint32_t k = 0; k < c.key_count; ++k) {
      pir::Inst key;
      key.type = ToType(c.key_types[k]);
      switch (key.type.kind) {
        case pir::TypeKind::Bool: key.op = pir::Op::ConstBool; break;
        case pir::TypeKind::Int: key.op = pir::Op::ConstInt; break;
        case pir::TypeKind::Float: key.op = pir::Op::ConstFloat; break;
        case pir::TypeKind::Date: key.op = pir::Op::ConstDate; break;
        case pir::TypeKind::Enum: key.op = pir::Op::ConstEnum; break;
        case pir::TypeKind::String:
          key.op = pir::Op::ConstString;
          key.imm = static_cast<int64_t>(m.strings.size());
          m.strings.emplace_back();
          break;
      }
      cap.keys.push_back(static_cast<pir::ValueId>(m.insts.size()));
      m.insts.push_back(std::move(key));
    }
    m.caps.push_back(std::move(cap));
  }
  return m;
}

void AppendString(std::string& out, std::string_view s) {
  out += '"';
  out += JsonEscape(s);
  out += '"';
}

class SharedLibraryEngine final : public ModuleEngine {
 public:
  SharedLibraryEngine(edict_library* lib) : lib_(lib), d_(*edict_library_module(lib)), schema_(SchemaOf(d_)) {}
  ~SharedLibraryEngine() override { edict_library_close(lib_); }

  auto name() const -> std::string_view override { return "so"; }
  auto schema() const -> const pir::Module& override { return schema_; }

  auto Evaluate(const pir::Request& req) -> pir::Result override {
    pir::Result out;
    EvaluateInto(req, out);
    return out;
  }

  // Reuses `out`'s storage (and the thread's input and result structs): no allocation per
  // request once `out` has held a result.
  void EvaluateInto(const pir::Request& req, pir::Result& out) override {
    // Per-thread structs: several threads may evaluate at once (engine.h).
    thread_local std::vector<uint64_t> input_, result_;
    input_.assign(d_.input_size / 8 + 1, 0);
    result_.assign(d_.result_size / 8 + 1, 0);
    auto* base = reinterpret_cast<char*>(input_.data());
    abi::EncodeInput(d_, req, base);
    auto* r = reinterpret_cast<edict_result*>(result_.data());
    d_.eval(base, req.usage.empty() ? nullptr : req.usage.data(), req.today.days, r);
    abi::DecodeResult(d_, r, out);
  }

  // Through the module's cap_slots entry point, with the same marshalling as eval.
  auto CapSlots(const pir::Request& req) -> std::vector<pir::CapSlot> override {
    return abi::CapSlots(d_, req);
  }

  void AppendExplain(const pir::Result& r, const pir::Request& req, std::string& out) const override {
    auto in_force = [&](uint32_t flags, int32_t effective, int32_t until) {
      return (!(flags & EDICT_HAS_EFFECTIVE) || effective <= req.today.days) &&
             (!(flags & EDICT_HAS_UNTIL) || req.today.days < until);
    };
    // status, and "defeaters_applied" for one that did not apply while a defeater did.
    auto status = [&](bool applied, bool force, const int32_t* defeated_by, uint32_t n) {
      out += "\"status\": ";
      if (applied) {
        out += "\"applied\"";
        return;
      }
      out += force ? "\"not applied\"" : "\"not in force\"";
      if (!force) return;
      std::string list;
      for (uint32_t k = 0; k < n; ++k) {
        if (!r.exemptions_applied[static_cast<size_t>(defeated_by[k])]) continue;
        if (!list.empty()) list += ", ";
        list += "\"" + std::string(d_.exemptions[defeated_by[k]].name) + "\"";
      }
      if (!list.empty()) out += ", \"defeaters_applied\": [" + list + "]";
    };
    auto explanation = [&](const edict_explanation& e, bool applied) {
      if (applied && e.because != nullptr) {
        std::string text;
        for (uint32_t k = 0; k < e.piece_count; ++k) {
          const edict_piece& p = e.pieces[k];
          switch (p.kind) {
            case EDICT_PIECE_TEXT: text += p.text; break;
            case EDICT_PIECE_FIELD:
              text += interp::FormatValue(schema_, schema_.inputs[p.index].type, req.fields[p.index]);
              break;
            case EDICT_PIECE_OUTPUT:
              text += interp::FormatValue(schema_, ToType(d_.outputs[p.index].type), r.outputs[p.index]);
              break;
            case EDICT_PIECE_TODAY: text += FormatDate(req.today); break;
            default: text += std::string("{") + p.text + "}"; break;
          }
        }
        out += ", \"because\": ";
        AppendString(out, text);
      }
      if (e.cite != nullptr) {
        out += ", \"cite\": ";
        AppendString(out, e.cite);
      }
    };
    const edict_enum& outcomes = d_.enums[d_.decision_enum];
    out += ", \"explain\": {\"rules\": [";
    for (uint32_t i = 0; i < d_.rule_count; ++i) {
      const edict_rule& rule = d_.rules[i];
      if (i) out += ", ";
      out += "{\"name\": ";
      AppendString(out, rule.name);
      out += ", \"outcome\": ";
      AppendString(out, outcomes.members[rule.outcome]);
      out += ", ";
      status(r.rules_applied[i], in_force(rule.flags, rule.effective, rule.until), rule.defeated_by,
             rule.defeated_by_count);
      if (r.deciding[i]) out += ", \"deciding\": true";
      explanation(rule.explanation, r.rules_applied[i]);
      out += "}";
    }
    out += "], \"exemptions\": [";
    for (uint32_t i = 0; i < d_.exemption_count; ++i) {
      const edict_exemption& e = d_.exemptions[i];
      if (i) out += ", ";
      out += "{\"name\": ";
      AppendString(out, e.name);
      out += ", ";
      status(r.exemptions_applied[i], in_force(e.flags, e.effective, e.until), e.defeated_by,
             e.defeated_by_count);
      out += ", \"defeats\": [";
      bool first = true;
      auto target = [&](const char* name) {
        if (!first) out += ", ";
        first = false;
        AppendString(out, name);
      };
      for (uint32_t k = 0; k < e.target_rule_count; ++k) target(d_.rules[e.target_rules[k]].name);
      for (uint32_t k = 0; k < e.target_exemption_count; ++k) target(d_.exemptions[e.target_exemptions[k]].name);
      for (uint32_t k = 0; k < e.target_cap_count; ++k) target(d_.caps[e.target_caps[k]].name);
      out += "]";
      explanation(e.explanation, r.exemptions_applied[i]);
      out += "}";
    }
    out += "], \"caps\": [";
    for (uint32_t i = 0; i < d_.cap_count; ++i) {
      const edict_cap& c = d_.caps[i];
      if (i) out += ", ";
      out += "{\"name\": ";
      AppendString(out, c.name);
      out += ", ";
      status(r.caps_applied[i], true, c.defeated_by, c.defeated_by_count);
      out += ", \"usage\": " + std::to_string(req.usage.empty() ? 0 : req.usage[i]);
      out += ", \"window\": ";
      AppendString(out, pir::Spelling(static_cast<pir::Window>(c.window)));
      out += "}";
    }
    out += "]}";
  }

 private:
  edict_library* lib_;
  const edict_module& d_;
  pir::Module schema_;
};

}  // namespace

auto IsModulePath(std::string_view policy) -> bool {
  return policy.size() > 3 && policy.substr(policy.size() - 3) == ".so";
}

auto LoadModuleEngine(const std::string& path, std::string& error) -> std::unique_ptr<ModuleEngine> {
  edict_library* lib = nullptr;
  edict_error err;
  if (edict_library_open(path.c_str(), &lib, &err) != EDICT_STATUS_OK) {
    error = err.message;
    return nullptr;
  }
  return std::make_unique<SharedLibraryEngine>(lib);
}

}  // namespace edict::driver
