// sqlite:PATH — the embedded ledger. One file in WAL mode shared safely by threads (one
// connection per Ledger, serialised) and by processes (every write is a `BEGIN IMMEDIATE`
// transaction, which takes the file's write lock; `busy_timeout` waits for it).
//
// Group commit: a decide joins a queue; the first thread to find no committer running becomes
// the committer, takes the whole queue as one batch, runs every decide of the batch in order in
// one transaction (each sees the usage the earlier ones wrote), commits once (one WAL fsync under
// synchronous=FULL) and wakes the batch. Threads that arrived meanwhile form the next batch.
// No answer is returned before the transaction that recorded it is durable.
#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

#include "ledger/ledger_internal.h"

namespace edict::ledger::internal {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 30000;

// The schema (ledger.cpp); the usage table is clustered on its key.
const std::string kSchema = LedgerSchemaSql(" WITHOUT ROWID");

// A prepared statement, reset after each use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  auto operator=(const Stmt&) -> Stmt& = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }
  auto Prepare(sqlite3* db, const char* sql) -> bool {
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) == SQLITE_OK;
  }
  auto Bind(int i, std::string_view s) -> Stmt& {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  auto Bind(int i, int64_t v) -> Stmt& {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  auto Step() -> int { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  auto Text(int i) -> std::string {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  auto Int(int i) -> int64_t { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

struct Pending {
  const PolicyInfo* policy;
  std::string_view id;
  std::string_view digest;
  Evaluation* evaluation;
  DecideResult* out;
  Status status;
  bool done = false;
};

class SqliteLedger final : public Ledger {
 public:
  explicit SqliteLedger(std::string path) : path_(std::move(path)) {}
  ~SqliteLedger() override {
    // Statements before the connection.
    get_usage_.reset();
    add_usage_.reset();
    get_request_.reset();
    put_request_.reset();
    put_record_.reset();
    if (db_) sqlite3_close_v2(db_);
  }

  auto Init(std::string& error) -> bool {
    int rc = sqlite3_open_v2(path_.c_str(), &db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      error = "cannot open SQLite ledger `" + path_ + "`: " +
              (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
      return false;
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // journal_mode=WAL is persistent in the file; synchronous=FULL makes every commit fsync the
    // WAL, so an answer survives a power loss, not only a crash of the process.
    if (!Exec("PRAGMA journal_mode=WAL", error) || !Exec("PRAGMA synchronous=FULL", error) ||
        !Exec("PRAGMA foreign_keys=OFF", error)) {
      return false;
    }
    if (!Exec("BEGIN IMMEDIATE", error)) return false;
    if (!Exec(kSchema.c_str(), error)) {
      Exec("ROLLBACK", error);
      return false;
    }
    {
      Stmt version;
      if (!version.Prepare(db_, "SELECT value FROM edict_meta WHERE name = 'schema_version'")) {
        error = Fault("reading the schema version");
        Exec("ROLLBACK", error);
        return false;
      }
      if (version.Step() == SQLITE_ROW) {
        std::string v = version.Text(0);
        if (v != std::to_string(kSchemaVersion)) {
          error = "SQLite ledger `" + path_ + "` has schema version " + v +
                  "; this edict reads version " + std::to_string(kSchemaVersion);
          std::string ignored;
          Exec("ROLLBACK", ignored);
          return false;
        }
      } else if (!Exec("INSERT INTO edict_meta VALUES ('schema_version', '" +
                           std::to_string(kSchemaVersion) + "')",
                       error)) {
        return false;
      }
    }
    if (!Exec("COMMIT", error)) return false;
    return PrepareAll(error);
  }

  auto Register(const PolicyInfo& policy) -> Status override {
    std::lock_guard lock(db_mu_);
    std::string error;
    if (!Exec("BEGIN IMMEDIATE", error)) return Status::Error(error);
    Stmt get, put;
    if (!get.Prepare(db_, "SELECT key_shape, cap_window FROM edict_caps WHERE cap = ?") ||
        !put.Prepare(db_, "INSERT INTO edict_caps VALUES (?, ?, ?, ?, ?, ?)")) {
      Status s = Status::Error(Fault("registering caps"));
      Exec("ROLLBACK", error);
      return s;
    }
    std::string now = UtcNow();
    for (const CapInfo& cap : policy.caps) {
      get.Bind(1, cap.cap);
      if (get.Step() == SQLITE_ROW) {
        CapInfo known{cap.cap, get.Text(0), get.Text(1)};
        get.Reset();
        if (Status s = CheckSameShape(known, cap); !s.ok) {
          Exec("ROLLBACK", error);
          return s;
        }
        continue;
      }
      get.Reset();
      put.Bind(1, cap.cap).Bind(2, cap.key_shape).Bind(3, cap.window).Bind(4, policy.policy);
      put.Bind(5, policy.version).Bind(6, now);
      int rc = put.Step();
      put.Reset();
      if (rc != SQLITE_DONE) {
        Status s = Status::Error(Fault("registering cap `" + cap.cap + "`"));
        Exec("ROLLBACK", error);
        return s;
      }
    }
    if (!Exec("COMMIT", error)) return Status::Error(error);
    return Status::Ok();
  }

  auto Decide(const PolicyInfo& policy, std::string_view id, std::string_view request_digest,
              Evaluation& evaluation, DecideResult& out) -> Status override {
    Pending self{&policy, id, request_digest, &evaluation, &out, {}, false};
    std::unique_lock lock(queue_mu_);
    queue_.push_back(&self);
    while (!self.done) {
      if (committing_) {
        queue_cv_.wait(lock);
        continue;
      }
      committing_ = true;
      std::deque<Pending*> batch;
      batch.swap(queue_);
      lock.unlock();
      RunBatch(batch);
      lock.lock();
      for (Pending* p : batch) p->done = true;
      committing_ = false;
      queue_cv_.notify_all();
    }
    return self.status;
  }

  auto Check(Evaluation& evaluation, std::string& answer) -> Status override {
    std::lock_guard lock(db_mu_);
    std::string error;
    if (!Exec("BEGIN", error)) return Status::Error(error);
    std::vector<Slot> locked = EstimateSlots(evaluation);
    for (int round = 0; round < kMaxSlotRounds; ++round) {
      std::vector<int64_t> usage;
      if (!ReadUsage(locked, usage, error)) {
        Exec("ROLLBACK", error);
        return Status::Error(error);
      }
      LockedRound r = RunLockedRound(evaluation, locked, usage);
      if (r.stable) {
        Exec("COMMIT", error);
        answer = std::move(r.answer.text);
        return Status::Ok();
      }
      locked = std::move(r.grown);
    }
    Exec("ROLLBACK", error);
    return Status::Error(UnsettledSlotsMessage());
  }

  auto Show(const std::optional<std::string>& cap, std::vector<UsageRow>& rows) -> Status override {
    std::lock_guard lock(db_mu_);
    rows.clear();
    Stmt q;
    const char* sql =
        "SELECT u.cap, u.key, u.window_start, COALESCE(c.cap_window, ''), u.usage, "
        "u.last_policy, u.last_version FROM edict_usage u LEFT JOIN edict_caps c ON c.cap = u.cap "
        "WHERE ?1 IS NULL OR u.cap = ?1 ORDER BY u.cap, u.key, u.window_start";
    if (!q.Prepare(db_, sql)) return Status::Error(Fault("reading usage"));
    if (cap) q.Bind(1, *cap);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      rows.push_back(
          {{q.Text(0), q.Text(1), q.Text(2)}, q.Text(3), q.Int(4), q.Text(5), q.Text(6)});
    }
    if (rc != SQLITE_DONE) return Status::Error(Fault("reading usage"));
    return Status::Ok();
  }

  auto Reset(const std::optional<std::string>& cap) -> Status override {
    std::lock_guard lock(db_mu_);
    std::string error;
    if (!Exec("BEGIN IMMEDIATE", error)) return Status::Error(error);
    bool ok;
    if (!cap) {
      ok = Exec("DELETE FROM edict_usage; DELETE FROM edict_requests; DELETE FROM edict_records; "
                "DELETE FROM edict_caps",
                error);
    } else {
      Stmt a, b, c, d;
      ok = a.Prepare(db_, "DELETE FROM edict_requests WHERE id IN "
                          "(SELECT request_id FROM edict_records WHERE cap = ?)") &&
           b.Prepare(db_, "DELETE FROM edict_records WHERE cap = ?") &&
           c.Prepare(db_, "DELETE FROM edict_usage WHERE cap = ?") &&
           d.Prepare(db_, "DELETE FROM edict_caps WHERE cap = ?");
      for (Stmt* s : {&a, &b, &c, &d}) {
        if (!ok) break;
        s->Bind(1, *cap);
        ok = s->Step() == SQLITE_DONE;
      }
      if (!ok) error = Fault("resetting cap `" + *cap + "`");
    }
    if (!ok) {
      std::string ignored;
      Exec("ROLLBACK", ignored);
      return Status::Error(error);
    }
    if (!Exec("COMMIT", error)) return Status::Error(error);
    return Status::Ok();
  }

 private:
  auto Fault(const std::string& doing) -> std::string {
    return "SQLite ledger `" + path_ + "`: " + doing + ": " + sqlite3_errmsg(db_);
  }

  auto Exec(const std::string& sql, std::string& error) -> bool {
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    if (rc == SQLITE_OK) return true;
    error = "SQLite ledger `" + path_ + "`: " + (msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return false;
  }

  auto PrepareAll(std::string& error) -> bool {
    get_usage_ = std::make_unique<Stmt>();
    add_usage_ = std::make_unique<Stmt>();
    get_request_ = std::make_unique<Stmt>();
    put_request_ = std::make_unique<Stmt>();
    put_record_ = std::make_unique<Stmt>();
    bool ok =
        get_usage_->Prepare(db_, "SELECT usage FROM edict_usage "
                                 "WHERE cap = ? AND key = ? AND window_start = ?") &&
        add_usage_->Prepare(db_, "INSERT INTO edict_usage VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                                 "ON CONFLICT (cap, key, window_start) DO UPDATE SET "
                                 "usage = usage + ?4, last_policy = ?5, last_version = ?6") &&
        get_request_->Prepare(db_, "SELECT digest, answer FROM edict_requests WHERE id = ?") &&
        put_request_->Prepare(db_, "INSERT INTO edict_requests VALUES (?, ?, ?, ?, ?, ?)") &&
        put_record_->Prepare(db_, "INSERT INTO edict_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ok) error = Fault("preparing statements");
    return ok;
  }

  auto ReadUsage(const std::vector<Slot>& slots, std::vector<int64_t>& usage, std::string& error)
      -> bool {
    usage.clear();
    for (const Slot& s : slots) {
      get_usage_->Bind(1, s.cap).Bind(2, s.key).Bind(3, s.window_start);
      int rc = get_usage_->Step();
      if (rc == SQLITE_ROW) {
        usage.push_back(get_usage_->Int(0));
      } else if (rc == SQLITE_DONE) {
        usage.push_back(0);
      } else {
        error = Fault("reading usage");
        get_usage_->Reset();
        return false;
      }
      get_usage_->Reset();
    }
    return true;
  }

  // One decide inside the batch's transaction. Returns false on a database fault (the batch is
  // rolled back); a fault of the request itself (an idempotency conflict) is its own status.
  auto DecideInBatch(Pending& p, const std::string& now, std::string& error) -> bool {
    if (!p.id.empty()) {
      get_request_->Bind(1, p.id);
      int rc = get_request_->Step();
      if (rc == SQLITE_ROW) {
        std::string digest = get_request_->Text(0);
        std::string answer = get_request_->Text(1);
        get_request_->Reset();
        if (digest != p.digest) {
          p.status = Status::Error("idempotency_conflict: request id `" + std::string(p.id) +
                                   "` was decided before with different content");
        } else {
          p.out->answer = std::move(answer);
          p.out->replayed = true;
        }
        return true;
      }
      get_request_->Reset();
      if (rc != SQLITE_DONE) {
        error = Fault("reading request ids");
        return false;
      }
    }
    // The whole file is locked: the fixpoint needs no release between rounds.
    std::vector<Slot> locked = EstimateSlots(*p.evaluation);
    for (int round = 0;; ++round) {
      if (round == kMaxSlotRounds) {
        p.status = Status::Error(UnsettledSlotsMessage());
        return true;
      }
      std::vector<int64_t> usage;
      if (!ReadUsage(locked, usage, error)) return false;
      LockedRound r = RunLockedRound(*p.evaluation, locked, usage);
      if (!r.stable) {
        locked = std::move(r.grown);
        continue;
      }
      if (!r.error.empty()) {
        p.status = Status::Error(r.error);
        return true;
      }
      const PolicyInfo& policy = *p.policy;
      for (const Recording& rec : r.answer.record) {
        add_usage_->Bind(1, rec.slot.cap).Bind(2, rec.slot.key).Bind(3, rec.slot.window_start);
        add_usage_->Bind(4, rec.amount).Bind(5, policy.policy).Bind(6, policy.version);
        int rc = add_usage_->Step();
        add_usage_->Reset();
        if (rc != SQLITE_DONE) {
          error = Fault("recording usage");
          return false;
        }
        if (!p.id.empty()) put_record_->Bind(1, p.id);
        put_record_->Bind(2, rec.slot.cap).Bind(3, rec.slot.key).Bind(4, rec.slot.window_start);
        put_record_->Bind(5, rec.amount).Bind(6, policy.policy).Bind(7, policy.version);
        put_record_->Bind(8, now);
        rc = put_record_->Step();
        put_record_->Reset();
        if (rc != SQLITE_DONE) {
          error = Fault("recording usage");
          return false;
        }
      }
      if (!p.id.empty()) {
        put_request_->Bind(1, p.id).Bind(2, p.digest).Bind(3, r.answer.text);
        put_request_->Bind(4, policy.policy).Bind(5, policy.version).Bind(6, now);
        int rc = put_request_->Step();
        put_request_->Reset();
        if (rc != SQLITE_DONE) {
          error = Fault("remembering the answer");
          return false;
        }
      }
      p.out->answer = std::move(r.answer.text);
      p.out->replayed = false;
      return true;
    }
  }

  void RunBatch(std::deque<Pending*>& batch) {
    std::lock_guard lock(db_mu_);
    std::string error;
    std::string now = UtcNow();
    bool ok = Exec("BEGIN IMMEDIATE", error);
    try {
      for (size_t i = 0; ok && i < batch.size(); ++i) ok = DecideInBatch(*batch[i], now, error);
    } catch (const std::exception& e) {  // an Evaluation that throws fails its batch, no more
      error = std::string("an evaluation failed: ") + e.what();
      ok = false;
    } catch (...) {
      error = "an evaluation failed";
      ok = false;
    }
    if (ok) ok = Exec("COMMIT", error);
    if (!ok) {
      std::string ignored;
      if (!sqlite3_get_autocommit(db_)) Exec("ROLLBACK", ignored);
      for (Pending* p : batch) {
        p->status = Status::Error(error);
        p->out->answer.clear();
        p->out->replayed = false;
      }
    }
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex db_mu_;  // the connection: one user at a time
  std::unique_ptr<Stmt> get_usage_, add_usage_, get_request_, put_request_, put_record_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending*> queue_;
  bool committing_ = false;
};

}  // namespace

auto OpenSqlite(std::string_view path, std::string& error) -> std::unique_ptr<Ledger> {
  auto ledger = std::make_unique<SqliteLedger>(std::string(path));
  if (!ledger->Init(error)) return nullptr;
  return ledger;
}

}  // namespace edict::ledger::internal
