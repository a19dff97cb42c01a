// The ledger adapter of ledger_evaluation.h.
#include "driver/ledger_evaluation.h"

#include <simdjson.h>

#include <cstdio>

#include "base/date.h"
#include "driver/render.h"

namespace edict::driver {
namespace {

auto TypeName(const pir::Module& m, pir::Type t) -> std::string {
  switch (t.kind) {
    case pir::TypeKind::Bool: return "bool";
    case pir::TypeKind::Int: return "int";
    case pir::TypeKind::Float: return "float";
    case pir::TypeKind::String: return "string";
    case pir::TypeKind::Date: return "date";
    case pir::TypeKind::Enum:
      return t.enum_id >= 0 && static_cast<size_t>(t.enum_id) < m.enums.size()
                 ? m.enums[static_cast<size_t>(t.enum_id)].name
                 : "enum";
  }
  return "?";
}

auto KeyType(const pir::Module& m, size_t c, size_t k) -> pir::Type {
  return m.insts[m.caps[c].keys[k]].type;
}

// Appends a value as JSON: the form of request fields (enum members by name, dates ISO).
void AppendValue(const pir::Module& m, pir::Type t, const pir::RtValue& v, std::string& out) {
  switch (t.kind) {
    case pir::TypeKind::Bool: out += v.i != 0 ? "true" : "false"; break;
    case pir::TypeKind::Int: out += std::to_string(v.i); break;
    case pir::TypeKind::Float: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.f);
      out += buf;
      break;
    }
    case pir::TypeKind::String:
      out += '"';
      out += JsonEscape(v.s);
      out += '"';
      break;
    case pir::TypeKind::Date:
      out += '"';
      out += FormatDate(Date{static_cast<int32_t>(v.i)});
      out += '"';
      break;
    case pir::TypeKind::Enum: {
      const auto& members = m.enums[static_cast<size_t>(t.enum_id)].members;
      out += '"';
      out += v.i >= 0 && static_cast<size_t>(v.i) < members.size()
                 ? JsonEscape(members[static_cast<size_t>(v.i)])
                 : std::to_string(v.i);
      out += '"';
      break;
    }
  }
}

// Two independent 64-bit FNV-1a hashes over the same bytes.
struct Digest {
  uint64_t a = 0xcbf29ce484222325ULL;
  uint64_t b = 0x6c62272e07bb0142ULL;

  void Bytes(const void* p, size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      a = (a ^ c[i]) * 0x100000001b3ULL;
      b = (b ^ c[i]) * 0x100000001b3ULL;
      b ^= b >> 29;
    }
  }
  void Int(int64_t v) { Bytes(&v, sizeof v); }
  void Text(std::string_view s) {  // length-prefixed: "ab","c" differs from "a","bc"
    Int(static_cast<int64_t>(s.size()));
    Bytes(s.data(), s.size());
  }
};

}  // namespace

auto LedgerCapName(const pir::Module& m, size_t c) -> std::string {
  return m.name + "." + m.caps[c].name;
}

auto LedgerPolicyInfo(const pir::Module& m) -> ledger::PolicyInfo {
  ledger::PolicyInfo info;
  info.policy = m.name;
  info.version = m.version;
  for (size_t c = 0; c < m.caps.size(); ++c) {
    ledger::CapInfo cap;
    cap.cap = LedgerCapName(m, c);
    for (size_t k = 0; k < m.caps[c].keys.size(); ++k) {
      if (k) cap.key_shape += ",";
      cap.key_shape += TypeName(m, KeyType(m, c, k));
    }
    cap.window = pir::Spelling(m.caps[c].window);
    info.caps.push_back(std::move(cap));
  }
  return info;
}

auto LedgerKeyText(const pir::Module& m, size_t c, const std::vector<pir::RtValue>& key)
    -> std::string {
  std::string out = "[";
  for (size_t k = 0; k < key.size() && k < m.caps[c].keys.size(); ++k) {
    if (k) out += ", ";
    AppendValue(m, KeyType(m, c, k), key[k], out);
  }
  out += "]";
  return out;
}

auto LedgerRequestDigest(const pir::Module& m, const pir::Request& req) -> std::string {
  // The content in a canonical binary form: `today`, then per field (in schema order) its
  // name and value; enum members by name, so that reordering an enum keeps digests.
  Digest d;
  d.Int(req.today.days);
  for (size_t f = 0; f < m.inputs.size() && f < req.fields.size(); ++f) {
    const pir::RtValue& v = req.fields[f];
    d.Text(m.inputs[f].name);
    switch (m.inputs[f].type.kind) {
      case pir::TypeKind::Float: {
        double x = v.f == 0.0 ? 0.0 : v.f;  // -0.0 and 0.0 are the same request
        d.Bytes(&x, sizeof x);
        break;
      }
      case pir::TypeKind::String: d.Text(v.s); break;
      case pir::TypeKind::Enum: {
        const auto& members = m.enums[static_cast<size_t>(m.inputs[f].type.enum_id)].members;
        if (v.i >= 0 && static_cast<size_t>(v.i) < members.size()) {
          d.Text(members[static_cast<size_t>(v.i)]);
        } else {
          d.Int(v.i);
        }
        break;
      }
      default: d.Int(v.i); break;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int k = 0; k < 16; ++k) {
    out[static_cast<size_t>(15 - k)] = kHex[(d.a >> (4 * k)) & 15];
    out[static_cast<size_t>(31 - k)] = kHex[(d.b >> (4 * k)) & 15];
  }
  return out;
}

struct UsageKeyProbe::Impl {
  simdjson::dom::parser parser;
};

UsageKeyProbe::UsageKeyProbe() : impl_(std::make_unique<Impl>()) {}
UsageKeyProbe::~UsageKeyProbe() = default;

auto UsageKeyProbe::HasUsage(const char* data, size_t len) -> bool {
  simdjson::dom::element root;
  if (impl_->parser.parse(data, len, false).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (simdjson::dom::key_value_pair kv : obj) {
    if (kv.key == "usage") return true;
  }
  return false;
}

auto LedgerUsageGivenMessage() -> std::string {
  return "a request decided through a ledger cannot give `usage`: the ledger supplies each "
         "cap's usage";
}

LedgerEvaluation::LedgerEvaluation(const pir::Module& m, Engine& engine, ResultWriter writer)
    : m_(m), engine_(engine), writer_(std::move(writer)) {
  for (size_t c = 0; c < m.caps.size(); ++c) cap_names_.push_back(LedgerCapName(m, c));
}

void LedgerEvaluation::Reset(pir::Request& req) {
  req_ = &req;
  slots_.clear();  // named_ stays: it is checked against each slot before use
}

auto LedgerEvaluation::SlotOf(size_t c) -> const ledger::Slot& {
  // The ledger names of the slots, rebuilt only when a cap's key or window changed.
  if (named_.size() != slots_.size()) {
    named_.assign(slots_.size(), Named{});
  }
  Named& n = named_[c];
  if (!n.valid || n.key != slots_[c].key || n.window_start != slots_[c].window_start) {
    n.slot = ledger::Slot{cap_names_[c], LedgerKeyText(m_, c, slots_[c].key),
                          FormatDate(slots_[c].window_start)};
    n.key = slots_[c].key;
    n.window_start = slots_[c].window_start;
    n.valid = true;
  }
  return n.slot;
}

void LedgerEvaluation::Resolve(const ledger::UsageFn& usage) {
  pir::Request& req = *req_;
  req.usage.assign(m_.caps.size(), 0);
  // Cap dependencies are acyclic, so caps + 1 rounds settle; one more guards a bad engine.
  for (size_t round = 0; round <= m_.caps.size() + 1; ++round) {
    slots_ = engine_.CapSlots(req);
    bool changed = false;
    for (size_t c = 0; c < slots_.size() && c < m_.caps.size(); ++c) {
      int64_t u = slots_[c].has_key ? usage(SlotOf(c)) : 0;
      if (u != req.usage[c]) {
        req.usage[c] = u;
        changed = true;
      }
    }
    if (!changed) return;
  }
}

auto LedgerEvaluation::Slots(const ledger::UsageFn& usage) -> std::vector<ledger::Slot> {
  Resolve(usage);
  std::vector<ledger::Slot> out;
  for (size_t c = 0; c < slots_.size(); ++c) {
    if (slots_[c].has_key) out.push_back(SlotOf(c));
  }
  return out;
}

auto LedgerEvaluation::Evaluate(const ledger::UsageFn& usage) -> ledger::Answer {
  Resolve(usage);
  engine_.EvaluateInto(*req_, result_);
  ledger::Answer answer;
  writer_(*req_, result_, answer.text);
  if (result_.error != pir::ErrorCode::None) return answer;  // an error records nothing
  for (size_t c = 0; c < result_.record.size() && c < slots_.size(); ++c) {
    if (result_.record[c] < 0 || !slots_[c].has_key) continue;
    answer.record.push_back(ledger::Recording{SlotOf(c), result_.record[c]});
  }
  return answer;
}

}  // namespace edict::driver
