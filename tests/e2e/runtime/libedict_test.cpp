// e2e: the modules built by `edict build` (fixture e2e_modules), loaded through libedict
// (runtime/include/edict_runtime.h), against the reference interpreter on the policy's source.
//
//   edict_e2e_libedict_test MODULES_DIR POLICY.edict
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "driver/compilation.h"
#include "edict_runtime.h"
#include "gtest/gtest.h"
#include "interp/interpreter.h"
#include "pir/build_pir.h"

namespace edict {
namespace {

std::string g_modules, g_policy;

auto ModulePath(const char* version) -> std::string {
  return g_modules + "/" + version + "/libai_diffusion.so";
}

// Writes `req` into an input struct laid out by `d` (string slots point into `req`).
void Encode(const edict_module& d, const pir::Request& req, std::vector<uint64_t>& buf) {
  buf.assign(d.input_size / 8 + 1, 0);
  auto* base = reinterpret_cast<char*>(buf.data());
  for (uint32_t f = 0; f < d.field_count; ++f) {
    char* slot = base + d.fields[f].offset;
    const pir::RtValue& v = req.fields[f];
    if (d.fields[f].type.kind == EDICT_TYPE_FLOAT) {
      std::memcpy(slot, &v.f, 8);
    } else if (d.fields[f].type.kind == EDICT_TYPE_STRING) {
      edict_str s{v.s.data(), v.s.size()};
      std::memcpy(slot, &s, sizeof s);
    } else {
      std::memcpy(slot, &v.i, 8);
    }
  }
}

// Reads a result struct back into the interpreter's form.
auto Decode(const edict_module& d, const edict_result* r) -> pir::Result {
  pir::Result out;
  out.error = static_cast<pir::ErrorCode>(r->error);
  out.error_loc = {r->error_line, r->error_col};
  out.outcome = r->outcome;
  if (r->error != EDICT_OK) return out;
  for (uint32_t i = 0; i < d.rule_count; ++i) {
    out.rules_applied.push_back(edict_bit(r, d.rules_applied_offset, i));
    out.deciding.push_back(edict_bit(r, d.deciding_offset, i));
  }
  for (uint32_t i = 0; i < d.exemption_count; ++i)
    out.exemptions_applied.push_back(edict_bit(r, d.exemptions_applied_offset, i));
  for (uint32_t i = 0; i < d.cap_count; ++i) {
    out.caps_applied.push_back(edict_bit(r, d.caps_applied_offset, i));
    out.record.push_back(edict_record(&d, r, i));
  }
  for (uint32_t o = 0; o < d.output_count; ++o) {
    const char* slot = static_cast<const char*>(edict_result_at(r, d.outputs[o].offset));
    pir::RtValue v;
    if (d.outputs[o].type.kind == EDICT_TYPE_FLOAT) std::memcpy(&v.f, slot, 8);
    else std::memcpy(&v.i, slot, 8);
    out.outputs.push_back(v);
  }
  return out;
}

auto Member(const pir::Module& m, const std::string& field, const std::string& member) -> int64_t {
  for (const pir::InputField& f : m.inputs) {
    if (f.name != field) continue;
    const auto& members = m.enums[static_cast<size_t>(f.type.enum_id)].members;
    for (size_t i = 0; i < members.size(); ++i)
      if (members[i] == member) return static_cast<int64_t>(i);
  }
  ADD_FAILURE() << "no member " << member << " of " << field;
  return 0;
}

class LibedictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    driver::CompileOptions options;
    compilation_ = std::make_unique<driver::Compilation>(options);
    driver::Compilation::Unit& unit = compilation_->CompileFile(g_policy);
    ASSERT_TRUE(unit.checked && !compilation_->diags().has_errors()) << g_policy;
    pir_ = pir::BuildPir(*unit.checked, compilation_->sources());
  }

  // Every combination of a few values per field: tiers, headquarters, items, order sizes around
  // the LPP limit, VEUs, training compute around 1e26, usage, and a date before the policy.
  auto Grid() -> std::vector<pir::Request> {
    std::vector<pir::Request> out;
    const char* destinations[] = {"US", "DE", "IN", "AE", "CN", "MO", "BR"};
    const char* headquarters[] = {"US", "IN", "CN", "GB"};
    const char* items[] = {"gpu", "closed_weights", "open_weights"};
    const int64_t tpps[] = {0, 1000, 26'900'000, 26'900'001, 500'000'000};
    const char* end_users[] = {"none", "uveu", "nveu"};
    const double training[] = {0.0, 9.9e25, 1e26};
    const std::vector<int64_t> usages[] = {{0, 0}, {750'000'000, 26'500'000}};
    const Date days[] = {*ParseDate("2025-06-01"), *ParseDate("2025-01-12")};
    for (const char* dst : destinations)
      for (const char* hq : headquarters)
        for (const char* item : items)
          for (int64_t tpp : tpps)
            for (const char* eu : end_users)
              for (double ops : training)
                for (const auto& usage : usages)
                  for (Date today : days) {
                    pir::Request r;
                    r.fields = {pir::RtValue::Int(Member(pir_, "destination", dst)),
                                pir::RtValue::Int(Member(pir_, "headquarters", hq)),
                                pir::RtValue::Str(std::string(hq) + "-consignee"),
                                pir::RtValue::Int(Member(pir_, "item", item)),
                                pir::RtValue::Int(tpp),
                                pir::RtValue::Int(Member(pir_, "end_user", eu)),
                                pir::RtValue::Float(ops)};
                    r.usage = usage;
                    r.today = today;
                    out.push_back(std::move(r));
                  }
    return out;
  }

  std::unique_ptr<driver::Compilation> compilation_;
  pir::Module pir_;
};

TEST_F(LibedictTest, EveryResultEqualsTheInterpreters) {
  edict_library* lib = nullptr;
  edict_error err;
  ASSERT_EQ(edict_library_open(ModulePath("a").c_str(), &lib, &err), EDICT_STATUS_OK) << err.message;
  const edict_module& d = *edict_library_module(lib);
  EXPECT_STREQ(d.name, "ai_diffusion");
  EXPECT_EQ(d.source_hash, pir_.source_hash);
  edict_handle* h = nullptr;
  ASSERT_EQ(edict_handle_open(ModulePath("a").c_str(), &h, &err), EDICT_STATUS_OK) << err.message;

  std::vector<uint64_t> input, result(d.result_size / 8 + 1), via_handle(d.result_size / 8 + 1);
  size_t n = 0, errors = 0;
  for (const pir::Request& req : Grid()) {
    pir::Result expected = interp::Evaluate(pir_, req);
    Encode(d, req, input);
    auto* r = reinterpret_cast<edict_result*>(result.data());
    int code = d.eval(input.data(), req.usage.data(), req.today.days, r);
    EXPECT_EQ(code, static_cast<int>(expected.error));
    ASSERT_EQ(Decode(d, r), expected) << "request " << n;
    auto* hr = reinterpret_cast<edict_result*>(via_handle.data());
    EXPECT_EQ(edict_handle_eval(h, input.data(), req.usage.data(), req.today.days, hr,
                                via_handle.size() * 8),
              code);
    ASSERT_EQ(Decode(d, hr), expected) << "request " << n << " through the handle";
    errors += expected.error != pir::ErrorCode::None;
    ++n;
  }
  EXPECT_EQ(n, 7u * 4 * 3 * 5 * 3 * 3 * 2 * 2);
  EXPECT_EQ(errors, n / 2);  // the requests dated before the policy is in force

  // A result buffer that is too small is refused before evaluating.
  EXPECT_EQ(edict_handle_eval(h, input.data(), nullptr, 20000, reinterpret_cast<edict_result*>(result.data()), 16), -1);
  edict_handle_close(h);
  edict_library_close(lib);
}

TEST_F(LibedictTest, LoaderErrorsAreStatusesWithMessages) {
  edict_library* lib = reinterpret_cast<edict_library*>(1);
  edict_error err;
  std::string missing = g_modules + "/no-such/libai_diffusion.so";
  EXPECT_EQ(edict_library_open(missing.c_str(), &lib, &err), EDICT_STATUS_CANNOT_OPEN);
  EXPECT_EQ(lib, nullptr);
  EXPECT_EQ(err.status, EDICT_STATUS_CANNOT_OPEN);
  EXPECT_NE(std::string(err.message).find(missing), std::string::npos) << err.message;
  EXPECT_STREQ(edict_status_name(EDICT_STATUS_CANNOT_OPEN), "cannot_open");

  std::string text = g_modules + "/not-a-library.so";
  FILE* f = std::fopen(text.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not a library\n", f);
  std::fclose(f);
  EXPECT_EQ(edict_library_open(text.c_str(), &lib, &err), EDICT_STATUS_CANNOT_OPEN);
  EXPECT_EQ(edict_library_open(nullptr, &lib, nullptr), EDICT_STATUS_INVALID_ARGUMENT);

  // A descriptor of another ABI version or a truncated one is refused.
  edict_library* a = nullptr;
  ASSERT_EQ(edict_library_open(ModulePath("a").c_str(), &a, &err), EDICT_STATUS_OK);
  edict_module copy = *edict_library_module(a);
  copy.abi_version = 2;
  EXPECT_EQ(edict_module_check(&copy, &err), EDICT_STATUS_ABI_MISMATCH);
  EXPECT_NE(std::string(err.message).find("ABI version 2"), std::string::npos) << err.message;
  copy.abi_version = EDICT_ABI_VERSION;
  copy.struct_size = 8;
  EXPECT_EQ(edict_module_check(&copy, &err), EDICT_STATUS_ABI_MISMATCH);
  edict_library_close(a);
}

TEST_F(LibedictTest, SwapRefusesAnotherLayoutAndKeepsTheOldModule) {
  edict_handle* h = nullptr;
  edict_error err;
  ASSERT_EQ(edict_handle_open(ModulePath("a").c_str(), &h, &err), EDICT_STATUS_OK);
  std::string other = g_modules + "/other/libai_diffusion.so";
  EXPECT_EQ(edict_handle_swap(h, other.c_str(), &err), EDICT_STATUS_INCOMPATIBLE);
  EXPECT_NE(std::string(err.message).find("input fields"), std::string::npos) << err.message;
  EXPECT_EQ(edict_handle_generation(h), 0u);
  edict_lease lease;
  EXPECT_STREQ(edict_handle_acquire(h, &lease)->version, "2025-01-15");
  edict_handle_release(h, &lease);

  EXPECT_EQ(edict_handle_swap(h, ModulePath("b").c_str(), &err), EDICT_STATUS_OK) << err.message;
  EXPECT_EQ(edict_handle_generation(h), 1u);
  EXPECT_STREQ(edict_handle_acquire(h, &lease)->version, "2025-01-15-b");
  edict_handle_release(h, &lease);
  edict_handle_close(h);
}

// A module rebuilt in place (a new file renamed over the old path) is really reloaded, although
// the dynamic loader already has a library of that name.
TEST_F(LibedictTest, SwapReloadsAModuleReplacedAtTheSamePath) {
  std::string dir = g_modules + "/in-place";
  std::filesystem::create_directories(dir);
  std::string path = dir + "/libai_diffusion.so";
  std::filesystem::copy_file(ModulePath("a"), path, std::filesystem::copy_options::overwrite_existing);
  edict_handle* h = nullptr;
  edict_error err;
  ASSERT_EQ(edict_handle_open(path.c_str(), &h, &err), EDICT_STATUS_OK) << err.message;
  std::filesystem::copy_file(ModulePath("b"), path + ".new", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(path + ".new", path);
  ASSERT_EQ(edict_handle_swap(h, path.c_str(), &err), EDICT_STATUS_OK) << err.message;
  edict_lease lease;
  EXPECT_STREQ(edict_handle_acquire(h, &lease)->version, "2025-01-15-b");
  edict_handle_release(h, &lease);
  edict_handle_close(h);
}

}  // namespace
}  // namespace edict

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODULES_DIR POLICY.edict\n", argv[0]);
    return 2;
  }
  edict::g_modules = argv[1];
  edict::g_policy = argv[2];
  return RUN_ALL_TESTS();
}
