#include <sstream>

#include "pir/build_pir.h"

namespace edict::pir {
namespace {

const char* OpName(Op op) {
  switch (op) {
#define EDICT_OP(x) \
  case Op::x: return #x;
    EDICT_OP(ConstBool) EDICT_OP(ConstInt) EDICT_OP(ConstFloat) EDICT_OP(ConstString)
    EDICT_OP(ConstDate) EDICT_OP(ConstEnum) EDICT_OP(Input) EDICT_OP(Today) EDICT_OP(Let)
    EDICT_OP(RuleApplies) EDICT_OP(ExemptApplies) EDICT_OP(CapApplies) EDICT_OP(CapUsage)
    EDICT_OP(CapLimit) EDICT_OP(CapRemaining) EDICT_OP(CapExceeds) EDICT_OP(Outcome)
    EDICT_OP(And) EDICT_OP(Or) EDICT_OP(Select) EDICT_OP(Switch) EDICT_OP(Not) EDICT_OP(AddInt)
    EDICT_OP(SubInt) EDICT_OP(MulInt) EDICT_OP(RemInt) EDICT_OP(NegInt) EDICT_OP(AbsInt)
    EDICT_OP(AddFloat) EDICT_OP(SubFloat) EDICT_OP(MulFloat) EDICT_OP(DivFloat)
    EDICT_OP(NegFloat) EDICT_OP(AbsFloat) EDICT_OP(IntToFloat) EDICT_OP(FloorToInt)
    EDICT_OP(CeilToInt) EDICT_OP(RoundToInt) EDICT_OP(Min) EDICT_OP(Max) EDICT_OP(Year)
    EDICT_OP(Month) EDICT_OP(Day) EDICT_OP(DaysBetween) EDICT_OP(Compare) EDICT_OP(InSet)
    EDICT_OP(Classify)
#undef EDICT_OP
  }
  return "?";
}

const char* CmpName(Cmp c) {
  static constexpr const char* kNames[] = {"eq", "ne", "lt", "le", "gt", "ge"};
  return kNames[static_cast<int>(c)];
}

std::string TypeName(const Module& m, Type t) {
  switch (t.kind) {
    case TypeKind::Bool: return "bool";
    case TypeKind::Int: return "int";
    case TypeKind::Float: return "float";
    case TypeKind::String: return "string";
    case TypeKind::Date: return "date";
    case TypeKind::Enum:
      return t.enum_id >= 0 && static_cast<size_t>(t.enum_id) < m.enums.size()
                 ? m.enums[t.enum_id].name
                 : "enum?";
  }
  return "?";
}

}  // namespace

auto Print(const Module& m) -> std::string {
  std::ostringstream out;
  out << "policy " << m.name << " version \"" << m.version << "\"";
  if (m.validity.effective) out << " effective " << FormatDate(*m.validity.effective);
  if (m.validity.until) out << " expires " << FormatDate(*m.validity.until);
  out << "\n";
  for (size_t i = 0; i < m.enums.size(); ++i) {
    out << "enum #" << i << " " << m.enums[i].name << " {";
    for (size_t k = 0; k < m.enums[i].members.size(); ++k) {
      out << (k ? ", " : " ") << m.enums[i].members[k];
    }
    out << " }" << (static_cast<int32_t>(i) == m.decision_enum ? " (decision)" : "") << "\n";
  }
  out << "default " << m.enums[m.decision_enum].members[m.default_outcome] << "\n";
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    out << "input #" << i << " " << m.inputs[i].name << ": " << TypeName(m, m.inputs[i].type);
    if (m.inputs[i].default_value) out << " = %" << *m.inputs[i].default_value;
    out << "\n";
  }
  for (size_t i = 0; i < m.insts.size(); ++i) {
    const Inst& in = m.insts[i];
    out << "%" << i << " = " << OpName(in.op);
    if (in.op == Op::Compare) out << "." << CmpName(in.cmp);
    out << " : " << TypeName(m, in.type);
    switch (in.op) {
      case Op::ConstFloat: out << " " << in.fimm; break;
      case Op::ConstString: out << " \"" << m.strings[in.imm] << "\""; break;
      case Op::ConstDate: out << " " << FormatDate(Date{static_cast<int32_t>(in.imm)}); break;
      case Op::ConstEnum: out << " " << m.enums[in.type.enum_id].members[in.imm]; break;
      case Op::Input: out << " " << m.inputs[in.imm].name; break;
      case Op::Let: out << " " << m.lets[in.imm].name; break;
      case Op::RuleApplies: out << " " << m.rules[in.imm].name; break;
      case Op::ExemptApplies: out << " " << m.exemptions[in.imm].name; break;
      case Op::CapApplies:
      case Op::CapUsage:
      case Op::CapLimit:
      case Op::CapRemaining:
      case Op::CapExceeds: out << " " << m.caps[in.imm].name; break;
      case Op::Classify: out << " " << m.tiers[in.imm].name; break;
      case Op::InSet:
      case Op::Switch: out << " #" << in.imm; break;
      case Op::ConstBool:
      case Op::ConstInt: out << " " << in.imm; break;
      default: break;
    }
    for (ValueId a : in.args) out << " %" << a;
    if (in.loc.line) out << "  @" << in.loc.line << ":" << in.loc.col;
    out << "\n";
  }
  for (const Let& l : m.lets) {
    out << (l.is_output ? "output " : "let ") << l.name << ": " << TypeName(m, l.type) << " = %"
        << l.value << "\n";
  }
  for (const Rule& r : m.rules) {
    out << "rule " << r.name << ": %" << r.cond << " => "
        << m.enums[m.decision_enum].members[r.outcome];
    for (int32_t e : r.defeated_by) out << " defeated-by " << m.exemptions[e].name;
    out << "\n";
  }
  for (int32_t id : m.exemption_order) {
    const Exemption& e = m.exemptions[id];
    out << "exempt " << e.name << " when %" << e.cond << " from";
    for (int32_t t : e.target_rules) out << " rule:" << m.rules[t].name;
    for (int32_t t : e.target_exemptions) out << " exempt:" << m.exemptions[t].name;
    for (int32_t t : e.target_caps) out << " cap:" << m.caps[t].name;
    out << "\n";
  }
  for (const Cap& c : m.caps) {
    out << "cap " << c.name << " limit %" << c.limit << " amount %" << c.amount << " applies %"
        << c.applies << " window " << Spelling(c.window) << " keys";
    for (ValueId k : c.keys) out << " %" << k;
    out << " record";
    for (size_t o = 0; o < c.record.size(); ++o) {
      if (c.record[o]) out << " " << m.enums[m.decision_enum].members[o];
    }
    out << "\n";
  }
  for (const Tiers& t : m.tiers) {
    out << "tiers " << t.name << " of " << TypeName(m, t.of) << ": " << t.table.size()
        << " table entries, " << t.intervals.size() << " intervals, " << t.string_members.size()
        << " strings, otherwise " << t.otherwise_tier << "\n";
  }
  for (const Property& p : m.properties) out << "property " << p.name << ": %" << p.value << "\n";
  for (const Test& t : m.tests) out << "test \"" << t.name << "\": " << t.steps.size() << " steps\n";
  return out.str();
}

auto Verify(const Module& m) -> std::string {
  auto bad = [](size_t i, const std::string& what) {
    return "%" + std::to_string(i) + ": " + what;
  };
  auto in_range = [](int64_t v, size_t n) { return v >= 0 && static_cast<size_t>(v) < n; };
  for (size_t i = 0; i < m.insts.size(); ++i) {
    const Inst& in = m.insts[i];
    for (ValueId a : in.args) {
      if (a < 0 || static_cast<size_t>(a) >= i) return bad(i, "operand defined later or missing");
    }
    if (in.type.kind == TypeKind::Enum && !in_range(in.type.enum_id, m.enums.size())) {
      return bad(i, "unknown enum");
    }
    switch (in.op) {
      case Op::Input: if (!in_range(in.imm, m.inputs.size())) return bad(i, "bad field"); break;
      case Op::Let: if (!in_range(in.imm, m.lets.size())) return bad(i, "bad let"); break;
      case Op::RuleApplies: if (!in_range(in.imm, m.rules.size())) return bad(i, "bad rule"); break;
      case Op::ExemptApplies:
        if (!in_range(in.imm, m.exemptions.size())) return bad(i, "bad exemption");
        break;
      case Op::CapApplies:
      case Op::CapUsage:
      case Op::CapLimit:
      case Op::CapRemaining:
      case Op::CapExceeds: if (!in_range(in.imm, m.caps.size())) return bad(i, "bad cap"); break;
      case Op::InSet: if (!in_range(in.imm, m.sets.size())) return bad(i, "bad set"); break;
      case Op::Classify: if (!in_range(in.imm, m.tiers.size())) return bad(i, "bad tiers"); break;
      case Op::Switch: {
        if (!in_range(in.imm, m.switches.size())) return bad(i, "bad switch");
        for (int32_t arm : m.switches[in.imm].arm_of_member) {
          if (!in_range(arm, in.args.size() - 1)) return bad(i, "switch misses a member");
        }
        break;
      }
      case Op::And:
      case Op::Or:
        if (in.args.size() != 2) return bad(i, "and/or needs two operands");
        for (ValueId a : in.args) {
          if (m.insts[a].type.kind != TypeKind::Bool) return bad(i, "and/or of a non-bool");
        }
        break;
      case Op::AddInt:
      case Op::SubInt:
      case Op::MulInt:
      case Op::RemInt:
        for (ValueId a : in.args) {
          if (m.insts[a].type.kind != TypeKind::Int) return bad(i, "int operation on a non-int");
        }
        break;
      case Op::AddFloat:
      case Op::SubFloat:
      case Op::MulFloat:
      case Op::DivFloat:
        for (ValueId a : in.args) {
          if (m.insts[a].type.kind != TypeKind::Float) return bad(i, "float operation on a non-float");
        }
        break;
      default: break;
    }
  }
  auto value_ok = [&](ValueId v) { return v >= 0 && static_cast<size_t>(v) < m.insts.size(); };
  for (const Let& l : m.lets) {
    if (!value_ok(l.value)) return "let " + l.name + " has no value";
  }
  for (const Rule& r : m.rules) {
    if (!value_ok(r.cond)) return "rule " + r.name + " has no condition";
  }
  for (const Exemption& e : m.exemptions) {
    if (!value_ok(e.cond)) return "exemption " + e.name + " has no condition";
  }
  for (const Cap& c : m.caps) {
    if (!value_ok(c.limit) || !value_ok(c.amount) || !value_ok(c.applies)) {
      return "cap " + c.name + " is incomplete";
    }
  }
  if (m.exemption_order.size() != m.exemptions.size()) return "exemption order is incomplete";
  return "";
}

}  // namespace edict::pir
