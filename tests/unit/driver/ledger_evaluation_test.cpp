// The ledger adapter of the driver (compiler/driver/ledger_evaluation.h): how caps, keys, windows
// and requests are named for the ledger, and decides through a real in-memory ledger with each
// engine (the interpreter, the JIT, a module built to a .so and loaded through libedict).
#include "driver/ledger_evaluation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "json/request_codec.h"
#include "testing/compile_helpers.h"

#ifdef EDICT_HAVE_JIT
#include <unistd.h>

#include <cstdlib>

#include "backend/emit.h"
#include "backend/optimize.h"
#include "backend/target.h"
#include "codegen/codegen.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#endif

namespace edict::driver {
namespace {

// A cap keyed by every key type, a cap without key, and a cap whose `applies` reads another
// cap's usage (so the slots settle only after usage is known).
constexpr const char* kPolicy = R"(
policy shop version "3" effective 2025-01-01;
decision Outcome { ok, hold, stop }
default ok;
enum Region { north, south }
input {
  who: string;
  n: int;
  vip: bool = false;
  region: Region;
  since: date;
  qty: int;
}
cap per_customer {
  limit: 10;
  key: who, n, vip, since, region;
  window: month;
  amount: qty;
}
cap total {
  limit: 100;
  window: forever;
  amount: qty;
  record: ok, hold;
}
cap late {
  limit: 5;
  key: region;
  window: day;
  amount: qty;
  applies: usage(total) >= 3;
}
rule over_customer: exceeds(per_customer) => hold;
rule over_late: exceeds(late) => stop;
)";

class LedgerEvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    compiled_ = testing::CompileForEval(kPolicy);
    ASSERT_TRUE(compiled_.result.success) << compiled_.result.ToString();
    ASSERT_EQ(compiled_.verify_error, "");
    m_ = &*compiled_.pir;
  }

  auto Decode(std::string_view json) -> pir::Request {
    json::DecodeResult d = json::DecodeRequest(*m_, json, Date{0});
    EXPECT_TRUE(d.ok()) << d.error->message;
    return d.request;
  }

  testing::EvalCompilation compiled_;
  const pir::Module* m_ = nullptr;
};

constexpr const char* kRequest =
    R"({"input": {"who": "a\"b", "n": -7, "region": "south", "since": "2024-02-29", "qty": 4},
        "today": "2025-03-15"})";

TEST_F(LedgerEvaluationTest, PolicyInfoNamesKeyShapesAndWindows) {
  ledger::PolicyInfo info = LedgerPolicyInfo(*m_);
  EXPECT_EQ(info.policy, "shop");
  EXPECT_EQ(info.version, "3");
  ASSERT_EQ(info.caps.size(), 3u);
  EXPECT_EQ(info.caps[0].cap, "shop.per_customer");
  EXPECT_EQ(info.caps[0].key_shape, "string,int,bool,date,Region");
  EXPECT_EQ(info.caps[0].window, "month");
  EXPECT_EQ(info.caps[1].cap, "shop.total");
  EXPECT_EQ(info.caps[1].key_shape, "");
  EXPECT_EQ(info.caps[1].window, "forever");
  EXPECT_EQ(info.caps[2].window, "day");
}

TEST_F(LedgerEvaluationTest, KeysAreCanonicalJsonArrays) {
  std::unique_ptr<Engine> engine = MakeInterpreterEngine(*m_);
  pir::Request req = Decode(kRequest);
  std::vector<pir::CapSlot> slots = engine->CapSlots(req);
  ASSERT_EQ(slots.size(), 3u);
  ASSERT_TRUE(slots[0].has_key);
  EXPECT_EQ(LedgerKeyText(*m_, 0, slots[0].key), R"(["a\"b", -7, false, "2024-02-29", "south"])");
  EXPECT_EQ(LedgerKeyText(*m_, 1, slots[1].key), "[]");
}

TEST_F(LedgerEvaluationTest, DigestIgnoresSpellingButNotContent) {
  std::string a = LedgerRequestDigest(*m_, Decode(kRequest));
  EXPECT_EQ(a.size(), 32u);
  // Other key order, the default written out: the same content.
  EXPECT_EQ(a, LedgerRequestDigest(*m_, Decode(R"({"today": "2025-03-15", "input": {"qty": 4,
      "vip": false, "since": "2024-02-29", "region": "south", "n": -7, "who": "a\"b"}})")));
  EXPECT_NE(a, LedgerRequestDigest(*m_, Decode(R"({"input": {"who": "a\"b", "n": -7,
      "region": "south", "since": "2024-02-29", "qty": 5}, "today": "2025-03-15"})")));
  EXPECT_NE(a, LedgerRequestDigest(*m_, Decode(R"({"input": {"who": "a\"b", "n": -7,
      "region": "south", "since": "2024-02-29", "qty": 4}, "today": "2025-03-16"})")));
}

TEST_F(LedgerEvaluationTest, UsageKeyProbeSeesOnlyTheTopLevelKey) {
  UsageKeyProbe probe;
  auto has = [&](std::string text) {
    text.append(json::kPadding, '\0');
    return probe.HasUsage(text.data(), text.size() - json::kPadding);
  };
  EXPECT_TRUE(has(R"({"input": {}, "usage": {}})"));
  EXPECT_FALSE(has(R"({"input": {"usage": 1}, "id": "usage"})"));
}

// Decides `requests` one after another through a fresh memory ledger with `engine`; returns the
// answers and the final usage rows.
auto DecideAll(const pir::Module& m, Engine& engine, const std::vector<std::string>& requests,
               std::vector<ledger::UsageRow>& rows) -> std::vector<std::string> {
  std::string error;
  auto ledger = ledger::Ledger::Open("memory:", error);
  EXPECT_TRUE(ledger) << error;
  if (!ledger) return {};
  ledger::PolicyInfo info = LedgerPolicyInfo(m);
  EXPECT_TRUE(ledger->Register(info).ok);
  json::ResultEncoder encoder(m);
  LedgerEvaluation evaluation(m, engine, [&](const pir::Request&, const pir::Result& r,
                                             std::string& out) { encoder.Append(r, {}, out); });
  std::vector<std::string> answers;
  for (const std::string& text : requests) {
    json::DecodeResult d = json::DecodeRequest(m, text, Date{0});
    EXPECT_TRUE(d.ok());
    evaluation.Reset(d.request);
    ledger::DecideResult out;
    ledger::Status st = ledger->Decide(info, d.id.value_or(""), LedgerRequestDigest(m, d.request),
                                       evaluation, out);
    EXPECT_TRUE(st.ok) << st.message;
    answers.push_back(out.answer);
  }
  EXPECT_TRUE(ledger->Show(std::nullopt, rows).ok);
  return answers;
}

auto Requests() -> std::vector<std::string> {
  std::vector<std::string> out;
  // Four requests of 3 for one customer on one day: `late` applies once total usage reaches 3,
  // and its day is full after the second (the third and fourth stop, recording nothing).
  for (int i = 0; i < 4; ++i) {
    out.push_back(R"({"input": {"who": "w", "n": 1, "region": "north", "since": "2025-01-01",)"
                  R"( "qty": 3}, "today": "2025-03-15", "id": "r)" + std::to_string(i) + "\"}");
  }
  // A retry of r1: replayed, nothing recorded.
  out.push_back(out[1]);
  // The next day: a new `late` window, so 3 more fit.
  out.push_back(R"({"input": {"who": "w", "n": 1, "region": "north", "since": "2025-01-01",)"
                R"( "qty": 3}, "today": "2025-03-16"})");
  // 9 + 2 exceeds per_customer: hold, which records into `total` only.
  out.push_back(R"({"input": {"who": "w", "n": 1, "region": "north", "since": "2025-01-01",)"
                R"( "qty": 2}, "today": "2025-03-16"})");
  return out;
}

TEST_F(LedgerEvaluationTest, DecidesRecordWhatResultsSay) {
  std::unique_ptr<Engine> engine = MakeInterpreterEngine(*m_);
  std::vector<ledger::UsageRow> rows;
  std::vector<std::string> answers = DecideAll(*m_, *engine, Requests(), rows);
  ASSERT_EQ(answers.size(), 7u);
  EXPECT_NE(answers[0].find(R"("outcome": "ok")"), std::string::npos) << answers[0];
  EXPECT_NE(answers[0].find(R"("recorded": {"per_customer": 3, "total": 3})"), std::string::npos)
      << answers[0];
  // total is 3 now, so `late` applies and records too.
  EXPECT_NE(answers[1].find(R"("recorded": {"per_customer": 3, "total": 3, "late": 3})"),
            std::string::npos) << answers[1];
  // per_customer: 6 + 3 = 9 fits; late: 3 + 3 > 5 stops.
  EXPECT_NE(answers[2].find(R"("outcome": "stop")"), std::string::npos) << answers[2];
  EXPECT_NE(answers[2].find(R"("recorded": {})"), std::string::npos) << answers[2];
  EXPECT_EQ(answers[4], answers[1]);
  EXPECT_NE(answers[3].find(R"("outcome": "stop")"), std::string::npos) << answers[3];
  EXPECT_NE(answers[5].find(R"("recorded": {"per_customer": 3, "total": 3, "late": 3})"),
            std::string::npos) << answers[5];
  EXPECT_NE(answers[6].find(R"("outcome": "hold")"), std::string::npos) << answers[6];
  EXPECT_NE(answers[6].find(R"("recorded": {"total": 2})"), std::string::npos) << answers[6];

  std::vector<std::string> got;
  for (const ledger::UsageRow& r : rows) {
    got.push_back(r.slot.cap + " " + r.slot.key + " " + r.slot.window_start + " " +
                  std::to_string(r.usage) + " " + r.last_policy + "@" + r.last_version);
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "shop.late [\"north\"] 2025-03-15 3 shop@3",
                     "shop.late [\"north\"] 2025-03-16 3 shop@3",
                     "shop.per_customer [\"w\", 1, false, \"2025-01-01\", \"north\"] "
                     "2025-03-01 9 shop@3",
                     "shop.total [] 0001-01-01 11 shop@3",
                 }));
}

#ifdef EDICT_HAVE_JIT
TEST_F(LedgerEvaluationTest, EveryEngineDecidesAlike) {
  std::unique_ptr<Engine> interp = MakeInterpreterEngine(*m_);
  std::vector<ledger::UsageRow> rows_interp, rows_jit, rows_so;
  std::vector<std::string> expected = DecideAll(*m_, *interp, Requests(), rows_interp);

  std::string error;
  std::unique_ptr<Engine> jit = MakeJitEngine(*m_, error);
  ASSERT_TRUE(jit) << error;
  EXPECT_EQ(DecideAll(*m_, *jit, Requests(), rows_jit), expected);

  // The same policy built to a .so and loaded: its schema (from the descriptor) names the caps
  // and keys the same way.
#ifdef EDICT_BUILTINS_ARCHIVE
  if (std::system("cc --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no cc to link a module";
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> ir = codegen::Codegen(*m_, ctx);
  auto tm = backend::CreateHostTargetMachine(2);
  ASSERT_TRUE(static_cast<bool>(tm)) << llvm::toString(tm.takeError());
  backend::ConfigureModule(*ir, **tm);
  backend::Optimize(*ir, tm->get(), 2);
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("edict-ledger-eval-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string obj = (dir / "shop.o").string(), so = (dir / "libshop.so").string();
  llvm::Error e = backend::EmitToFile(*ir, **tm, backend::EmitKind::Object, obj);
  ASSERT_FALSE(static_cast<bool>(e)) << llvm::toString(std::move(e));
  std::string link = "cc -shared -o " + so + " " + obj + " " EDICT_BUILTINS_ARCHIVE;
  ASSERT_EQ(std::system(link.c_str()), 0) << link;
  std::unique_ptr<ModuleEngine> module = LoadModuleEngine(so, error);
  ASSERT_TRUE(module) << error;
  const pir::Module& schema = module->schema();
  EXPECT_EQ(LedgerPolicyInfo(schema).caps[0].key_shape, "string,int,bool,date,Region");
  EXPECT_EQ(DecideAll(schema, *module, Requests(), rows_so), expected);
  auto key = [](const std::vector<ledger::UsageRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.slot.cap + r.slot.key + r.slot.window_start +
                                             std::to_string(r.usage));
    return out;
  };
  EXPECT_EQ(key(rows_jit), key(rows_interp));
  EXPECT_EQ(key(rows_so), key(rows_interp));
  std::filesystem::remove_all(dir);
#endif
}
#endif

}  // namespace
}  // namespace edict::driver
