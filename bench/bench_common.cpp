#include "bench_common.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <sstream>
#include <string_view>

#include "driver/compilation.h"
#include "driver/render.h"
#include "interp/interpreter.h"
#include "pir/build_pir.h"

namespace edict::bench {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "edict bench: " << what << "\n";
  std::abort();
}

// Consignee names: "c0" … "c999", alive for the whole process (requests hold string_views).
auto Consignees() -> const std::vector<std::string>& {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int i = 0; i < 1000; ++i) {
      std::string name = std::to_string(i);
      name.insert(name.begin(), 'c');  // not "c" + …: GCC 12 warns falsely (-Wrestrict)
      v.push_back(std::move(name));
    }
    return v;
  }();
  return names;
}

// The 25 countries of bench/gen_requests.py: 9 in tier 1, 10 in tier 2, 6 in tier 3.
constexpr ai::Country kRealisticCountries[] = {
    ai::Country::US, ai::Country::GB, ai::Country::DE, ai::Country::FR, ai::Country::JP,
    ai::Country::IN, ai::Country::AE, ai::Country::SG, ai::Country::BR, ai::Country::SA,
    ai::Country::MX, ai::Country::CN, ai::Country::RU, ai::Country::MO, ai::Country::IR,
    ai::Country::VN, ai::Country::MY, ai::Country::IL, ai::Country::ZA, ai::Country::KR,
    ai::Country::TW, ai::Country::ID, ai::Country::TH, ai::Country::EG, ai::Country::NG};

auto FindEnum(const edict_module& m, std::string_view name) -> int {
  for (uint32_t e = 0; e < m.enum_count; ++e) {
    if (name == m.enums[e].name) return static_cast<int>(e);
  }
  Die("the module has no enum " + std::string(name));
}

void ExpectMembers(const edict_module& m, int e, const std::vector<std::string>& members) {
  const edict_enum& en = m.enums[e];
  if (en.member_count != members.size()) Die(std::string("enum ") + en.name + ": member count");
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i] != en.members[i]) {
      Die(std::string("enum ") + en.name + ": member " + std::to_string(i) + " is " +
          en.members[i] + ", the baseline expects " + members[i]);
    }
  }
}

template <typename T>
void ExpectNames(const char* what, const T* items, uint32_t count,
                 const std::vector<std::string>& names) {
  if (count != names.size()) Die(std::string(what) + ": count differs from the baseline");
  for (uint32_t i = 0; i < count; ++i) {
    if (names[i] != items[i].name) {
      Die(std::string(what) + " " + std::to_string(i) + " is " + items[i].name +
          ", the baseline expects " + names[i]);
    }
  }
}

auto FieldIndex(const edict_module& m, std::string_view name) -> uint32_t {
  for (uint32_t f = 0; f < m.field_count; ++f) {
    if (name == m.fields[f].name) return f;
  }
  Die("the module has no input field " + std::string(name));
}

auto OutputIndex(const edict_module& m, std::string_view name) -> int {
  for (uint32_t o = 0; o < m.output_count; ++o) {
    if (name == m.outputs[o].name) return static_cast<int>(o);
  }
  Die("the module has no output " + std::string(name));
}

auto Describe(const Request& r) -> std::string {
  std::ostringstream s;
  s.precision(17);
  s << "{destination: " << ai::kCountryCodes[static_cast<int>(r.in.destination)]
    << ", headquarters: " << ai::kCountryCodes[static_cast<int>(r.in.headquarters)]
    << ", consignee: \"" << r.in.consignee << "\", item: " << static_cast<int>(r.in.item)
    << ", tpp: " << r.in.tpp << ", end_user: " << static_cast<int>(r.in.end_user)
    << ", training_ops: " << r.in.training_ops << "} usage {tier2_allocation: "
    << r.usage.tier2_allocation << ", lpp: " << r.usage.lpp << "} today " << r.today;
  return s.str();
}

}  // namespace

auto AiDiffusionPath() -> std::string {
  if (const char* p = std::getenv("EDICT_BENCH_POLICY")) return p;
  return std::string(EDICT_SOURCE_DIR) + "/policies/ai_diffusion/2025-01-15.edict";
}

auto StdlibDir() -> std::string {
  if (const char* p = std::getenv("EDICT_STDLIB")) return p;
  return std::string(EDICT_SOURCE_DIR) + "/stdlib";
}

auto LoadPir(const std::string& path) -> pir::Module {
  driver::CompileOptions options;
  options.stdlib_dir = StdlibDir();
  driver::Compilation compilation(options);
  driver::Compilation::Unit& unit = compilation.CompileFile(path);
  if (unit.io_error || !unit.checked || compilation.diags().has_errors() ||
      !unit.checked->is_policy) {
    driver::RenderText(compilation.diags(), driver::RenderOptions{}, std::cerr);
    Die("`" + path + "` does not compile to a policy");
  }
  return pir::BuildPir(*unit.checked, compilation.sources());
}

auto RealisticRequests(size_t n, uint64_t seed) -> std::vector<Request> {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t k) { return static_cast<size_t>(rng() % k); };
  constexpr ai::Item kItems[] = {ai::Item::gpu, ai::Item::gpu, ai::Item::gpu,
                                 ai::Item::closed_weights, ai::Item::open_weights};
  constexpr ai::EndUser kEndUsers[] = {ai::EndUser::none, ai::EndUser::none, ai::EndUser::uveu,
                                       ai::EndUser::nveu};
  constexpr double kOps[] = {1e25, 5e25, 1e26, 3e26};
  std::vector<Request> out(n);
  for (Request& r : out) {
    r.in.destination = kRealisticCountries[pick(std::size(kRealisticCountries))];
    r.in.headquarters = kRealisticCountries[pick(std::size(kRealisticCountries))];
    r.in.consignee = Consignees()[pick(1000)];
    r.in.item = kItems[pick(5)];
    r.in.tpp = r.in.item == ai::Item::gpu ? static_cast<int64_t>(pick(50'000'000)) : 0;
    r.in.end_user = kEndUsers[pick(4)];
    r.in.training_ops = r.in.item == ai::Item::gpu ? 0.0 : kOps[pick(4)];
    r.usage.tier2_allocation = static_cast<int64_t>(pick(800'000'000));
    r.usage.lpp = static_cast<int64_t>(pick(27'000'000));
    r.today = ai::kEffective + 12 + static_cast<int32_t>(pick(350));  // 2025-01-25 … 2026-01-09
  }
  return out;
}

auto AdversarialRequests(size_t n, uint64_t seed) -> std::vector<Request> {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t k) { return static_cast<int64_t>(rng() % k); };
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto country = [&] {
    // Half uniform over all 249, half from the realistic list (tier 1 and 3 are rare otherwise).
    return pick(2) ? static_cast<ai::Country>(pick(ai::kCountryCount))
                   : kRealisticCountries[pick(std::size(kRealisticCountries))];
  };
  // A quantity around the interesting points of a limit `lim` given usage `u`.
  auto amount = [&](int64_t lim, int64_t u) -> int64_t {
    switch (pick(10)) {
      case 0: return pick(1000);
      case 1: return -1 - pick(1'000'000);                  // negative_amount
      case 2: return kMax - pick(3);                         // overflow with any usage
      case 3: return std::max<int64_t>(0, lim - u + pick(5) - 2);  // on the limit
      case 4: return 26'900'000 - u + pick(5) - 2;           // on the LPP limit
      case 5: return 790'000'000 - u + pick(5) - 2;          // on the allocation
      default: return pick(60'000'000);
    }
  };
  auto usage = [&](int64_t lim) -> int64_t {
    switch (pick(8)) {
      case 0: return 0;
      case 1: return lim + pick(3) - 1 < 0 ? 0 : lim + pick(3) - 1;
      case 2: return kMax - pick(100);                        // overflow with any amount
      case 3: return pick(std::numeric_limits<int64_t>::max());
      default: return pick(lim + lim / 8 + 1);
    }
  };
  auto ops = [&]() -> double {
    switch (pick(9)) {
      case 0: return 0.0;
      case 1: return -0.0;
      case 2: return 1e26;
      case 3: return std::nextafter(1e26, 0.0);
      case 4: return std::nextafter(1e26, 1e300);
      case 5: return std::ldexp(static_cast<double>(pick(1 << 20)), static_cast<int>(pick(200)));
      case 6: return -1e26;
      case 7: return std::numeric_limits<double>::max();
      default: return static_cast<double>(pick(1000)) * 1e24;
    }
  };
  std::vector<Request> out(n);
  for (Request& r : out) {
    r.in.destination = country();
    r.in.headquarters = pick(4) == 0 ? r.in.destination : country();
    r.in.consignee = Consignees()[static_cast<size_t>(pick(1000))];
    r.in.item = static_cast<ai::Item>(pick(3));
    r.in.end_user = static_cast<ai::EndUser>(pick(3));
    r.in.training_ops = ops();
    r.usage.tier2_allocation = usage(790'000'000);
    r.usage.lpp = usage(26'900'000);
    r.in.tpp = amount(pick(2) ? 790'000'000 : 26'900'000,
                      pick(2) ? r.usage.tier2_allocation : r.usage.lpp);
    switch (pick(8)) {
      case 0: r.today = ai::kEffective - 1 - static_cast<int32_t>(pick(1000)); break;  // not in force
      case 1: r.today = ai::kEffective; break;
      case 2: r.today = ai::kComplianceDate - 1 + static_cast<int32_t>(pick(3)); break;
      case 3: r.today = 2932896 - static_cast<int32_t>(pick(10)); break;  // 9999-12-31
      default: r.today = ai::kEffective + static_cast<int32_t>(pick(2000)); break;
    }
  }
  return out;
}

AbiMap::AbiMap(const edict_module& m) : m_(m) {
  if (m.abi_version != EDICT_ABI_VERSION) Die("ABI version mismatch");
  std::vector<std::string> countries(ai::kCountryCodes.begin(), ai::kCountryCodes.end());
  ExpectMembers(m, FindEnum(m, "Country"), countries);
  ExpectMembers(m, FindEnum(m, "Item"), {"gpu", "closed_weights", "open_weights"});
  ExpectMembers(m, FindEnum(m, "EndUser"), {"none", "uveu", "nveu"});
  ExpectMembers(m, FindEnum(m, "Tier"), {"tier1", "tier2", "tier3"});
  ExpectMembers(m, m.decision_enum, {"allow", "notify", "license_required", "deny"});
  if (m.default_outcome != 0) Die("default outcome is not allow");
  ExpectNames("rule", m.rules, m.rule_count,
              {"tier3_destination", "tier3_headquarters", "chip_licence", "over_allocation",
               "lpp_notice", "weights_control"});
  ExpectNames("exemption", m.exemptions, m.exemption_count,
              {"published_weights", "aia_chips", "aia_weights", "lpp_exception",
               "restricted_exceptions", "uveu_authorization", "uveu_headquarters_test",
               "nveu_authorization", "nveu_headquarters_test"});
  ExpectNames("cap", m.caps, m.cap_count, {"tier2_allocation", "lpp"});
  if (m.field_count != 7) Die("the module does not have 7 input fields");
  off_destination_ = m.fields[FieldIndex(m, "destination")].offset;
  off_headquarters_ = m.fields[FieldIndex(m, "headquarters")].offset;
  off_consignee_ = m.fields[FieldIndex(m, "consignee")].offset;
  off_item_ = m.fields[FieldIndex(m, "item")].offset;
  off_tpp_ = m.fields[FieldIndex(m, "tpp")].offset;
  off_end_user_ = m.fields[FieldIndex(m, "end_user")].offset;
  off_training_ops_ = m.fields[FieldIndex(m, "training_ops")].offset;
  const char* names[kOutputs] = {"destination_tier", "headquarters_tier", "remaining_allocation",
                                 "lpp_remaining", "h100_equivalents", "compliance_required"};
  if (m.output_count != kOutputs) Die("the module does not have 6 outputs");
  for (int o = 0; o < kOutputs; ++o) {
    out_index_[o] = OutputIndex(m, names[o]);
    out_offset_[o] = m.outputs[out_index_[o]].offset;
  }
}

void AbiMap::Encode(const ai::Input& in, void* slot) const {
  auto* base = static_cast<char*>(slot);
  auto put_i = [&](uint32_t off, int64_t v) { std::memcpy(base + off, &v, 8); };
  put_i(off_destination_, static_cast<int64_t>(in.destination));
  put_i(off_headquarters_, static_cast<int64_t>(in.headquarters));
  edict_str s{in.consignee.data(), in.consignee.size()};
  std::memcpy(base + off_consignee_, &s, sizeof s);
  put_i(off_item_, static_cast<int64_t>(in.item));
  put_i(off_tpp_, in.tpp);
  put_i(off_end_user_, static_cast<int64_t>(in.end_user));
  std::memcpy(base + off_training_ops_, &in.training_ops, 8);
}

auto AbiMap::ToPir(const Request& r) const -> pir::Request {
  pir::Request out;
  out.fields.resize(m_.field_count);
  out.fields[FieldIndex(m_, "destination")] = pir::RtValue::Int(static_cast<int64_t>(r.in.destination));
  out.fields[FieldIndex(m_, "headquarters")] =
      pir::RtValue::Int(static_cast<int64_t>(r.in.headquarters));
  out.fields[FieldIndex(m_, "consignee")] = pir::RtValue::Str(std::string(r.in.consignee));
  out.fields[FieldIndex(m_, "item")] = pir::RtValue::Int(static_cast<int64_t>(r.in.item));
  out.fields[FieldIndex(m_, "tpp")] = pir::RtValue::Int(r.in.tpp);
  out.fields[FieldIndex(m_, "end_user")] = pir::RtValue::Int(static_cast<int64_t>(r.in.end_user));
  out.fields[FieldIndex(m_, "training_ops")] = pir::RtValue::Float(r.in.training_ops);
  out.today = Date{r.today};
  out.usage = {r.usage.tier2_allocation, r.usage.lpp};
  return out;
}

namespace {

// The engine-neutral facts both comparisons check.
struct Facts {
  int32_t error = 0;
  uint32_t line = 0, col = 0;
  int32_t outcome = -1;
  uint64_t rules = 0, deciding = 0, exemptions = 0, caps = 0;
  int64_t record[2] = {-1, -1};
  int64_t ints[6] = {};  // outputs as int64 (tiers, remaining, bool)
  double h100 = 0;
};

auto Diff(const Facts& got, const Facts& want) -> std::string {
  std::ostringstream s;
  s.precision(17);
  auto field = [&](const char* name, auto a, auto b) {
    if (!(a == b)) s << " " << name << ": compiled/interp " << a << " vs baseline " << b << ";";
  };
  field("error", got.error, want.error);
  field("error_line", got.line, want.line);
  field("error_col", got.col, want.col);
  field("outcome", got.outcome, want.outcome);
  if (got.error == 0 && want.error == 0) {
    field("rules_applied", got.rules, want.rules);
    field("deciding", got.deciding, want.deciding);
    field("exemptions_applied", got.exemptions, want.exemptions);
    field("caps_applied", got.caps, want.caps);
  }
  field("record[tier2_allocation]", got.record[0], want.record[0]);
  field("record[lpp]", got.record[1], want.record[1]);
  if (got.error == 0 && want.error == 0) {
    for (int i = 0; i < 6; ++i) {
      if (i != 4) field("output", got.ints[i], want.ints[i]);
    }
    if (std::memcmp(&got.h100, &want.h100, 8) != 0) field("h100_equivalents", got.h100, want.h100);
  }
  return s.str();
}

auto BaselineFacts(const edict_module& m, const ai::Result& b) -> Facts {
  Facts f;
  f.error = b.error;
  if (b.error_cap >= 0) {
    f.line = m.caps[b.error_cap].line;
    f.col = m.caps[b.error_cap].col;
  }
  f.outcome = b.outcome;
  f.record[0] = b.record[0];
  f.record[1] = b.record[1];
  if (b.error != 0) return f;
  f.rules = b.rules_applied;
  f.deciding = b.deciding;
  f.exemptions = b.exemptions_applied;
  f.caps = b.caps_applied;
  f.ints[0] = static_cast<int64_t>(b.destination_tier);
  f.ints[1] = static_cast<int64_t>(b.headquarters_tier);
  f.ints[2] = b.remaining_allocation;
  f.ints[3] = b.lpp_remaining;
  f.ints[5] = b.compliance_required ? 1 : 0;
  f.h100 = b.h100_equivalents;
  return f;
}

}  // namespace

auto AbiMap::Compare(const edict_result* r, const ai::Result& base) const -> std::string {
  Facts f;
  f.error = r->error;
  f.line = r->error_line;
  f.col = r->error_col;
  f.outcome = r->outcome;
  auto bits = [&](uint32_t offset, uint32_t count) {
    uint64_t v = 0;
    for (uint32_t i = 0; i < count; ++i) v |= static_cast<uint64_t>(edict_bit(r, offset, i)) << i;
    return v;
  };
  f.rules = bits(m_.rules_applied_offset, m_.rule_count);
  f.deciding = bits(m_.deciding_offset, m_.rule_count);
  f.exemptions = bits(m_.exemptions_applied_offset, m_.exemption_count);
  f.caps = bits(m_.caps_applied_offset, m_.cap_count);
  f.record[0] = edict_record(&m_, r, 0);
  f.record[1] = edict_record(&m_, r, 1);
  for (int o = 0; o < kOutputs; ++o) {
    const char* slot = static_cast<const char*>(edict_result_at(r, out_offset_[o]));
    if (o == kH100) {
      std::memcpy(&f.h100, slot, 8);
    } else {
      std::memcpy(&f.ints[o], slot, 8);
    }
  }
  return Diff(f, BaselineFacts(m_, base));
}

auto AbiMap::Compare(const pir::Result& r, const ai::Result& base) const -> std::string {
  Facts f;
  f.error = static_cast<int32_t>(r.error);
  f.line = r.error_loc.line;
  f.col = r.error_loc.col;
  f.outcome = r.outcome;
  auto bits = [](const std::vector<bool>& v) {
    uint64_t x = 0;
    for (size_t i = 0; i < v.size(); ++i) x |= static_cast<uint64_t>(v[i]) << i;
    return x;
  };
  f.rules = bits(r.rules_applied);
  f.deciding = bits(r.deciding);
  f.exemptions = bits(r.exemptions_applied);
  f.caps = bits(r.caps_applied);
  if (r.record.size() == 2) {
    f.record[0] = r.record[0];
    f.record[1] = r.record[1];
  }
  if (r.outputs.size() == kOutputs) {
    for (int o = 0; o < kOutputs; ++o) {
      const pir::RtValue& v = r.outputs[out_index_[o]];
      if (o == kH100) {
        f.h100 = v.f;
      } else {
        f.ints[o] = v.i;
      }
    }
  }
  return Diff(f, BaselineFacts(m_, base));
}

auto MakePool(const AbiMap& map, const std::vector<Request>& reqs, bool with_pir) -> Pool {
  const edict_module& m = map.module();
  Pool p;
  p.n = reqs.size();
  p.input_size = m.input_size;
  p.result_size = m.result_size;
  p.inputs.assign(p.n * m.input_size / 8 + 1, 0);
  p.results.assign(p.n * m.result_size / 8 + 1, 0);
  p.usage.resize(p.n * m.cap_count);
  p.today.resize(p.n);
  p.base_results.resize(p.n);
  for (size_t i = 0; i < p.n; ++i) {
    map.Encode(reqs[i].in, reinterpret_cast<char*>(p.inputs.data()) + i * m.input_size);
    p.usage[i * 2] = reqs[i].usage.tier2_allocation;
    p.usage[i * 2 + 1] = reqs[i].usage.lpp;
    p.today[i] = reqs[i].today;
    p.base_inputs.push_back(reqs[i].in);
    p.base_usage.push_back(reqs[i].usage);
    if (with_pir) p.pir_requests.push_back(map.ToPir(reqs[i]));
  }
  return p;
}

void CheckBaseline(const pir::Module& pm, const edict_module& m, size_t n, size_t interp_every) {
  AbiMap map(m);
  size_t checked = 0, interp_checked = 0, errors = 0;
  size_t outcomes[4] = {};
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<Request> reqs =
        pass == 0 ? AdversarialRequests(n, 20250115) : RealisticRequests(n, 20250113);
    std::vector<uint64_t> input(m.input_size / 8 + 1), result(m.result_size / 8 + 1);
    for (size_t i = 0; i < reqs.size(); ++i) {
      const Request& r = reqs[i];
      ai::Result base;
      ai::Evaluate(r.in, r.usage, r.today, &base);
      std::memset(input.data(), 0xAB, input.size() * 8);
      std::memset(result.data(), 0xCD, result.size() * 8);
      map.Encode(r.in, input.data());
      const int64_t usage[2] = {r.usage.tier2_allocation, r.usage.lpp};
      auto* res = reinterpret_cast<edict_result*>(result.data());
      int rc = m.eval(input.data(), usage, r.today, res);
      std::string diff = map.Compare(res, base);
      if (rc != res->error) diff += " return code differs from result->error;";
      if (!diff.empty()) {
        Die("baseline and compiled module differ on " + Describe(r) + ":" + diff);
      }
      if (interp_every != 0 && i % interp_every == 0) {
        pir::Result ir = interp::Evaluate(pm, map.ToPir(r));
        std::string d = map.Compare(ir, base);
        if (!d.empty()) Die("baseline and interpreter differ on " + Describe(r) + ":" + d);
        ++interp_checked;
      }
      ++checked;
      if (base.error != 0) {
        ++errors;
      } else {
        ++outcomes[base.outcome];
      }
    }
  }
  // The batch entry point on a realistic pool agrees with eval too.
  std::vector<Request> reqs = RealisticRequests(4096, 7);
  Pool pool = MakePool(map, reqs, false);
  size_t batch_errors = m.eval_batch(pool.n, pool.inputs.data(), pool.usage.data(),
                                     pool.today.data(), pool.results.data());
  if (batch_errors != 0) Die("eval_batch reported errors on realistic requests");
  for (size_t i = 0; i < pool.n; ++i) {
    ai::Result base;
    ai::Evaluate(reqs[i].in, reqs[i].usage, reqs[i].today, &base);
    std::string diff = map.Compare(pool.result(i), base);
    if (!diff.empty()) Die("baseline and eval_batch differ on " + Describe(reqs[i]) + ":" + diff);
  }
  std::printf(
      "baseline check: %zu requests agree (compiled eval; %zu also interpreter; 4096 eval_batch): "
      "%zu errors, allow %zu, notify %zu, license_required %zu, deny %zu\n",
      checked, interp_checked, errors, outcomes[0], outcomes[1], outcomes[2], outcomes[3]);
}

}  // namespace edict::bench
