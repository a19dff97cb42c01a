// Conversion between the engine-neutral request/result (pir/eval.h) and the C ABI structs of a
// compiled module (runtime/include/edict.h), as laid out by the module's descriptor. Shared by
// the JIT wrapper and the engine that runs a built lib<policy>.so.
#pragma once

#include "edict.h"
#include "pir/eval.h"

namespace edict::abi {

// Writes the request's field values into `input`, an input struct of `m` (`m.input_size` bytes,
// zeroed by the caller). String slots point into `req`, which must outlive the evaluation.
void EncodeInput(const edict_module& m, const pir::Request& req, void* input);

// Every cap's key slot for `req`, through the module's `cap_slots` entry point (usage(C) read
// from `req.usage`, 0 where it is empty). Keys are copied out of the module's buffers.
auto CapSlots(const edict_module& m, const pir::Request& req) -> std::vector<pir::CapSlot>;

// Reads a result struct of `m` into `out`, reusing its storage: once `out` has held a result of
// this module, nothing here allocates (except for string outputs longer than before).
void DecodeResult(const edict_module& m, const void* result, pir::Result& out);

}  // namespace edict::abi
