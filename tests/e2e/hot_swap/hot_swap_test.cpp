// e2e: hot swap under load (libedict, runtime/src/hot_swap.cpp).
//
//   edict_e2e_hot_swap_test A.so B.so
//
// A and B are two builds of the AI diffusion policy that decide some requests differently
// (B moves India to tier 1). Every request's result under A and under B is computed first. Then
// reader threads evaluate the requests in a loop through one edict_handle while the main thread
// swaps it to B, back to A, and so on. Every result must be byte for byte A's or B's for that
// request; a result read under a lease must be exactly the leased version's; both versions must
// be seen; nothing may crash (a module unloaded while an evaluation runs on it would). Uses only
// the C API of the shared libedict, as a service would.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "edict_runtime.h"

namespace {

struct Fixture {
  const edict_module* m = nullptr;
  std::vector<std::vector<uint64_t>> inputs;
  std::vector<std::string> consignees;  // the string slots point here
};

auto FieldOffset(const edict_module* m, const char* name) -> uint32_t {
  for (uint32_t f = 0; f < m->field_count; ++f)
    if (std::strcmp(m->fields[f].name, name) == 0) return m->fields[f].offset;
  std::fprintf(stderr, "no field %s\n", name);
  std::exit(1);
}

auto MemberIndex(const edict_module* m, const char* field, const char* member) -> int64_t {
  for (uint32_t f = 0; f < m->field_count; ++f) {
    if (std::strcmp(m->fields[f].name, field) != 0) continue;
    const edict_enum& e = m->enums[m->fields[f].type.enum_id];
    for (uint32_t k = 0; k < e.member_count; ++k)
      if (std::strcmp(e.members[k], member) == 0) return k;
  }
  std::fprintf(stderr, "no member %s of %s\n", member, field);
  std::exit(1);
}

void Set(std::vector<uint64_t>& in, uint32_t offset, int64_t v) {
  std::memcpy(reinterpret_cast<char*>(in.data()) + offset, &v, 8);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s A.so B.so\n", argv[0]);
    return 2;
  }
  const char* paths[2] = {argv[1], argv[2]};
  edict_error err;
  edict_library* libs[2] = {nullptr, nullptr};
  for (int v = 0; v < 2; ++v) {
    if (edict_library_open(paths[v], &libs[v], &err) != EDICT_STATUS_OK) {
      std::fprintf(stderr, "%s\n", err.message);
      return 1;
    }
  }
  const edict_module* ma = edict_library_module(libs[0]);
  const edict_module* mb = edict_library_module(libs[1]);
  if (edict_modules_compatible(ma, mb, &err) != EDICT_STATUS_OK) {
    std::fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  const size_t result_words = ma->result_size / 8 + 1;

  // Requests: chips and weights to and from countries of every tier, India among them.
  Fixture fx;
  fx.m = ma;
  const char* countries[] = {"US", "DE", "IN", "AE", "CN", "BR", "IN", "JP"};
  const char* items[] = {"gpu", "closed_weights", "open_weights"};
  const int64_t tpps[] = {1000, 26'900'000, 300'000'000};
  fx.consignees.reserve(1000);
  for (const char* dst : countries)
    for (const char* hq : countries)
      for (const char* item : items)
        for (int64_t tpp : tpps) {
          std::vector<uint64_t> in(ma->input_size / 8 + 1, 0);
          Set(in, FieldOffset(ma, "destination"), MemberIndex(ma, "destination", dst));
          Set(in, FieldOffset(ma, "headquarters"), MemberIndex(ma, "headquarters", hq));
          fx.consignees.push_back(std::string(hq) + "-" + dst);
          edict_str s{fx.consignees.back().data(), fx.consignees.back().size()};
          std::memcpy(reinterpret_cast<char*>(in.data()) + FieldOffset(ma, "consignee"), &s, sizeof s);
          Set(in, FieldOffset(ma, "item"), MemberIndex(ma, "item", item));
          Set(in, FieldOffset(ma, "tpp"), tpp);
          Set(in, FieldOffset(ma, "end_user"), MemberIndex(ma, "end_user", "none"));
          double ops = std::strcmp(item, "gpu") == 0 ? 0.0 : 2e26;
          std::memcpy(reinterpret_cast<char*>(in.data()) + FieldOffset(ma, "training_ops"), &ops, 8);
          fx.inputs.push_back(std::move(in));
        }
  const int32_t today = 20240;  // 2025-06-01
  const size_t n = fx.inputs.size();
  std::vector<std::vector<uint64_t>> expected[2];
  size_t differing = 0;
  for (int v = 0; v < 2; ++v) {
    const edict_module* m = edict_library_module(libs[v]);
    for (size_t i = 0; i < n; ++i) {
      std::vector<uint64_t> r(result_words, 0);
      m->eval(fx.inputs[i].data(), nullptr, today, reinterpret_cast<edict_result*>(r.data()));
      expected[v].push_back(std::move(r));
    }
  }
  for (size_t i = 0; i < n; ++i) differing += expected[0][i] != expected[1][i];
  if (differing == 0) {
    std::fprintf(stderr, "FAIL: versions A and B decide every request alike\n");
    return 1;
  }

  edict_handle* h = nullptr;
  if (edict_handle_open(paths[0], &h, &err) != EDICT_STATUS_OK) {
    std::fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> evaluations{0}, seen_a_only{0}, seen_b_only{0}, failures{0};
  auto reader = [&](unsigned seed) {
    std::vector<uint64_t> r(result_words);
    uint64_t local = 0, a_only = 0, b_only = 0;
    for (size_t k = seed; !stop.load(std::memory_order_relaxed); ++k) {
      size_t i = (k * 7919) % n;
      std::fill(r.begin(), r.end(), 0);
      auto* res = reinterpret_cast<edict_result*>(r.data());
      bool leased = k % 8 == 0;
      bool ok_a, ok_b;
      if (leased) {
        // Under a lease, the result must be exactly the leased version's; hold it a little.
        edict_lease lease;
        const edict_module* m = edict_handle_acquire(h, &lease);
        m->eval(fx.inputs[i].data(), nullptr, today, res);
        std::this_thread::yield();
        int v = std::strcmp(m->version, ma->version) == 0 ? 0 : 1;
        bool ok = r == expected[v][i];
        edict_handle_release(h, &lease);
        ok_a = v == 0 && ok;
        ok_b = v == 1 && ok;
        if (!ok) {
          std::fprintf(stderr, "FAIL: request %zu under a lease on version %d\n", i, v);
          failures.fetch_add(1);
        }
      } else {
        edict_handle_eval(h, fx.inputs[i].data(), nullptr, today, res, r.size() * 8);
        ok_a = r == expected[0][i];
        ok_b = r == expected[1][i];
        if (!ok_a && !ok_b) {
          std::fprintf(stderr, "FAIL: request %zu: result is neither version's\n", i);
          failures.fetch_add(1);
        }
      }
      a_only += ok_a && !ok_b;
      b_only += ok_b && !ok_a;
      ++local;
    }
    evaluations.fetch_add(local);
    seen_a_only.fetch_add(a_only);
    seen_b_only.fetch_add(b_only);
  };

  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  unsigned readers = std::max(2u, std::min(8u, std::thread::hardware_concurrency()));
  for (unsigned t = 0; t < readers; ++t) threads.emplace_back(reader, t * 1000);
  const int kSwaps = 1000;
  int swap_failures = 0;
  for (int s = 1; s <= kSwaps; ++s) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (edict_handle_swap(h, paths[s % 2], &err) != EDICT_STATUS_OK) {
      std::fprintf(stderr, "FAIL: swap %d: %s\n", s, err.message);
      ++swap_failures;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  for (std::thread& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t generation = edict_handle_generation(h);
  edict_handle_close(h);
  edict_library_close(libs[0]);
  edict_library_close(libs[1]);

  std::printf("hot swap: %zu requests (%zu decided differently by A and B), %u readers, %d swaps, "
              "%llu evaluations (%llu only A's, %llu only B's) in %.2f s\n",
              n, differing, readers, kSwaps, static_cast<unsigned long long>(evaluations.load()),
              static_cast<unsigned long long>(seen_a_only.load()),
              static_cast<unsigned long long>(seen_b_only.load()), secs);
  bool ok = failures == 0 && swap_failures == 0 && generation == kSwaps && seen_a_only > 0 &&
            seen_b_only > 0;
  if (!ok) std::fprintf(stderr, "FAIL (failures %llu, generation %llu)\n",
                        static_cast<unsigned long long>(failures.load()),
                        static_cast<unsigned long long>(generation));
  return ok ? 0 : 1;
}
