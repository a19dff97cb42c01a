#include "codegen/abi_layout.h"

namespace edict::codegen {

auto SlotSize(pir::Type t) -> uint32_t { return t.kind == pir::TypeKind::String ? 16 : 8; }

auto ComputeAbiLayout(const pir::Module& m) -> AbiLayout {
  AbiLayout l;
  uint32_t at = 0;
  for (const pir::InputField& f : m.inputs) {
    l.input_offsets.push_back(at);
    at += SlotSize(f.type);
  }
  l.input_size = at;

  auto words = [](size_t n) { return static_cast<uint32_t>((n + 63) / 64); };
  l.rule_words = words(m.rules.size());
  l.exemption_words = words(m.exemptions.size());
  l.cap_words = words(m.caps.size());
  at = kResultHeaderSize;
  l.rules_applied_offset = at;
  at += 8 * l.rule_words;
  l.deciding_offset = at;
  at += 8 * l.rule_words;
  l.exemptions_applied_offset = at;
  at += 8 * l.exemption_words;
  l.caps_applied_offset = at;
  at += 8 * l.cap_words;
  l.record_offset = at;
  at += 8 * static_cast<uint32_t>(m.caps.size());
  l.output_of_let.assign(m.lets.size(), -1);
  for (size_t k = 0; k < m.lets.size(); ++k) {
    if (!m.lets[k].is_output) continue;
    l.output_of_let[k] = static_cast<int32_t>(l.outputs.size());
    l.outputs.push_back(static_cast<int32_t>(k));
    l.output_offsets.push_back(at);
    at += SlotSize(m.lets[k].type);
  }
  l.result_size = at;

  for (const pir::Cap& c : m.caps) {
    l.cap_first_key.push_back(l.key_count);
    l.key_count += static_cast<uint32_t>(c.keys.size());
  }
  return l;
}

}  // namespace edict::codegen
