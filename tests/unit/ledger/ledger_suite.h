// The ledger tests every back end must pass, as value-parameterised GoogleTest cases over a
// back-end name ("memory", "sqlite", "postgresql"). Included by exactly one .cpp per test binary
// (the PostgreSQL cases live in their own binary, tests/pg/, so that ctest can give them the
// server fixture). Every test uses cap names of its own, so that tests sharing one PostgreSQL
// database never see each other's usage.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "test_evaluation.h"

namespace edict::ledger::testing {

// The connection URL of the test PostgreSQL server: $EDICT_TEST_PG_URL, or the file that the
// pg_start fixture writes. Empty when there is none.
inline auto PostgresUrl() -> std::string {
  if (const char* env = std::getenv("EDICT_TEST_PG_URL"); env && *env) return env;
#ifdef EDICT_PG_URL_FILE
  std::ifstream in(EDICT_PG_URL_FILE);
  std::string url;
  std::getline(in, url);
  return url;
#else
  return "";
#endif
}

// A unique, readable name per test: cap names and ids never collide between tests or runs.
inline auto TestTag() -> std::string {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string tag = std::string(info->test_suite_name()) + "_" + info->name();
  for (char& c : tag) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return tag + "_" + std::to_string(getpid());
}

// One line of edict_ledger_stress output.
struct StressLine {
  std::string id;
  int64_t recorded = 0;
  bool replayed = false;
};

inline auto ParseStress(const std::string& text, bool* partial_last = nullptr)
    -> std::vector<StressLine> {
  std::vector<StressLine> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {  // the process died while printing: not an answer
      if (partial_last) *partial_last = true;
      break;
    }
    std::istringstream in(text.substr(pos, nl - pos));
    StressLine l;
    int replayed = 0;
    if (in >> l.id >> l.recorded >> replayed) {
      l.replayed = replayed != 0;
      lines.push_back(l);
    }
    pos = nl + 1;
  }
  return lines;
}

// Runs edict_ledger_stress with `args`; its stdout in `out`, its exit status returned.
inline auto RunStress(const std::vector<std::string>& args, std::string& out) -> int {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    std::string exe = EDICT_LEDGER_STRESS;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class LedgerSuite : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string& kind = GetParam();
    if (kind == "memory") {
      url_ = "memory:";
    } else if (kind == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / ("edict_ledger_" + TestTag());
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "ledger.db").string();
    } else {
      url_ = PostgresUrl();
      if (url_.empty()) {
        GTEST_SKIP() << "SKIPPED: no PostgreSQL server for the ledger tests (PostgreSQL is not "
                        "installed here, so the pg_start fixture started none; set "
                        "EDICT_TEST_PG_URL to use another server)";
      }
    }
    ledger_ = Open();
    ASSERT_NE(ledger_, nullptr);
    policy_.policy = TestTag();
  }
  void TearDown() override {
    ledger_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  auto Open() -> std::unique_ptr<Ledger> {
    std::string error;
    auto l = Ledger::Open(url_, error);
    EXPECT_NE(l, nullptr) << error;
    return l;
  }

  // Decides `amount` with `id`; the answer's recorded amount.
  auto DecideAmount(Ledger& l, const BudgetPolicy& p, int64_t amount, const std::string& id = "",
                    bool* replayed = nullptr) -> int64_t {
    BudgetEvaluation ev(p, amount);
    DecideResult r;
    // Ids are global to a ledger: a PostgreSQL database outlives one test.
    std::string full_id = id.empty() ? "" : policy_.policy + "/" + id;
    Status s = l.Decide(p.Info(), full_id, std::to_string(amount), ev, r);
    EXPECT_TRUE(s.ok) << s.message;
    if (replayed) *replayed = r.replayed;
    return RecordedAmount(r.answer);
  }

  // Processes racing one key: `procs` stress processes of `threads` threads each.
  void ProcessRace(int procs, int threads, int count, int64_t limit, int64_t amount,
                   const std::string& id_prefix, std::vector<StressLine>& lines) {
    std::vector<std::thread> runners;
    std::vector<std::string> outs(procs);
    std::vector<int> codes(procs);
    for (int i = 0; i < procs; ++i) {
      runners.emplace_back([&, i] {
        std::string prefix = id_prefix[0] == '='
                                 ? id_prefix
                                 : policy_.policy + "/" + id_prefix + "p" + std::to_string(i);
        codes[i] = RunStress({url_, "race", policy_.policy, std::to_string(limit),
                              std::to_string(amount), std::to_string(threads),
                              std::to_string(count), prefix},
                             outs[i]);
      });
    }
    for (auto& r : runners) r.join();
    for (int i = 0; i < procs; ++i) {
      ASSERT_EQ(codes[i], 0) << "stress process " << i << " failed";
      auto more = ParseStress(outs[i]);
      ASSERT_EQ(more.size(), static_cast<size_t>(threads * count));
      lines.insert(lines.end(), more.begin(), more.end());
    }
  }

  auto IsDurable() const -> bool { return GetParam() != "memory"; }

  std::string url_;
  std::filesystem::path dir_;
  std::unique_ptr<Ledger> ledger_;
  BudgetPolicy policy_;
};

TEST_P(LedgerSuite, DecideRecordsUpToTheLimitThenAnswersOver) {
  policy_.limit = 10;
  ASSERT_TRUE(ledger_->Register(policy_.Info()).ok);
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 6), 6);
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 5), 0);  // 6 + 5 > 10
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 4), 4);  // exactly the limit
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 1), 0);
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 10);
}

TEST_P(LedgerSuite, CheckReadsUsageAndRecordsNothing) {
  policy_.limit = 10;
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 7), 7);
  BudgetEvaluation fits(policy_, 3), over(policy_, 4);
  std::string answer;
  ASSERT_TRUE(ledger_->Check(fits, answer).ok);
  EXPECT_EQ(RecordedAmount(answer), 3);
  ASSERT_TRUE(ledger_->Check(over, answer).ok);
  EXPECT_EQ(RecordedAmount(answer), 0);
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 7);
}

TEST_P(LedgerSuite, ThreadsRacingNearTheLimitNeverOverspend) {
  policy_.limit = 1000;
  ASSERT_EQ(DecideAmount(*ledger_, policy_, 900), 900);
  constexpr int kThreads = 8, kEach = 10;
  std::atomic<int64_t> answered{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        answered += DecideAmount(*ledger_, policy_, 3 + (t + i) % 5,
                                 "race-" + std::to_string(t) + "-" + std::to_string(i));
      }
    });
  }
  for (auto& th : pool) th.join();
  int64_t usage = UsageOf(*ledger_, policy_.Budget());
  EXPECT_LE(usage, 1000);
  EXPECT_EQ(usage, 900 + answered.load());
  EXPECT_GT(usage, 1000 - 7);  // 8 × 10 requests of 3..7 fill the last 100 units
}

TEST_P(LedgerSuite, SameIdTwiceIsCountedOnce) {
  bool replayed = true;
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 5, "order-1", &replayed), 5);
  EXPECT_FALSE(replayed);
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 5, "order-1", &replayed), 5);
  EXPECT_TRUE(replayed);
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 5);
  // A reopened ledger remembers the answer too (except memory:, which is the process).
  if (IsDurable()) {
    ledger_.reset();
    ledger_ = Open();
    EXPECT_EQ(DecideAmount(*ledger_, policy_, 5, "order-1", &replayed), 5);
    EXPECT_TRUE(replayed);
    EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 5);
  }
}

TEST_P(LedgerSuite, ReplayReturnsTheFirstAnswerEvenWhenUsageChanged) {
  policy_.limit = 10;
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 8, "big"), 8);
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 2, "small"), 2);
  bool replayed = false;
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 8, "big", &replayed), 8);  // now over, still replayed
  EXPECT_TRUE(replayed);
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 10);
}

TEST_P(LedgerSuite, SameIdConcurrentlyIsCountedOnce) {
  constexpr int kThreads = 8;
  std::vector<int64_t> got(kThreads);
  std::vector<int> replays(kThreads);
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      bool replayed = false;
      got[t] = DecideAmount(*ledger_, policy_, 9, "same", &replayed);
      replays[t] = replayed;
    });
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], 9);
  EXPECT_EQ(std::count(replays.begin(), replays.end(), 0), 1);  // exactly one recorded
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 9);
}

TEST_P(LedgerSuite, SameIdWithOtherContentIsAConflict) {
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 5, "order-7"), 5);
  BudgetEvaluation ev(policy_, 6);
  DecideResult r;
  Status s = ledger_->Decide(policy_.Info(), policy_.policy + "/order-7", "6", ev, r);
  ASSERT_FALSE(s.ok);
  EXPECT_EQ(s.message.rfind("idempotency_conflict:", 0), 0u) << s.message;
  EXPECT_NE(s.message.find("order-7"), std::string::npos) << s.message;
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 5);
}

TEST_P(LedgerSuite, RequestsWithoutIdAreEachCounted) {
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 3), 3);
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 3), 3);
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 6);
}

TEST_P(LedgerSuite, EachWindowHasItsOwnRowAndOldOnesAreKept) {
  policy_.limit = 10;
  BudgetPolicy jan = policy_, feb = policy_;
  jan.window_start = "2026-01-01";
  feb.window_start = "2026-02-01";
  EXPECT_EQ(DecideAmount(*ledger_, jan, 10), 10);
  EXPECT_EQ(DecideAmount(*ledger_, jan, 1), 0);
  EXPECT_EQ(DecideAmount(*ledger_, feb, 4), 4);  // a new window starts from zero
  std::vector<UsageRow> rows;
  ASSERT_TRUE(ledger_->Show(jan.Budget().cap, rows).ok);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].slot.window_start, "2026-01-01");
  EXPECT_EQ(rows[0].usage, 10);
  EXPECT_EQ(rows[1].slot.window_start, "2026-02-01");
  EXPECT_EQ(rows[1].usage, 4);
}

TEST_P(LedgerSuite, ASlotThatDependsOnAnotherCapsUsageIsLockedToo) {
  policy_.limit = 10;
  policy_.with_overflow = true;
  policy_.overflow_threshold = 8;
  policy_.overflow_limit = 5;
  ASSERT_TRUE(ledger_->Register(policy_.Info()).ok);
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 8), 8);  // budget 8: overflow applies from now on
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 4), 4);  // 8 + 4 > 10: into overflow
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 2), 2);  // fits the budget again
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 2), 0);  // budget full, overflow 4 + 2 > 5
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 10);
  EXPECT_EQ(UsageOf(*ledger_, policy_.Overflow()), 4);
  // Concurrently: the overflow slot is found only under the lock (the first guess, with usage
  // 0, names the budget alone), and is never overspent either.
  BudgetPolicy q = policy_;
  q.policy += "_race";
  std::atomic<int64_t> answered{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 6; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < 8; ++i) answered += DecideAmount(*ledger_, q, 1);
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(UsageOf(*ledger_, q.Budget()), 10);
  EXPECT_EQ(UsageOf(*ledger_, q.Overflow()), 5);
  EXPECT_EQ(answered.load(), 15);
}

TEST_P(LedgerSuite, RegisterRefusesAnotherShapeForAKnownCap) {
  ASSERT_TRUE(ledger_->Register(policy_.Info()).ok);
  PolicyInfo v2 = policy_.Info();
  v2.version = "2";
  EXPECT_TRUE(ledger_->Register(v2).ok);  // same name, same shape: continues the usage
  PolicyInfo other = v2;
  other.caps[0].key_shape = "string";
  Status s = ledger_->Register(other);
  ASSERT_FALSE(s.ok);
  EXPECT_NE(s.message.find("`" + other.caps[0].cap + "`"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("key (Country) and window forever"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("key (string) and window forever"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("reset"), std::string::npos) << s.message;
  PolicyInfo monthly = v2;
  monthly.caps[0].window = "month";
  EXPECT_FALSE(ledger_->Register(monthly).ok);
  // After a reset of the cap, the new shape is accepted.
  ASSERT_TRUE(ledger_->Reset(other.caps[0].cap).ok);
  EXPECT_TRUE(ledger_->Register(other).ok) << ledger_->Register(other).message;
}

TEST_P(LedgerSuite, ANewVersionContinuesTheUsageAndShowNamesWhoRecorded) {
  policy_.limit = 10;
  ASSERT_TRUE(ledger_->Register(policy_.Info()).ok);
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 6), 6);
  BudgetPolicy v2 = policy_;
  v2.version = "2";
  ASSERT_TRUE(ledger_->Register(v2.Info()).ok);
  EXPECT_EQ(DecideAmount(*ledger_, v2, 6), 0);  // 6 already used by version 1
  EXPECT_EQ(DecideAmount(*ledger_, v2, 4), 4);
  std::vector<UsageRow> rows;
  ASSERT_TRUE(ledger_->Show(v2.Budget().cap, rows).ok);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].usage, 10);
  EXPECT_EQ(rows[0].window, "forever");
  EXPECT_EQ(rows[0].last_policy, policy_.policy);
  EXPECT_EQ(rows[0].last_version, "2");
}

TEST_P(LedgerSuite, ResetOfOneCapForgetsItsUsageAndAnswersOnly) {
  BudgetPolicy a = policy_, b = policy_;
  b.policy += "_b";
  EXPECT_EQ(DecideAmount(*ledger_, a, 5, a.policy + "-r1"), 5);
  EXPECT_EQ(DecideAmount(*ledger_, b, 7, b.policy + "-r2"), 7);
  ASSERT_TRUE(ledger_->Reset(a.Budget().cap).ok);
  EXPECT_EQ(UsageOf(*ledger_, a.Budget()), 0);
  EXPECT_EQ(UsageOf(*ledger_, b.Budget()), 7);
  bool replayed = true;
  EXPECT_EQ(DecideAmount(*ledger_, a, 5, a.policy + "-r1", &replayed), 5);
  EXPECT_FALSE(replayed);  // the answer was forgotten with the usage
  EXPECT_EQ(DecideAmount(*ledger_, b, 7, b.policy + "-r2", &replayed), 7);
  EXPECT_TRUE(replayed);
  std::vector<UsageRow> rows;
  ASSERT_TRUE(ledger_->Show(std::nullopt, rows).ok);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_LT(rows[i - 1].slot, rows[i].slot);
}

// An evaluation that records a negative amount, or one that passes INT64_MAX.
class BadEvaluation final : public Evaluation {
 public:
  BadEvaluation(Slot slot, int64_t amount) : slot_(std::move(slot)), amount_(amount) {}
  auto Slots(const UsageFn&) -> std::vector<Slot> override { return {slot_}; }
  auto Evaluate(const UsageFn&) -> Answer override { return {"{}", {{slot_, amount_}}}; }

 private:
  Slot slot_;
  int64_t amount_;
};

TEST_P(LedgerSuite, AnAmountThatCannotBeRecordedFailsTheDecideAndRecordsNothing) {
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 5), 5);
  DecideResult r;
  BadEvaluation negative(policy_.Budget(), -3);
  Status s = ledger_->Decide(policy_.Info(), policy_.policy + "/bad-1", "x", negative, r);
  ASSERT_FALSE(s.ok);
  EXPECT_NE(s.message.find("negative amount (-3) into cap `" + policy_.Budget().cap + "`"),
            std::string::npos) << s.message;
  BadEvaluation huge(policy_.Budget(), INT64_MAX - 2);
  s = ledger_->Decide(policy_.Info(), policy_.policy + "/bad-2", "x", huge, r);
  ASSERT_FALSE(s.ok);
  EXPECT_NE(s.message.find("past the largest 64-bit integer"), std::string::npos) << s.message;
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 5);
  // The failed id was not remembered: a good request with it is decided normally.
  bool replayed = true;
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 2, "bad-1", &replayed), 2);
  EXPECT_FALSE(replayed);
}

// Names, keys and answers with quotes, backslashes, semicolons and non-ASCII text are stored
// and given back byte for byte (the PostgreSQL back end sends some of them as escaped literals).
class EchoEvaluation final : public Evaluation {
 public:
  EchoEvaluation(Slot slot, std::string text) : slot_(std::move(slot)), text_(std::move(text)) {}
  auto Slots(const UsageFn&) -> std::vector<Slot> override { return {slot_}; }
  auto Evaluate(const UsageFn&) -> Answer override { return {text_, {{slot_, 2}}}; }

 private:
  Slot slot_;
  std::string text_;
};

TEST_P(LedgerSuite, AwkwardTextIsStoredByteForByte) {
  Slot slot{policy_.policy + ".o'neil\\cap", R"(["it's", "a\\b; DROP TABLE x; --", "Zürich"])",
            "2026-01-01"};
  std::string text = R"({"outcome":"ok","note":"it's \\ 'quoted'; -- Zürich"})";
  PolicyInfo info{policy_.policy + "'", "v'1\\", {}};
  EchoEvaluation ev(slot, text);
  DecideResult r;
  std::string id = policy_.policy + "/id'\\;";
  ASSERT_TRUE(ledger_->Decide(info, id, "d'", ev, r).ok);
  EXPECT_EQ(r.answer, text);
  ASSERT_TRUE(ledger_->Decide(info, id, "d'", ev, r).ok);
  EXPECT_TRUE(r.replayed);
  EXPECT_EQ(r.answer, text);
  std::vector<UsageRow> rows;
  ASSERT_TRUE(ledger_->Show(slot.cap, rows).ok);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].slot, slot);
  EXPECT_EQ(rows[0].usage, 2);
  EXPECT_EQ(rows[0].last_policy, info.policy);
  EXPECT_EQ(rows[0].last_version, info.version);
}

// An evaluation whose slots never settle: every call names a slot never named before.
class RestlessEvaluation final : public Evaluation {
 public:
  explicit RestlessEvaluation(std::string cap) : cap_(std::move(cap)) {}
  auto Slots(const UsageFn&) -> std::vector<Slot> override {
    return {{cap_, "[\"k" + std::to_string(calls_++) + "\"]", "0001-01-01"}};
  }
  auto Evaluate(const UsageFn&) -> Answer override { return {"{}", {}}; }

 private:
  std::string cap_;
  int calls_ = 0;
};

TEST_P(LedgerSuite, SlotsThatNeverSettleAreAnErrorNotALoop) {
  RestlessEvaluation restless(policy_.policy + ".budget");
  DecideResult r;
  Status s = ledger_->Decide(policy_.Info(), policy_.policy + "/restless", "x", restless, r);
  ASSERT_FALSE(s.ok);
  EXPECT_NE(s.message.find("did not settle"), std::string::npos) << s.message;
  std::string answer;
  s = ledger_->Check(restless, answer);
  ASSERT_FALSE(s.ok);
  EXPECT_NE(s.message.find("did not settle"), std::string::npos) << s.message;
  bool replayed = true;
  EXPECT_EQ(DecideAmount(*ledger_, policy_, 2, "restless", &replayed), 2);  // id not taken
  EXPECT_FALSE(replayed);
}

// Back ends shared by processes and durable across a crash: sqlite and postgresql.
class DurableLedgerSuite : public LedgerSuite {};

TEST_P(DurableLedgerSuite, ProcessesRacingNearTheLimitNeverOverspend) {
  constexpr int64_t kLimit = 500;
  policy_.limit = kLimit;
  ASSERT_EQ(DecideAmount(*ledger_, policy_, 400), 400);
  std::vector<StressLine> lines;
  ProcessRace(/*procs=*/3, /*threads=*/2, /*count=*/12, kLimit, /*amount=*/3, "race", lines);
  int64_t answered = 0;
  for (const StressLine& l : lines) answered += l.recorded;
  int64_t usage = UsageOf(*ledger_, policy_.Budget());
  EXPECT_LE(usage, kLimit);
  EXPECT_EQ(usage, 400 + answered);
  EXPECT_EQ(usage, 400 + 99);  // 72 requests of 3 fill 33 of them: 499, the 34th would pass 500
}

TEST_P(DurableLedgerSuite, ProcessesDecidingOneIdCountItOnce) {
  std::vector<StressLine> lines;
  ProcessRace(/*procs=*/3, /*threads=*/2, /*count=*/3, /*limit=*/1000, /*amount=*/11,
              "=" + policy_.policy + "-same", lines);
  ASSERT_EQ(lines.size(), 18u);
  int fresh = 0;
  for (const StressLine& l : lines) {
    EXPECT_EQ(l.recorded, 11);  // every answer is the first one
    fresh += l.replayed ? 0 : 1;
  }
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(UsageOf(*ledger_, policy_.Budget()), 11);
}

// A process deciding in a loop is killed with SIGKILL at random moments. The id it had in flight
// is sent again (idempotency makes the retry exact); the ledger must then hold exactly the sum of
// every answer that was returned, and open cleanly after each kill.
TEST_P(DurableLedgerSuite, KilledMidDecideLosesAndInventsNothing) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  long next = 0;
  int64_t answered = 0;
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      std::string exe = EDICT_LEDGER_STRESS, first = std::to_string(next);
      execl(exe.c_str(), exe.c_str(), url_.c_str(), "loop", policy_.policy.c_str(),
            first.c_str(), "100000000", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    std::string out;
    std::thread reader([&] {
      char buf[4096];
      ssize_t n;
      while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    });
    int wait_ms = std::uniform_int_distribution(50, 400)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    reader.join();
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the loop ended before the kill: " << out;
    auto lines = ParseStress(out);
    for (const StressLine& l : lines) {
      ASSERT_EQ(l.id, policy_.policy + "/crash-" + std::to_string(next)) << "answers out of order";
      answered += l.recorded;
      ++next;
    }
    // The ledger opens cleanly; the request in flight at the kill is sent again.
    ledger_.reset();
    ledger_ = Open();
    ASSERT_NE(ledger_, nullptr);
    BudgetPolicy p = policy_;
    p.limit = INT64_MAX / 2;
    int64_t amount = 1 + next % 7;
    // DecideAmount prefixes POLICY/: the child's id.
    answered += DecideAmount(*ledger_, p, amount, "crash-" + std::to_string(next));
    ++next;
    EXPECT_EQ(UsageOf(*ledger_, p.Budget()), answered) << "after kill " << round;
  }
  EXPECT_GT(next, 5) << "the child never got to decide";
  std::printf("%ld decides in 5 runs killed with SIGKILL, ledger = sum of answers = %lld\n", next,
              static_cast<long long>(answered));
}

}  // namespace edict::ledger::testing
