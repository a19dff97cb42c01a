// The ledger suite against a real PostgreSQL server (the edict_pg fixture, tests/pg/). Skipped,
// with a "SKIPPED: …" line, only when there is no server (PostgreSQL not installed).
#include <libpq-fe.h>

#include "ledger_suite.h"

namespace edict::ledger::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Ledger, LedgerSuite, ::testing::Values("postgresql"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Ledger, DurableLedgerSuite, ::testing::Values("postgresql"),
                         [](const auto& info) { return info.param; });

TEST(LedgerPostgres, AWrongDatabaseNameIsAnErrorNamingTheServer) {
  std::string url = PostgresUrl();
  if (url.empty()) GTEST_SKIP() << "SKIPPED: no PostgreSQL server for the ledger tests";
  url = url.substr(0, url.rfind('/')) + "/no_such_database";
  std::string error;
  EXPECT_EQ(Ledger::Open(url, error), nullptr);
  EXPECT_NE(error.find("cannot connect to the PostgreSQL ledger `" + url + "`"), std::string::npos)
      << error;
  EXPECT_NE(error.find("no_such_database"), std::string::npos) << error;
}

// The audit trail in edict_records: request, slot, amount and the policy version that recorded.
TEST(LedgerPostgres, RecordsKeepWhichPolicyVersionRecordedWhat) {
  std::string url = PostgresUrl();
  if (url.empty()) GTEST_SKIP() << "SKIPPED: no PostgreSQL server for the ledger tests";
  std::string error;
  auto l = Ledger::Open(url, error);
  ASSERT_NE(l, nullptr) << error;
  BudgetPolicy v1;
  v1.policy = TestTag();
  v1.limit = 10;
  BudgetPolicy v2 = v1;
  v2.version = "2";
  DecideResult r;
  BudgetEvaluation a(v1, 6), b(v2, 3), over(v2, 5);
  ASSERT_TRUE(l->Decide(v1.Info(), v1.policy + "/a", "6", a, r).ok);
  ASSERT_TRUE(l->Decide(v2.Info(), v1.policy + "/b", "3", b, r).ok);
  ASSERT_TRUE(l->Decide(v2.Info(), v1.policy + "/c", "5", over, r).ok);  // recorded nothing
  PGconn* conn = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  std::string cap_name = v1.Budget().cap;
  const char* cap = cap_name.c_str();
  PGresult* res = PQexecParams(conn,
                               "SELECT request_id, key, window_start, amount, policy, version "
                               "FROM edict_records WHERE cap = $1 ORDER BY request_id",
                               1, nullptr, &cap, nullptr, nullptr, 0);
  ASSERT_EQ(PQresultStatus(res), PGRES_TUPLES_OK) << PQerrorMessage(conn);
  std::vector<std::string> rows;
  for (int i = 0; i < PQntuples(res); ++i) {
    std::string row;
    for (int c = 0; c < 6; ++c) row += (c ? " " : "") + std::string(PQgetvalue(res, i, c));
    rows.push_back(row);
  }
  PQclear(res);
  PQfinish(conn);
  const std::string& p = v1.policy;
  EXPECT_EQ(rows, (std::vector<std::string>{p + R"(/a ["IL"] 0001-01-01 6 )" + p + " 1",
                                            p + R"(/b ["IL"] 0001-01-01 3 )" + p + " 2"}));
}

}  // namespace
}  // namespace edict::ledger::testing
