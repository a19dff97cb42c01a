// The module descriptor (edict_module, runtime/include/edict.h) as constant globals, and the
// exported `edict_module_v1` returning it. The LLVM struct types below mirror the C structs
// field for field; with the target's data layout (natural alignment) their layouts agree, and
// `struct_size` is computed by LLVM from that same layout.
#include <charconv>

#include "codegen/codegen_internal.h"
#include "llvm/IR/Constants.h"

namespace edict::codegen::detail {
namespace {

auto JoinDoc(const std::vector<std::string>& lines) -> std::string {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

auto TypeKindCode(pir::TypeKind k) -> int32_t {
  switch (k) {
    case pir::TypeKind::Bool: return 0;
    case pir::TypeKind::Int: return 1;
    case pir::TypeKind::Float: return 2;
    case pir::TypeKind::String: return 3;
    case pir::TypeKind::Date: return 4;
    case pir::TypeKind::Enum: return 5;
  }
  return 0;
}

}  // namespace

void Codegen::EmitDescriptor() {
  llvm::Type* ptr = Ptr();
  llvm::Type* i32 = I32();
  llvm::Type* i64 = I64();
  auto* str_ty = llvm::StructType::get(ctx_, {ptr, i64});
  auto* type_ty = llvm::StructType::get(ctx_, {i32, i32});
  auto* value_ty = llvm::StructType::get(ctx_, {i64, F64(), str_ty});
  auto* enum_ty = llvm::StructType::get(ctx_, {ptr, i32, ptr});
  auto* field_ty = llvm::StructType::get(ctx_, {ptr, type_ty, i32, i32, value_ty, ptr});
  auto* let_ty = llvm::StructType::get(ctx_, {ptr, type_ty, i32});
  auto* output_ty = llvm::StructType::get(ctx_, {ptr, type_ty, i32, i32, ptr});
  auto* piece_ty = llvm::StructType::get(ctx_, {i32, i32, ptr});
  auto* expl_ty = llvm::StructType::get(ctx_, {ptr, i32, ptr, ptr});
  auto* rule_ty =
      llvm::StructType::get(ctx_, {ptr, i32, i32, i32, i32, i32, i32, i32, ptr, expl_ty, ptr});
  auto* exempt_ty = llvm::StructType::get(
      ctx_, {ptr, i32, i32, i32, i32, i32, i32, ptr, i32, i32, i32, ptr, ptr, ptr, expl_ty, ptr});
  auto* cap_ty = llvm::StructType::get(ctx_, {ptr, i32, i32, i32, i32, ptr, ptr, i32, i32, ptr, ptr});
  std::vector<llvm::Type*> module_fields = {i32, i32, ptr, ptr, ptr, i64, i32, i32, i32,  // meta
                                            i32, ptr, i32, i32, i32, ptr, i32, ptr,       // schema
                                            i32, ptr, i32, ptr, i32, ptr, i32, ptr, i32,  // tables
                                            i32, i32, i32, i32, i32, i32, i32,            // layout
                                            ptr, ptr, ptr};                               // fns
  auto* module_ty = llvm::StructType::create(ctx_, module_fields, "edict_module");

  llvm::Constant* null = llvm::ConstantPointerNull::get(Ptr());
  auto u32 = [&](uint64_t v) -> llvm::Constant* { return CI32(static_cast<int64_t>(v)); };
  auto str = [&](const std::string& s) -> llvm::Constant* { return CString(s); };
  // A private constant array; null when empty.
  auto array = [&](llvm::Type* elem, const std::vector<llvm::Constant*>& elems,
                   const std::string& name) -> llvm::Constant* {
    if (elems.empty()) return null;
    auto* ty = llvm::ArrayType::get(elem, elems.size());
    auto* gv = new llvm::GlobalVariable(*mod_, ty, true, llvm::GlobalValue::PrivateLinkage,
                                        llvm::ConstantArray::get(ty, elems), prefix_ + "." + name);
    return gv;
  };
  auto ints = [&](const std::vector<int32_t>& v, const std::string& name) {
    std::vector<llvm::Constant*> elems;
    for (int32_t x : v) elems.push_back(CI32(x));
    return array(i32, elems, name);
  };
  auto type_c = [&](pir::Type t) {
    return llvm::ConstantStruct::get(
        type_ty, {CI32(TypeKindCode(t.kind)), CI32(t.kind == pir::TypeKind::Enum ? t.enum_id : -1)});
  };
  auto flags = [&](const pir::Validity& v) {
    return static_cast<uint64_t>((v.effective ? 1u : 0u) | (v.until ? 2u : 0u));
  };
  auto days = [&](const std::optional<Date>& d) { return CI32(d ? d->days : 0); };

  // The text of a constant as `because` shows it.
  auto format_const = [&](const pir::Inst& in) -> std::string {
    switch (in.op) {
      case pir::Op::ConstBool: return in.imm ? "true" : "false";
      case pir::Op::ConstInt: return std::to_string(in.imm);
      case pir::Op::ConstFloat: {
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof buf, in.fimm);
        return std::string(buf, r.ptr);
      }
      case pir::Op::ConstString: return m_.strings[in.imm];
      case pir::Op::ConstDate: return FormatDate(Date{static_cast<int32_t>(in.imm)});
      case pir::Op::ConstEnum: return m_.enums[in.type.enum_id].members[in.imm];
      default: return "?";
    }
  };
  auto explanation = [&](const pir::Explanation& e, const std::string& name) -> llvm::Constant* {
    std::vector<llvm::Constant*> pieces;
    std::string raw;
    for (const pir::Explanation::Piece& p : e.because) {
      int32_t kind = 0, index = -1;
      std::string text = p.text;
      if (p.value == pir::kNoValue) {
        raw += p.text;
      } else {
        const pir::Inst& in = m_.insts[p.value];
        switch (in.op) {
          case pir::Op::Input:
            kind = 1;
            index = static_cast<int32_t>(in.imm);
            text = m_.inputs[in.imm].name;
            break;
          case pir::Op::Let:
            index = layout_.output_of_let[in.imm];
            kind = index >= 0 ? 2 : 3;
            if (index < 0) index = static_cast<int32_t>(in.imm);
            text = m_.lets[in.imm].name;
            break;
          case pir::Op::Today:
            kind = 4;
            text = "today";
            break;
          default: text = format_const(in); break;
        }
        raw += kind == 0 ? text : "{" + text + "}";
      }
      pieces.push_back(llvm::ConstantStruct::get(piece_ty, {CI32(kind), CI32(index), str(text)}));
    }
    bool has_because = !e.because.empty() && !(e.because.size() == 1 && e.because[0].value == pir::kNoValue &&
                                                e.because[0].text.empty());
    if (!has_because) pieces.clear();
    return llvm::ConstantStruct::get(
        expl_ty, {has_because ? str(raw) : null, u32(pieces.size()),
                  array(piece_ty, pieces, name + ".because"), e.cite ? str(*e.cite) : null});
  };

  // Enums.
  std::vector<llvm::Constant*> enums;
  for (size_t i = 0; i < m_.enums.size(); ++i) {
    std::vector<llvm::Constant*> members;
    for (const std::string& s : m_.enums[i].members) members.push_back(str(s));
    enums.push_back(llvm::ConstantStruct::get(
        enum_ty, {str(m_.enums[i].name), u32(members.size()),
                  array(ptr, members, "enum." + m_.enums[i].name)}));
  }
  // Fields.
  std::vector<llvm::Constant*> fields;
  for (size_t f = 0; f < m_.inputs.size(); ++f) {
    const pir::InputField& in = m_.inputs[f];
    llvm::Constant* def_i = CI64(0);
    llvm::Constant* def_f = llvm::ConstantFP::get(F64(), 0.0);
    llvm::Constant* def_s = llvm::ConstantStruct::get(str_ty, {null, CI64(0)});
    if (in.default_value) {
      const pir::Inst& d = m_.insts[*in.default_value];
      if (d.op == pir::Op::ConstFloat) {
        def_f = llvm::ConstantFP::get(F64(), d.fimm);
      } else if (d.op == pir::Op::ConstString) {
        const std::string& s = m_.strings[d.imm];
        def_s = llvm::ConstantStruct::get(str_ty, {str(s), CI64(static_cast<int64_t>(s.size()))});
      } else {
        def_i = CI64(d.imm);
      }
    }
    fields.push_back(llvm::ConstantStruct::get(
        field_ty, {str(in.name), type_c(in.type), u32(layout_.input_offsets[f]),
                   u32(in.default_value ? 1 : 0), llvm::ConstantStruct::get(value_ty, {def_i, def_f, def_s}),
                   str(JoinDoc(in.doc))}));
  }
  // Lets and outputs.
  std::vector<llvm::Constant*> lets, outputs;
  for (size_t k = 0; k < m_.lets.size(); ++k) {
    lets.push_back(llvm::ConstantStruct::get(
        let_ty, {str(m_.lets[k].name), type_c(m_.lets[k].type), CI32(layout_.output_of_let[k])}));
  }
  for (size_t o = 0; o < layout_.outputs.size(); ++o) {
    const pir::Let& l = m_.lets[layout_.outputs[o]];
    outputs.push_back(llvm::ConstantStruct::get(
        output_ty, {str(l.name), type_c(l.type), u32(layout_.output_offsets[o]),
                    u32(layout_.outputs[o]), str(JoinDoc(l.doc))}));
  }
  // Rules, exemptions, caps.
  std::vector<llvm::Constant*> rules, exemptions, caps;
  for (const pir::Rule& r : m_.rules) {
    rules.push_back(llvm::ConstantStruct::get(
        rule_ty, {str(r.name), CI32(r.outcome), u32(flags(r.validity)), days(r.validity.effective),
                  days(r.validity.until), u32(r.loc.line), u32(r.loc.col), u32(r.defeated_by.size()),
                  ints(r.defeated_by, "rule." + r.name + ".defeated_by"),
                  explanation(r.explanation, "rule." + r.name), str(JoinDoc(r.doc))}));
  }
  for (const pir::Exemption& e : m_.exemptions) {
    std::string n = "exemption." + e.name;
    exemptions.push_back(llvm::ConstantStruct::get(
        exempt_ty,
        {str(e.name), u32(flags(e.validity)), days(e.validity.effective), days(e.validity.until),
         u32(e.loc.line), u32(e.loc.col), u32(e.defeated_by.size()), ints(e.defeated_by, n + ".defeated_by"),
         u32(e.target_rules.size()), u32(e.target_exemptions.size()), u32(e.target_caps.size()),
         ints(e.target_rules, n + ".rules"), ints(e.target_exemptions, n + ".exemptions"),
         ints(e.target_caps, n + ".caps"), explanation(e.explanation, n), str(JoinDoc(e.doc))}));
  }
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    const pir::Cap& cap = m_.caps[c];
    std::string n = "cap." + cap.name;
    std::vector<llvm::Constant*> record, key_types;
    for (bool r : cap.record) record.push_back(b_.getInt8(r ? 1 : 0));
    for (pir::ValueId k : cap.keys) key_types.push_back(type_c(m_.insts[k].type));
    caps.push_back(llvm::ConstantStruct::get(
        cap_ty, {str(cap.name), CI32(static_cast<int32_t>(cap.window)), u32(cap.loc.line),
                 u32(cap.loc.col), u32(cap.defeated_by.size()), ints(cap.defeated_by, n + ".defeated_by"),
                 array(I8(), record, n + ".record"), u32(cap.keys.size()),
                 u32(layout_.cap_first_key[c]), array(type_ty, key_types, n + ".key_types"),
                 str(JoinDoc(cap.doc))}));
  }

  llvm::Constant* size = llvm::ConstantExpr::getTrunc(llvm::ConstantExpr::getSizeOf(module_ty), i32);
  std::vector<llvm::Constant*> values = {
      u32(1), size, str(m_.name), str(m_.version), str(m_.source_path),
      CI64(static_cast<int64_t>(m_.source_hash)), u32(flags(m_.validity)),
      days(m_.validity.effective), days(m_.validity.until),
      u32(enums.size()), array(enum_ty, enums, "enums"), CI32(m_.decision_enum),
      CI32(m_.default_outcome), u32(fields.size()), array(field_ty, fields, "fields"),
      u32(lets.size()), array(let_ty, lets, "lets"),
      u32(rules.size()), array(rule_ty, rules, "rules"), u32(exemptions.size()),
      array(exempt_ty, exemptions, "exemptions"), u32(caps.size()), array(cap_ty, caps, "caps"),
      u32(outputs.size()), array(output_ty, outputs, "outputs"), u32(layout_.key_count),
      u32(layout_.input_size), u32(layout_.result_size), u32(layout_.rules_applied_offset),
      u32(layout_.deciding_offset), u32(layout_.exemptions_applied_offset),
      u32(layout_.caps_applied_offset), u32(layout_.record_offset),
      eval_, eval_batch_, cap_slots_};
  auto* desc = new llvm::GlobalVariable(*mod_, module_ty, true, llvm::GlobalValue::InternalLinkage,
                                        llvm::ConstantStruct::get(module_ty, values),
                                        prefix_ + ".module");
  desc->setAlignment(llvm::Align(8));

  auto* entry = llvm::Function::Create(llvm::FunctionType::get(ptr, {}, false),
                                       llvm::GlobalValue::ExternalLinkage, kModuleEntrySymbol, *mod_);
  entry->setDoesNotThrow();
  entry->setDoesNotAccessMemory();
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", entry));
  b_.CreateRet(desc);
}

}  // namespace edict::codegen::detail
