// memory: — the ledger in process. Usage lives in shards (a slot's shard is a hash of the slot),
// each with its own mutex; a decide locks the shards of its slots in shard order, so two
// decides never deadlock and decides on unrelated slots rarely wait for each other. Remembered
// answers live in their own shards; a decide with an id holds its id's shard for its whole
// length (always taken before any slot shard), so two decides of one id are serialised and
// exactly one of them records.
#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "ledger/ledger_internal.h"

namespace edict::ledger::internal {
namespace {

struct SlotHash {
  auto operator()(const Slot& s) const noexcept -> size_t {
    std::hash<std::string> h;
    size_t x = h(s.cap);
    x ^= h(s.key) + 0x9e3779b97f4a7c15ULL + (x << 6) + (x >> 2);
    x ^= h(s.window_start) + 0x9e3779b97f4a7c15ULL + (x << 6) + (x >> 2);
    return x;
  }
};

struct SlotEntry {
  int64_t usage = 0;
  std::string last_policy;
  std::string last_version;
};

struct IdEntry {
  std::string id;
  uint64_t hash = 0;
  std::string digest;
  std::string answer;
  std::string caps;  // caps it recorded into, each followed by '\n' (Reset of a cap forgets it)
};

// Remembered answers of one shard: the entries in insertion order (a deque: they never move),
// found through an open-addressing index of (hash, entry number) cells. Growing the index reads
// only the entries' stored hashes, so a table of millions of ids grows without chasing a pointer
// per entry (std::unordered_map's rehash did, and dominated a decide's cost).
class IdTable {
 public:
  // The entry of `id`, or a new empty one claimed for it (`claimed` true).
  auto FindOrClaim(std::string_view id, uint64_t hash) -> std::pair<IdEntry*, bool> {
    if (!cells_.empty()) {
      for (size_t i = Start(hash);; i = (i + 1) & (cells_.size() - 1)) {
        const Cell& c = cells_[i];
        if (c.index == 0) break;
        IdEntry& e = entries_[c.index - 1];
        if (c.hash == hash && e.id == id) return {&e, false};
      }
    }
    if ((entries_.size() + 1) * 2 > cells_.size()) {
      Rebuild(std::max<size_t>(1024, cells_.size() * 2));
    }
    IdEntry& e = entries_.emplace_back();
    e.id = id;
    e.hash = hash;
    last_cell_ = Place(hash, entries_.size());
    return {&e, true};
  }

  // Gives back the entry claimed last (nothing was claimed since: the caller holds the shard).
  // Safe in linear probing: no other id's probe sequence can run through the newest cell.
  void UnclaimLast() {
    cells_[last_cell_] = {};
    entries_.pop_back();
  }

  void Clear() {
    entries_.clear();
    cells_.clear();
  }

  template <typename Pred>
  void EraseIf(Pred pred) {
    std::deque<IdEntry> kept;
    for (IdEntry& e : entries_) {
      if (!pred(e)) kept.push_back(std::move(e));
    }
    entries_ = std::move(kept);
    Rebuild(cells_.size());
  }

 private:
  struct Cell {
    uint64_t hash = 0;
    uint64_t index = 0;  // 1 + the entry's number; 0: empty
  };

  auto Start(uint64_t hash) const -> size_t { return (hash >> 6) & (cells_.size() - 1); }

  auto Place(uint64_t hash, size_t index) -> size_t {
    size_t i = Start(hash);
    while (cells_[i].index != 0) i = (i + 1) & (cells_.size() - 1);
    cells_[i] = {hash, index};
    return i;
  }

  void Rebuild(size_t size) {
    cells_.assign(size, {});
    if (size == 0) return;
    for (size_t n = 0; n < entries_.size(); ++n) Place(entries_[n].hash, n + 1);
  }

  std::deque<IdEntry> entries_;
  std::vector<Cell> cells_;  // a power of two, at most half full
  size_t last_cell_ = 0;
};

constexpr size_t kShards = 64;

struct SlotShard;

// Locks the given shards in order and unlocks them when it goes (also on an exception thrown by
// an Evaluation).
class ShardLocks {
 public:
  ShardLocks(SlotShard* shards, const std::vector<size_t>& ids);
  ~ShardLocks() { Release(); }
  void Release();

 private:
  SlotShard* shards_;
  const std::vector<size_t>& ids_;
  bool held_ = true;
};

struct alignas(64) SlotShard {
  std::mutex mu;
  std::unordered_map<Slot, SlotEntry, SlotHash> slots;
};

ShardLocks::ShardLocks(SlotShard* shards, const std::vector<size_t>& ids)
    : shards_(shards), ids_(ids) {
  for (size_t s : ids_) shards_[s].mu.lock();
}

void ShardLocks::Release() {
  if (!held_) return;
  held_ = false;
  for (auto it = ids_.rbegin(); it != ids_.rend(); ++it) shards_[*it].mu.unlock();
}

struct alignas(64) IdShard {
  std::mutex mu;
  IdTable ids;
};

class MemoryLedger final : public Ledger {
 public:
  auto Register(const PolicyInfo& policy) -> Status override {
    std::lock_guard lock(caps_mu_);
    for (const CapInfo& cap : policy.caps) {
      auto [it, inserted] = caps_.try_emplace(cap.cap, cap);
      if (!inserted) {
        if (Status s = CheckSameShape(it->second, cap); !s.ok) return s;
      }
    }
    return Status::Ok();
  }

  auto Decide(const PolicyInfo& policy, std::string_view id, std::string_view request_digest,
              Evaluation& evaluation, DecideResult& out) -> Status override {
    std::unique_lock<std::mutex> id_lock;
    IdShard* id_shard = nullptr;
    IdEntry* id_entry = nullptr;  // claimed (empty) until the decide succeeds
    if (!id.empty()) {
      uint64_t hash = std::hash<std::string_view>{}(id);
      id_shard = &id_shards_[hash % kShards];
      id_lock = std::unique_lock(id_shard->mu);
      auto [entry, claimed] = id_shard->ids.FindOrClaim(id, hash);
      if (!claimed) return Replay(*entry, id, request_digest, out);
      id_entry = entry;
    }
    // Until the decide succeeds, leaving gives the claim back (also on an exception).
    struct Unclaim {
      IdShard* shard;
      ~Unclaim() {
        if (shard) shard->ids.UnclaimLast();
      }
    } unclaim{id_shard};
    return WithSettledSlots(evaluation, [&](LockedRound& r) -> Status {
      if (!r.error.empty()) return Status::Error(r.error);
      for (const Recording& rec : r.answer.record) {
        SlotEntry& e = slot_shards_[SlotHash{}(rec.slot) % kShards].slots[rec.slot];
        e.usage += rec.amount;
        if (e.last_policy != policy.policy) e.last_policy = policy.policy;
        if (e.last_version != policy.version) e.last_version = policy.version;
      }
      if (id_entry) {
        id_entry->digest = request_digest;
        id_entry->answer = r.answer.text;
        for (const Recording& rec : r.answer.record) (id_entry->caps += rec.slot.cap) += '\n';
      }
      unclaim.shard = nullptr;
      out.answer = std::move(r.answer.text);
      out.replayed = false;
      return Status::Ok();
    });
  }

  auto Check(Evaluation& evaluation, std::string& answer) -> Status override {
    return WithSettledSlots(evaluation, [&](LockedRound& r) -> Status {
      answer = std::move(r.answer.text);
      return Status::Ok();
    });
  }

  // The lock rounds of the decide protocol: locks the shards of the request's slots (growing
  // the set while the request asks for slots outside it) and, once the slots are settled, calls
  // `settled(round)` with the locks still held.
  template <typename F>
  auto WithSettledSlots(Evaluation& evaluation, F&& settled) -> Status {
    std::vector<Slot> locked = EstimateSlots(evaluation);
    std::vector<int64_t> usage;
    std::vector<size_t> shard_ids;
    for (int round = 0; round < kMaxSlotRounds; ++round) {
      ShardsOf(locked, shard_ids);
      ShardLocks locks(slot_shards_.data(), shard_ids);
      ReadUsage(locked, usage);
      LockedRound r = RunLockedRound(evaluation, locked, usage);
      if (r.stable) return settled(r);
      locks.Release();
      locked = std::move(r.grown);
    }
    return Status::Error(UnsettledSlotsMessage());
  }

  auto Show(const std::optional<std::string>& cap, std::vector<UsageRow>& rows) -> Status override {
    rows.clear();
    for (SlotShard& shard : slot_shards_) {
      std::lock_guard lock(shard.mu);
      for (const auto& [slot, e] : shard.slots) {
        if (cap && slot.cap != *cap) continue;
        rows.push_back({slot, "", e.usage, e.last_policy, e.last_version});
      }
    }
    {
      std::lock_guard lock(caps_mu_);
      for (UsageRow& row : rows) {
        auto it = caps_.find(row.slot.cap);
        if (it != caps_.end()) row.window = it->second.window;
      }
    }
    std::sort(rows.begin(), rows.end(),
              [](const UsageRow& a, const UsageRow& b) { return a.slot < b.slot; });
    return Status::Ok();
  }

  auto Reset(const std::optional<std::string>& cap) -> Status override {
    // Id shards first, then slot shards: the decide order.
    std::array<std::unique_lock<std::mutex>, kShards> id_locks;
    for (size_t i = 0; i < kShards; ++i) id_locks[i] = std::unique_lock(id_shards_[i].mu);
    for (SlotShard& shard : slot_shards_) {
      std::lock_guard lock(shard.mu);
      if (!cap) {
        shard.slots.clear();
      } else {
        std::erase_if(shard.slots, [&](const auto& kv) { return kv.first.cap == *cap; });
      }
    }
    for (IdShard& shard : id_shards_) {
      if (!cap) {
        shard.ids.Clear();
      } else {
        std::string needle = "\n" + *cap + "\n";
        shard.ids.EraseIf([&](const IdEntry& e) {
          return ("\n" + e.caps).find(needle) != std::string::npos;
        });
      }
    }
    std::lock_guard lock(caps_mu_);
    if (!cap) caps_.clear(); else caps_.erase(*cap);
    return Status::Ok();
  }

 private:
  static auto Replay(const IdEntry& entry, std::string_view id, std::string_view digest,
                     DecideResult& out) -> Status {
    if (entry.digest != digest) {
      return Status::Error("idempotency_conflict: request id `" + std::string(id) +
                           "` was decided before with different content");
    }
    out.answer = entry.answer;
    out.replayed = true;
    return Status::Ok();
  }

  void ShardsOf(const std::vector<Slot>& slots, std::vector<size_t>& shard_ids) {
    shard_ids.clear();
    for (const Slot& s : slots) shard_ids.push_back(SlotHash{}(s) % kShards);
    std::sort(shard_ids.begin(), shard_ids.end());
    shard_ids.erase(std::unique(shard_ids.begin(), shard_ids.end()), shard_ids.end());
  }

  void ReadUsage(const std::vector<Slot>& slots, std::vector<int64_t>& usage) {
    usage.clear();
    for (const Slot& s : slots) {
      const auto& map = slot_shards_[SlotHash{}(s) % kShards].slots;
      auto it = map.find(s);
      usage.push_back(it == map.end() ? 0 : it->second.usage);
    }
  }

  std::array<SlotShard, kShards> slot_shards_;
  std::array<IdShard, kShards> id_shards_;
  std::mutex caps_mu_;
  std::map<std::string, CapInfo> caps_;
};

}  // namespace

auto CheckSameShape(const CapInfo& known, const CapInfo& now) -> Status {
  if (known.key_shape == now.key_shape && known.window == now.window) return Status::Ok();
  auto shape = [](const CapInfo& c) {
    return "key (" + c.key_shape + ") and window " + (c.window.empty() ? "forever" : c.window);
  };
  return Status::Error("cap `" + now.cap + "` is already in the ledger with " + shape(known) +
                       ", but this policy declares it with " + shape(now) +
                       ": its recorded usage would not mean the same. Reset the cap's usage "
                       "(`edict ledger reset URL --cap " + now.cap +
                       "`) or give the cap a new name");
}

auto OpenMemory(std::string& /*error*/) -> std::unique_ptr<Ledger> {
  return std::make_unique<MemoryLedger>();
}

}  // namespace edict::ledger::internal
