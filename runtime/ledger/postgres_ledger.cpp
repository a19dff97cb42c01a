// postgresql://… (and postgres://…) — the ledger shared by many service instances (libpq).
// One transaction per decide:
//
//   BEGIN
//   INSERT INTO edict_requests … ON CONFLICT (id) DO NOTHING RETURNING id   (claims the id; a
//       second decide of the same id waits here for the first to commit, then replays its answer)
//   SELECT … FROM edict_usage WHERE (cap, key, window_start) IN (…) ORDER BY … FOR UPDATE
//       (rows that do not exist yet are first created by INSERT … ON CONFLICT DO NOTHING)
//   evaluate; then in one round trip: UPDATE edict_usage; INSERT INTO edict_records;
//   UPDATE edict_requests SET answer; COMMIT
//
// retried on serialization failures and deadlocks (SQLSTATE 40001, 40P01). Only plain SQL that
// PostgreSQL-compatible distributed engines (CockroachDB, YugabyteDB) also have: see
// docs/ledger.md "PostgreSQL features relied on".
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "ledger/ledger_internal.h"

namespace edict::ledger::internal {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kMaxAttempts = 64;
constexpr size_t kMaxPooled = 16;

// The schema (ledger.cpp), and the schema version row.
const std::string kSchema =
    LedgerSchemaSql("") +
    "INSERT INTO edict_meta VALUES ('schema_version', '1') ON CONFLICT (name) DO NOTHING;\n";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// What a failed statement means for the transaction it was in.
enum class Outcome { kOk, kRetry, kFault };

class PostgresLedger;

// One statement's result, with the error text and whether a retry may help.
struct Query {
  Result result;
  Outcome outcome = Outcome::kOk;
  std::string error;
  bool committed = false;  // the statement ended the transaction with COMMIT
  auto Rows() const -> int { return PQntuples(result.get()); }
  auto Text(int row, int col) const -> std::string { return PQgetvalue(result.get(), row, col); }
};

auto Run(PGconn* conn, const std::string& sql, const std::vector<std::string>& params = {})
    -> Query {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  Query q;
  // Without parameters: the simple protocol, which also runs several statements (the schema).
  q.result.reset(params.empty() ? PQexec(conn, sql.c_str())
                                : PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()),
                                               nullptr, values.data(), nullptr, nullptr, 0));
  ExecStatusType st = q.result ? PQresultStatus(q.result.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return q;
  const char* state = q.result ? PQresultErrorField(q.result.get(), PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  q.outcome = (code == "40001" || code == "40P01") ? Outcome::kRetry : Outcome::kFault;
  q.error = PQerrorMessage(conn);
  while (!q.error.empty() && (q.error.back() == '\n' || q.error.back() == ' ')) q.error.pop_back();
  return q;
}

// `text` as an SQL string literal ('…', quotes and backslashes escaped for this connection).
auto Literal(PGconn* conn, const std::string& text) -> std::string {
  char* quoted = PQescapeLiteral(conn, text.data(), text.size());
  if (!quoted) return "NULL";  // only on out of memory or bad encoding; the statement then fails
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

// A connection per concurrent user, kept for reuse.
class Pool {
 public:
  explicit Pool(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~Pool() {
    for (PGconn* c : idle_) PQfinish(c);
  }
  auto Get(std::string& error) -> PGconn* {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        PGconn* c = idle_.back();
        idle_.pop_back();
        if (PQstatus(c) == CONNECTION_OK) return c;
        PQfinish(c);
      }
    }
    PGconn* c = PQconnectdb(conninfo_.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
      while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
      PQfinish(c);
      return nullptr;
    }
    // Quiet NOTICEs ("relation already exists, skipping") on stderr.
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    return c;
  }
  void Put(PGconn* c) {
    if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) {
      PQfinish(c);
      return;
    }
    std::lock_guard lock(mu_);
    if (idle_.size() >= kMaxPooled) {
      PQfinish(c);
      return;
    }
    idle_.push_back(c);
  }

 private:
  std::string conninfo_;
  std::mutex mu_;
  std::vector<PGconn*> idle_;
};

// A pooled connection for one call.
class Conn {
 public:
  Conn(Pool& pool, std::string& error) : pool_(pool), conn_(pool.Get(error)) {}
  ~Conn() {
    if (conn_) pool_.Put(conn_);
  }
  explicit operator bool() const { return conn_ != nullptr; }
  auto get() const -> PGconn* { return conn_; }

 private:
  Pool& pool_;
  PGconn* conn_;
};

void Backoff(int attempt) {
  thread_local std::mt19937 rng(std::random_device{}());
  int ceiling = std::min(50, 1 + attempt * 2);
  std::this_thread::sleep_for(
      std::chrono::microseconds(std::uniform_int_distribution(200, ceiling * 1000)(rng)));
}

class PostgresLedger final : public Ledger {
 public:
  explicit PostgresLedger(std::string url) : url_(std::move(url)), pool_(url_) {}

  auto Init(std::string& error) -> bool {
    std::string why;
    Conn c(pool_, why);
    if (!c) {
      error = "cannot connect to the PostgreSQL ledger `" + RedactUrl(url_) + "`: " + why;
      return false;
    }
    // The schema is created only when it is not there: its DDL (CREATE INDEX takes a share lock
    // on the table even when the index exists) would otherwise wait for decides in flight.
    const char* version_sql = "SELECT value FROM edict_meta WHERE name = 'schema_version'";
    Query v = Run(c.get(), version_sql);
    if (v.outcome != Outcome::kOk || v.Rows() != 1) {
      // Two processes creating the schema at once may collide on the catalog: try again.
      for (int attempt = 0;; ++attempt) {
        Query q = Run(c.get(), kSchema.c_str());
        if (q.outcome == Outcome::kOk) break;
        if (attempt == 5) {
          error = Where() + "creating the schema: " + q.error;
          return false;
        }
        Backoff(attempt);
      }
      v = Run(c.get(), version_sql);
    }
    if (v.outcome != Outcome::kOk || v.Rows() != 1) {
      error = Where() + "reading the schema version: " + v.error;
      return false;
    }
    if (v.Text(0, 0) != std::to_string(kSchemaVersion)) {
      error = "PostgreSQL ledger `" + RedactUrl(url_) + "` has schema version " + v.Text(0, 0) +
              "; this edict reads version " + std::to_string(kSchemaVersion);
      return false;
    }
    return true;
  }

  auto Register(const PolicyInfo& policy) -> Status override {
    return Transaction([&](PGconn* conn, Status& status) -> Query {
      std::string now = UtcNow();
      for (const CapInfo& cap : policy.caps) {
        Query ins = Run(conn,
                        "INSERT INTO edict_caps VALUES ($1, $2, $3, $4, $5, $6) "
                        "ON CONFLICT (cap) DO NOTHING",
                        {cap.cap, cap.key_shape, cap.window, policy.policy, policy.version, now});
        if (ins.outcome != Outcome::kOk) return ins;
        Query get = Run(conn, "SELECT key_shape, cap_window FROM edict_caps WHERE cap = $1",
                        {cap.cap});
        if (get.outcome != Outcome::kOk) return get;
        if (get.Rows() == 1) {
          status = CheckSameShape({cap.cap, get.Text(0, 0), get.Text(0, 1)}, cap);
          if (!status.ok) return get;
        }
      }
      return {};
    });
  }

  auto Decide(const PolicyInfo& policy, std::string_view id, std::string_view request_digest,
              Evaluation& evaluation, DecideResult& out) -> Status override {
    std::vector<Slot> locked = EstimateSlots(evaluation);
    std::string sid(id), digest(request_digest);
    int rounds = 0;
    return Transaction([&](PGconn* conn, Status& status) -> Query {
      std::string now = UtcNow();
      if (!sid.empty()) {
        Query claim = Run(conn,
                          "INSERT INTO edict_requests VALUES ($1, $2, '', $3, $4, $5) "
                          "ON CONFLICT (id) DO NOTHING RETURNING id",
                          {sid, digest, policy.policy, policy.version, now});
        if (claim.outcome != Outcome::kOk) return claim;
        if (claim.Rows() == 0) {  // decided before (and committed)
          Query prev = Run(conn, "SELECT digest, answer FROM edict_requests WHERE id = $1", {sid});
          if (prev.outcome != Outcome::kOk) return prev;
          if (prev.Rows() != 1) {
            prev.outcome = Outcome::kRetry;  // the other decide rolled back meanwhile
            return prev;
          }
          if (prev.Text(0, 0) != digest) {
            status = Status::Error("idempotency_conflict: request id `" + sid +
                                   "` was decided before with different content");
          } else {
            out.answer = prev.Text(0, 1);
            out.replayed = true;
          }
          return prev;
        }
      }
      for (;;) {
        std::vector<int64_t> usage;
        Query lock = LockSlots(conn, locked, usage);
        if (lock.outcome != Outcome::kOk) return lock;
        LockedRound r = RunLockedRound(evaluation, locked, usage);
        if (!r.stable) {
          // More slots to lock: start over holding all of them, in order. (Only growth counts
          // towards the limit; retries after deadlocks do not.)
          if (++rounds >= kMaxSlotRounds) {
            status = Status::Error(UnsettledSlotsMessage());
            return {};
          }
          locked = std::move(r.grown);
          lock.outcome = Outcome::kRetry;
          lock.error.clear();
          return lock;
        }
        if (!r.error.empty()) {
          status = Status::Error(r.error);
          return {};
        }
        // The writes and COMMIT in one round trip (simple protocol, escaped literals): one
        // statement failing stops the rest, and the transaction is rolled back.
        std::string sql, lit_policy = Literal(conn, policy.policy),
                         lit_version = Literal(conn, policy.version), lit_now = Literal(conn, now),
                         lit_id = sid.empty() ? "NULL" : Literal(conn, sid);
        for (const Recording& rec : r.answer.record) {
          std::string cap = Literal(conn, rec.slot.cap), key = Literal(conn, rec.slot.key),
                      ws = Literal(conn, rec.slot.window_start),
                      amount = std::to_string(rec.amount);
          sql += "UPDATE edict_usage SET usage = usage + " + amount + ", last_policy = " +
                 lit_policy + ", last_version = " + lit_version + " WHERE cap = " + cap +
                 " AND key = " + key + " AND window_start = " + ws + ";\n";
          sql += "INSERT INTO edict_records VALUES (" + lit_id + ", " + cap + ", " + key + ", " +
                 ws + ", " + amount + ", " + lit_policy + ", " + lit_version + ", " + lit_now +
                 ");\n";
        }
        if (!sid.empty()) {
          sql += "UPDATE edict_requests SET answer = " + Literal(conn, r.answer.text) +
                 " WHERE id = " + lit_id + ";\n";
        }
        sql += "COMMIT";
        Query done = Run(conn, sql);
        if (done.outcome != Outcome::kOk) return done;
        done.committed = true;
        out.answer = std::move(r.answer.text);
        out.replayed = false;
        return done;
      }
    }, /*safe_to_resend=*/!sid.empty());
  }

  auto Check(Evaluation& evaluation, std::string& answer) -> Status override {
    std::vector<Slot> locked = EstimateSlots(evaluation);
    return Transaction([&](PGconn* conn, Status& status) -> Query {
      int rounds = 0;
      Query snap = Run(conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      if (snap.outcome != Outcome::kOk) return snap;
      for (;;) {
        if (++rounds > kMaxSlotRounds) {
          status = Status::Error(UnsettledSlotsMessage());
          return {};
        }
        std::vector<int64_t> usage;
        Query read = ReadSlots(conn, locked, usage, /*for_update=*/false);
        if (read.outcome != Outcome::kOk) return read;
        LockedRound r = RunLockedRound(evaluation, locked, usage);
        if (r.stable) {
          answer = std::move(r.answer.text);
          return {};
        }
        locked = std::move(r.grown);
      }
    });
  }

  auto Show(const std::optional<std::string>& cap, std::vector<UsageRow>& rows) -> Status override {
    rows.clear();
    std::string why;
    Conn c(pool_, why);
    if (!c) return Status::Error(Where() + why);
    std::string sql =
        "SELECT u.cap, u.key, u.window_start, COALESCE(c.cap_window, ''), u.usage, u.last_policy, "
        "u.last_version FROM edict_usage u LEFT JOIN edict_caps c ON c.cap = u.cap "
        "WHERE u.last_policy <> ''";  // rows only locked, never recorded into, are not usage
    std::vector<std::string> params;
    if (cap) {
      sql += " AND u.cap = $1";
      params.push_back(*cap);
    }
    Query q = Run(c.get(), sql, params);
    if (q.outcome != Outcome::kOk) return Status::Error(Where() + "reading usage: " + q.error);
    for (int i = 0; i < q.Rows(); ++i) {
      rows.push_back({{q.Text(i, 0), q.Text(i, 1), q.Text(i, 2)}, q.Text(i, 3),
                      std::stoll(q.Text(i, 4)), q.Text(i, 5), q.Text(i, 6)});
    }
    // The ledger's order (bytes), whatever the database's collation.
    std::sort(rows.begin(), rows.end(),
              [](const UsageRow& a, const UsageRow& b) { return a.slot < b.slot; });
    return Status::Ok();
  }

  auto Reset(const std::optional<std::string>& cap) -> Status override {
    return Transaction([&](PGconn* conn, Status&) -> Query {
      std::vector<std::string> sqls, params;
      if (cap) {
        sqls = {"DELETE FROM edict_requests WHERE id IN "
                "(SELECT request_id FROM edict_records WHERE cap = $1)",
                "DELETE FROM edict_records WHERE cap = $1",
                "DELETE FROM edict_usage WHERE cap = $1",
                "DELETE FROM edict_caps WHERE cap = $1"};
        params = {*cap};
      } else {
        sqls = {"DELETE FROM edict_requests", "DELETE FROM edict_records",
                "DELETE FROM edict_usage", "DELETE FROM edict_caps"};
      }
      for (const std::string& sql : sqls) {
        Query q = Run(conn, sql, params);
        if (q.outcome != Outcome::kOk) return q;
      }
      return {};
    });
  }

 private:
  auto Where() const -> std::string { return "PostgreSQL ledger `" + RedactUrl(url_) + "`: "; }

  // Runs `body` in a transaction, again on a serialization failure or deadlock. `body` returns the
  // failed query (or an empty one when it is done) and sets `status` for the caller's own errors
  // (the transaction is then rolled back). When the connection drops during COMMIT the outcome is
  // unknown: `safe_to_resend` (an id'd decide) tries again, and the id settles it.
  template <typename Body>
  auto Transaction(Body&& body, bool safe_to_resend = true) -> Status {
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      std::string why;
      Conn c(pool_, why);
      if (!c) return Status::Error(Where() + why);
      Query begin = Run(c.get(), "BEGIN");
      if (begin.outcome != Outcome::kOk) {
        if (PQstatus(c.get()) != CONNECTION_OK && attempt < 2) continue;  // a stale pooled one
        return Status::Error(Where() + begin.error);
      }
      Status status;
      Query failed = body(c.get(), status);
      if (failed.outcome == Outcome::kOk && status.ok && failed.committed) return Status::Ok();
      if (failed.outcome == Outcome::kOk && status.ok) {
        Query commit = Run(c.get(), "COMMIT");
        if (commit.outcome == Outcome::kOk) return Status::Ok();
        if (commit.outcome == Outcome::kRetry ||
            (PQstatus(c.get()) != CONNECTION_OK && safe_to_resend)) {
          Backoff(attempt);
          continue;
        }
        return Status::Error(Where() + "COMMIT: " + commit.error);
      }
      bool lost = PQstatus(c.get()) != CONNECTION_OK;
      if (!lost) Run(c.get(), "ROLLBACK");
      if (!status.ok) return status;
      if (failed.outcome == Outcome::kRetry || (lost && safe_to_resend)) {
        if (!failed.error.empty()) Backoff(attempt);
        continue;
      }
      return Status::Error(Where() + failed.error);
    }
    return Status::Error(Where() + "gave up after " + std::to_string(kMaxAttempts) +
                         " attempts (serialization failures or deadlocks)");
  }

  // The usage of `slots` (sorted), their rows locked in the (cap, key, window_start) order.
  auto LockSlots(PGconn* conn, const std::vector<Slot>& slots, std::vector<int64_t>& usage)
      -> Query {
    Query q = ReadSlots(conn, slots, usage, /*for_update=*/true);
    if (q.outcome != Outcome::kOk || q.Rows() == static_cast<int>(slots.size())) return q;
    // Create the missing rows (usage 0), then lock them all.
    std::string sql = "INSERT INTO edict_usage VALUES ";
    std::vector<std::string> params;
    for (size_t i = 0; i < slots.size(); ++i) {
      size_t n = params.size();
      sql += (i ? ", " : "") + ("($" + std::to_string(n + 1) + ", $" + std::to_string(n + 2) +
                                ", $" + std::to_string(n + 3) + ", 0, '', '')");
      params.insert(params.end(), {slots[i].cap, slots[i].key, slots[i].window_start});
    }
    sql += " ON CONFLICT (cap, key, window_start) DO NOTHING";
    Query ins = Run(conn, sql, params);
    if (ins.outcome != Outcome::kOk) return ins;
    return ReadSlots(conn, slots, usage, /*for_update=*/true);
  }

  auto ReadSlots(PGconn* conn, const std::vector<Slot>& slots, std::vector<int64_t>& usage,
                 bool for_update) -> Query {
    usage.assign(slots.size(), 0);
    if (slots.empty()) return {};
    std::string sql = "SELECT cap, key, window_start, usage FROM edict_usage "
                      "WHERE (cap, key, window_start) IN (";
    std::vector<std::string> params;
    for (size_t i = 0; i < slots.size(); ++i) {
      size_t n = params.size();
      sql += (i ? ", " : "") + ("($" + std::to_string(n + 1) + ", $" + std::to_string(n + 2) +
                                ", $" + std::to_string(n + 3) + ")");
      params.insert(params.end(), {slots[i].cap, slots[i].key, slots[i].window_start});
    }
    sql += ") ORDER BY cap, key, window_start";
    if (for_update) sql += " FOR UPDATE";
    Query q = Run(conn, sql, params);
    if (q.outcome != Outcome::kOk) return q;
    for (int r = 0; r < q.Rows(); ++r) {
      Slot s{q.Text(r, 0), q.Text(r, 1), q.Text(r, 2)};
      auto it = std::lower_bound(slots.begin(), slots.end(), s);
      if (it != slots.end() && *it == s) {
        usage[static_cast<size_t>(it - slots.begin())] = std::stoll(q.Text(r, 3));
      }
    }
    return q;
  }

  std::string url_;
  Pool pool_;
};

}  // namespace

auto OpenPostgres(std::string_view url, std::string& error) -> std::unique_ptr<Ledger> {
  auto ledger = std::make_unique<PostgresLedger>(std::string(url));
  if (!ledger->Init(error)) return nullptr;
  return ledger;
}

}  // namespace edict::ledger::internal
