// The ledger (runtime/ledger/) with its memory: and sqlite: back ends; the PostgreSQL cases of
// the same suite run in tests/pg/ under the server fixture.
#include <sqlite3.h>
#include <sys/stat.h>

#include "ledger_suite.h"

namespace edict::ledger::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Ledger, LedgerSuite, ::testing::Values("memory", "sqlite"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Ledger, DurableLedgerSuite, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });

auto OpenError(const std::string& url) -> std::string {
  std::string error;
  auto l = Ledger::Open(url, error);
  EXPECT_EQ(l, nullptr) << url;
  return error;
}

TEST(LedgerOpen, UnknownSchemeNamesTheUrlAndTheKnownForms) {
  std::string e = OpenError("mysql://u:secret@h/db");
  EXPECT_NE(e.find("unknown ledger URL `mysql://u:***@h/db`"), std::string::npos) << e;
  EXPECT_EQ(e.find("secret"), std::string::npos) << e;
  EXPECT_NE(e.find("sqlite:PATH"), std::string::npos) << e;
  EXPECT_NE(OpenError("").find("unknown ledger URL ``"), std::string::npos);
}

TEST(LedgerOpen, SqliteWithoutPathIsAnError) {
  EXPECT_NE(OpenError("sqlite:").find("names no file"), std::string::npos);
}

TEST(LedgerOpen, SqliteInAMissingDirectoryNamesTheFile) {
  std::string e = OpenError("sqlite:/nonexistent-dir-edict/ledger.db");
  EXPECT_NE(e.find("cannot open SQLite ledger `/nonexistent-dir-edict/ledger.db`"),
            std::string::npos) << e;
}

TEST(LedgerOpen, SqliteOnAFileThatIsNotADatabaseNamesTheFile) {
  auto path = std::filesystem::temp_directory_path() / ("edict_not_db_" + TestTag());
  { std::ofstream(path) << "this is not a database, only some text long enough to be read\n"; }
  std::string e = OpenError("sqlite:" + path.string());
  EXPECT_NE(e.find("`" + path.string() + "`"), std::string::npos) << e;
  EXPECT_NE(e.find("not a database"), std::string::npos) << e;
  std::filesystem::remove(path);
}

TEST(LedgerOpen, SqliteOnADirectoryNamesIt) {
  auto dir = std::filesystem::temp_directory_path() / ("edict_dir_" + TestTag());
  std::filesystem::create_directories(dir);
  std::string e = OpenError("sqlite:" + dir.string());
  EXPECT_NE(e.find("cannot open SQLite ledger `" + dir.string() + "`"), std::string::npos) << e;
  std::filesystem::remove_all(dir);
}

TEST(LedgerOpen, SqliteInAReadOnlyDirectoryNamesTheFile) {
  if (geteuid() == 0) GTEST_SKIP() << "SKIPPED: root writes into read-only directories";
  auto dir = std::filesystem::temp_directory_path() / ("edict_ro_" + TestTag());
  std::filesystem::create_directories(dir);
  chmod(dir.c_str(), 0555);
  std::string e = OpenError("sqlite:" + (dir / "l.db").string());
  EXPECT_NE(e.find((dir / "l.db").string()), std::string::npos) << e;
  chmod(dir.c_str(), 0755);
  std::filesystem::remove_all(dir);
}

TEST(LedgerOpen, PostgresThatIsNotThereNamesTheServerWithoutThePassword) {
  // Port 1 on loopback: nothing listens there.
  std::string e = OpenError("postgresql://edict:hunter2@127.0.0.1:1/edict?connect_timeout=2");
  EXPECT_NE(e.find("cannot connect to the PostgreSQL ledger `postgresql://edict:***@127.0.0.1:1/"),
            std::string::npos) << e;
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
}

TEST(LedgerSqlite, ANewerSchemaVersionIsRefused) {
  auto dir = std::filesystem::temp_directory_path() / ("edict_schema_" + TestTag());
  std::filesystem::create_directories(dir);
  std::string url = "sqlite:" + (dir / "l.db").string(), error;
  { ASSERT_NE(Ledger::Open(url, error), nullptr) << error; }
  {  // another edict wrote this file: a schema version this one does not know
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "l.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE edict_meta SET value = '99' WHERE name = 'schema_version'",
                           nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  std::string e = OpenError(url);
  EXPECT_NE(e.find("has schema version 99"), std::string::npos) << e;
  std::filesystem::remove_all(dir);
}

// The audit trail: every recorded amount is a row naming the request, the slot, the amount and
// the policy version that recorded it; an answer that records nothing leaves no row.
TEST(LedgerSqlite, RecordsKeepWhichPolicyVersionRecordedWhat) {
  auto dir = std::filesystem::temp_directory_path() / ("edict_audit_" + TestTag());
  std::filesystem::create_directories(dir);
  std::string error;
  {
    auto l = Ledger::Open("sqlite:" + (dir / "l.db").string(), error);
    ASSERT_NE(l, nullptr) << error;
    BudgetPolicy v1;
    v1.limit = 10;
    BudgetPolicy v2 = v1;
    v2.version = "2";
    DecideResult r;
    BudgetEvaluation a(v1, 6), b(v2, 3), over(v2, 5);
    ASSERT_TRUE(l->Decide(v1.Info(), "req-a", "6", a, r).ok);
    ASSERT_TRUE(l->Decide(v2.Info(), "req-b", "3", b, r).ok);
    ASSERT_TRUE(l->Decide(v2.Info(), "req-c", "5", over, r).ok);  // over: recorded nothing
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "l.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT request_id, cap, key, window_start, amount, policy, version "
                               "FROM edict_records ORDER BY request_id",
                               -1, &q, nullptr),
            SQLITE_OK);
  std::vector<std::string> rows;
  while (sqlite3_step(q) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < 7; ++c) {
      row += (c ? " " : "") + std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, c)));
    }
    rows.push_back(row);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  EXPECT_EQ(rows, (std::vector<std::string>{R"(req-a p.budget ["IL"] 0001-01-01 6 p 1)",
                                            R"(req-b p.budget ["IL"] 0001-01-01 3 p 2)"}));
  std::filesystem::remove_all(dir);
}

// Enough ids that every shard of the memory back end's answer table grows several times, and a
// Reset of one cap rebuilds it: every id is still found, and only the reset cap's are forgotten.
TEST(LedgerMemory, ManyIdsAreAllRememberedAcrossGrowthAndReset) {
  std::string error;
  auto l = Ledger::Open("memory:", error);
  ASSERT_NE(l, nullptr) << error;
  BudgetPolicy a, b;
  a.policy = "a";
  b.policy = "b";
  a.limit = b.limit = INT64_MAX / 2;
  constexpr int kIds = 40000;
  auto decide = [&](const BudgetPolicy& p, int i, bool& replayed) {
    BudgetEvaluation ev(p, 1 + i % 3);
    DecideResult r;
    Status s = l->Decide(p.Info(), p.policy + std::to_string(i), std::to_string(1 + i % 3), ev, r);
    EXPECT_TRUE(s.ok) << s.message;
    replayed = r.replayed;
    return RecordedAmount(r.answer);
  };
  int64_t sum_a = 0, sum_b = 0;
  bool replayed = false;
  for (int i = 0; i < kIds; ++i) {
    sum_a += decide(a, i, replayed);
    sum_b += decide(b, i, replayed);
  }
  int fresh = 0;
  for (int i = 0; i < kIds; i += 7) {
    EXPECT_EQ(decide(a, i, replayed), 1 + i % 3);
    fresh += replayed ? 0 : 1;
  }
  EXPECT_EQ(fresh, 0);
  EXPECT_EQ(UsageOf(*l, a.Budget()), sum_a);
  ASSERT_TRUE(l->Reset(a.Budget().cap).ok);
  int replays_a = 0, replays_b = 0;
  for (int i = 0; i < kIds; i += 5) {
    decide(a, i, replayed);
    replays_a += replayed ? 1 : 0;
    decide(b, i, replayed);
    replays_b += replayed ? 1 : 0;
  }
  EXPECT_EQ(replays_a, 0);
  EXPECT_EQ(replays_b, kIds / 5);
  EXPECT_EQ(UsageOf(*l, b.Budget()), sum_b);
}

TEST(LedgerReset, ResetOfEverythingEmptiesTheLedger) {
  for (std::string url : {"memory:", "sqlite"}) {
    auto dir = std::filesystem::temp_directory_path() / ("edict_reset_" + TestTag());
    if (url == "sqlite") {
      std::filesystem::create_directories(dir);
      url = "sqlite:" + (dir / "l.db").string();
    }
    std::string error;
    auto l = Ledger::Open(url, error);
    ASSERT_NE(l, nullptr) << error;
    BudgetPolicy p;
    ASSERT_TRUE(l->Register(p.Info()).ok);
    BudgetEvaluation ev(p, 4);
    DecideResult r;
    ASSERT_TRUE(l->Decide(p.Info(), "x", "4", ev, r).ok);
    ASSERT_TRUE(l->Reset(std::nullopt).ok);
    std::vector<UsageRow> rows;
    ASSERT_TRUE(l->Show(std::nullopt, rows).ok);
    EXPECT_TRUE(rows.empty()) << url;
    ASSERT_TRUE(l->Decide(p.Info(), "x", "4", ev, r).ok);
    EXPECT_FALSE(r.replayed) << url;
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace edict::ledger::testing
