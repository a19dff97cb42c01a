// libedict: the hot-swappable handle (edict_runtime.h).
//
// Design: a pointer to the current library plus reader counters in the style of SRCU (sleepable
// read-copy-update). An evaluation
//
//     idx = epoch & 1;  counter[shard][idx] += 1;  lib = current;  …evaluate…;  counter[shard][idx] -= 1
//
// costs two atomic read-modify-writes on a cache line private to (mostly) its thread, and never
// waits. A swap, serialised by a mutex, stores the new library, then for each of the two counter
// sets in turn flips `epoch` so that new evaluations use the other set, and waits until the set
// it left drains to zero on every shard. Then it unloads the old library.
//
// Why that is safe: an evaluation that read the old pointer incremented its counter before the
// read, which (all operations being sequentially consistent) precedes the swap's store, which
// precedes the swap's reads of both counter sets. So the swap sees that increment, and reads
// zero only after the matching decrement: the evaluation is over. An evaluation that increments
// after the swap has read its counter necessarily reads the new pointer. Both sets are drained,
// so a straggler that read `epoch` before a flip is covered too; flipping before each drain
// keeps new evaluations off the set being drained, so the wait ends (it is bounded by the
// evaluations that were already running).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <new>
#include <thread>

#include "runtime_internal.h"

namespace {

constexpr unsigned kShards = 32;

struct alignas(64) Shard {
  std::atomic<int64_t> count[2] = {0, 0};
};

auto ThisThreadShard() -> unsigned {
  static std::atomic<unsigned> next{0};
  thread_local unsigned shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

}  // namespace

struct edict_handle {
  std::atomic<edict_library*> current{nullptr};
  std::atomic<uint32_t> epoch{0};
  std::atomic<uint64_t> generation{0};
  std::mutex swap_mutex;
  Shard shards[kShards];
};

namespace {

// Flips the epoch away from the counter set now in use and waits for that set to drain.
void DrainOneSet(edict_handle* h) {
  uint32_t idx = h->epoch.fetch_add(1, std::memory_order_seq_cst) & 1u;
  for (Shard& s : h->shards) {
    for (unsigned spins = 0; s.count[idx].load(std::memory_order_seq_cst) != 0; ++spins) {
      if (spins < 64) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
  }
}

}  // namespace

using edict::runtime::Fail;

extern "C" {

int edict_handle_open(const char* path, edict_handle** out, edict_error* err) {
  if (path == nullptr || out == nullptr) return Fail(err, EDICT_STATUS_INVALID_ARGUMENT, "NULL argument");
  *out = nullptr;
  edict_library* lib = nullptr;
  if (int status = edict_library_open(path, &lib, err); status != EDICT_STATUS_OK) return status;
  auto* h = new (std::nothrow) edict_handle;
  if (h == nullptr) {
    edict_library_close(lib);
    return Fail(err, EDICT_STATUS_NO_MEMORY, "out of memory");
  }
  h->current.store(lib, std::memory_order_release);
  *out = h;
  return EDICT_STATUS_OK;
}

int edict_handle_swap(edict_handle* h, const char* new_module_path, edict_error* err) {
  if (h == nullptr || new_module_path == nullptr)
    return Fail(err, EDICT_STATUS_INVALID_ARGUMENT, "NULL argument");
  edict_library* lib = nullptr;
  if (int status = edict_library_open(new_module_path, &lib, err); status != EDICT_STATUS_OK)
    return status;
  std::lock_guard<std::mutex> lock(h->swap_mutex);
  edict_library* old = h->current.load(std::memory_order_seq_cst);
  if (int status = edict_modules_compatible(edict_library_module(old), edict_library_module(lib), err);
      status != EDICT_STATUS_OK) {
    edict_library_close(lib);
    return status;
  }
  h->current.exchange(lib, std::memory_order_seq_cst);
  DrainOneSet(h);
  DrainOneSet(h);
  edict_library_close(old);
  h->generation.fetch_add(1, std::memory_order_relaxed);
  return EDICT_STATUS_OK;
}

const edict_module* edict_handle_acquire(edict_handle* h, edict_lease* lease) {
  if (h == nullptr || lease == nullptr) return nullptr;
  unsigned shard = ThisThreadShard();
  uint32_t idx = h->epoch.load(std::memory_order_seq_cst) & 1u;
  h->shards[shard].count[idx].fetch_add(1, std::memory_order_seq_cst);
  edict_library* lib = h->current.load(std::memory_order_seq_cst);
  lease->module = edict_library_module(lib);
  lease->reserved0 = &h->shards[shard].count[idx];
  lease->reserved1 = idx;
  return lease->module;
}

void edict_handle_release(edict_handle* h, edict_lease* lease) {
  if (h == nullptr || lease == nullptr || lease->reserved0 == nullptr) return;
  static_cast<std::atomic<int64_t>*>(lease->reserved0)->fetch_sub(1, std::memory_order_seq_cst);
  lease->reserved0 = nullptr;
  lease->module = nullptr;
}

int edict_handle_eval(edict_handle* h, const void* input, const int64_t* usage, int32_t today,
                      edict_result* result, size_t result_capacity) {
  if (h == nullptr || input == nullptr || result == nullptr) return -1;
  edict_lease lease;
  const edict_module* m = edict_handle_acquire(h, &lease);
  int code = -1;
  if (result_capacity >= m->result_size) code = m->eval(input, usage, today, result);
  edict_handle_release(h, &lease);
  return code;
}

uint64_t edict_handle_generation(const edict_handle* h) {
  return h != nullptr ? h->generation.load(std::memory_order_relaxed) : 0;
}

void edict_handle_close(edict_handle* h) {
  if (h == nullptr) return;
  edict_library_close(h->current.load(std::memory_order_acquire));
  delete h;
}

}  // extern "C"
