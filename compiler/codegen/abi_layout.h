// The layout of a policy's input and result structs (runtime/include/edict.h): ONE source for
// the generated LLVM IR, the descriptor tables, the JIT's marshalling and the C header emitter.
#pragma once

#include <cstdint>
#include <vector>

#include "pir/pir.h"

namespace edict::codegen {

struct AbiLayout {
  // Input struct: one slot per Module::inputs entry.
  std::vector<uint32_t> input_offsets;
  uint32_t input_size = 0;

  // Result struct: the 16-byte edict_result header, then the tail.
  uint32_t rule_words = 0, exemption_words = 0, cap_words = 0;
  uint32_t rules_applied_offset = 0;
  uint32_t deciding_offset = 0;
  uint32_t exemptions_applied_offset = 0;
  uint32_t caps_applied_offset = 0;
  uint32_t record_offset = 0;
  std::vector<int32_t> outputs;           // output index → let index (Module::lets order)
  std::vector<int32_t> output_of_let;     // let index → output index, or -1
  std::vector<uint32_t> output_offsets;   // output index → byte offset in the result
  uint32_t result_size = 0;

  // cap_slots: per cap, the index of its first key in the key array.
  std::vector<uint32_t> cap_first_key;
  uint32_t key_count = 0;
};

inline constexpr uint32_t kResultHeaderSize = 16;

// 16 for strings ({ptr, len}), else 8.
auto SlotSize(pir::Type t) -> uint32_t;

auto ComputeAbiLayout(const pir::Module& m) -> AbiLayout;

}  // namespace edict::codegen
