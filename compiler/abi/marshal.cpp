#include "abi/marshal.h"

#include <cstring>

namespace edict::abi {

void EncodeInput(const edict_module& m, const pir::Request& req, void* input) {
  auto* base = static_cast<char*>(input);
  for (uint32_t f = 0; f < m.field_count; ++f) {
    const edict_field& field = m.fields[f];
    char* slot = base + field.offset;
    const pir::RtValue& v = req.fields[f];
    switch (field.type.kind) {
      case EDICT_TYPE_FLOAT: std::memcpy(slot, &v.f, 8); break;
      case EDICT_TYPE_STRING: {
        edict_str s{v.s.data(), v.s.size()};
        std::memcpy(slot, &s, sizeof s);
        break;
      }
      default: std::memcpy(slot, &v.i, 8); break;
    }
  }
}

void DecodeResult(const edict_module& m, const void* result, pir::Result& out) {
  const auto* r = static_cast<const edict_result*>(result);
  out.error = static_cast<pir::ErrorCode>(r->error);
  out.error_loc = {r->error_line, r->error_col};
  out.outcome = r->outcome;
  if (r->error != EDICT_OK) {
    out.rules_applied.clear();
    out.deciding.clear();
    out.exemptions_applied.clear();
    out.caps_applied.clear();
    out.outputs.clear();
    out.record.clear();
    return;
  }
  // resize() keeps the capacity: after the first result nothing here allocates.
  out.rules_applied.resize(m.rule_count);
  out.deciding.resize(m.rule_count);
  for (uint32_t i = 0; i < m.rule_count; ++i) {
    out.rules_applied[i] = edict_bit(r, m.rules_applied_offset, i);
    out.deciding[i] = edict_bit(r, m.deciding_offset, i);
  }
  out.exemptions_applied.resize(m.exemption_count);
  for (uint32_t i = 0; i < m.exemption_count; ++i) {
    out.exemptions_applied[i] = edict_bit(r, m.exemptions_applied_offset, i);
  }
  out.caps_applied.resize(m.cap_count);
  out.record.resize(m.cap_count);
  for (uint32_t i = 0; i < m.cap_count; ++i) {
    out.caps_applied[i] = edict_bit(r, m.caps_applied_offset, i);
    out.record[i] = edict_record(&m, r, i);
  }
  out.outputs.resize(m.output_count);
  for (uint32_t o = 0; o < m.output_count; ++o) {
    const edict_output& output = m.outputs[o];
    const char* slot = static_cast<const char*>(edict_result_at(r, output.offset));
    // As RtValue::Float / Str / Int would make it: the other members zero or empty.
    pir::RtValue& v = out.outputs[o];
    v.i = 0;
    v.f = 0.0;
    switch (output.type.kind) {
      case EDICT_TYPE_FLOAT: {
        std::memcpy(&v.f, slot, 8);
        v.s.clear();
        break;
      }
      case EDICT_TYPE_STRING: {
        edict_str s;
        std::memcpy(&s, slot, sizeof s);
        if (s.len == 0) v.s.clear();
        else v.s.assign(s.ptr, s.len);
        break;
      }
      default: {
        std::memcpy(&v.i, slot, 8);
        v.s.clear();
        break;
      }
    }
  }
}

auto CapSlots(const edict_module& m, const pir::Request& req) -> std::vector<pir::CapSlot> {
  std::vector<uint64_t> input(m.input_size / 8 + 1, 0);
  EncodeInput(m, req, input.data());
  std::vector<edict_cap_slot> slots(m.cap_count);
  std::vector<edict_value> keys(m.key_count);
  m.cap_slots(input.data(), req.usage.empty() ? nullptr : req.usage.data(), req.today.days,
              slots.data(), keys.data());
  std::vector<pir::CapSlot> out(m.cap_count);
  for (uint32_t c = 0; c < m.cap_count; ++c) {
    const edict_cap& cap = m.caps[c];
    out[c].applies = slots[c].applies != 0;
    out[c].has_key = slots[c].has_key != 0;
    out[c].window_start = Date{slots[c].window_start};
    if (!out[c].has_key) continue;
    for (uint32_t k = 0; k < cap.key_count; ++k) {
      const edict_value& v = keys[cap.first_key + k];
      switch (cap.key_types[k].kind) {
        case EDICT_TYPE_STRING:
          out[c].key.push_back(pir::RtValue::Str(std::string(v.s.ptr ? v.s.ptr : "", v.s.len)));
          break;
        case EDICT_TYPE_FLOAT: out[c].key.push_back(pir::RtValue::Float(v.f)); break;
        default: out[c].key.push_back(pir::RtValue::Int(v.i)); break;
      }
    }
  }
  return out;
}

}  // namespace edict::abi
