// The hand-written AI diffusion evaluator; see ai_diffusion_baseline.h. Every line below is
// traced to a declaration of policies/ai_diffusion/2025-01-15.edict.
#include "ai_diffusion_baseline.h"

namespace edict::bench::ai_diffusion {
namespace {

inline constexpr int64_t kTier2AllocationTpp = 790'000'000;  // TIER2_ALLOCATION_TPP
inline constexpr int64_t kLppLimitTpp = 26'900'000;          // LPP_LIMIT_TPP
inline constexpr double kH100Tpp = 15831.2;                  // H100_TPP
inline constexpr double kFrontierOps = 1e26;                 // ModelClass: frontier >= 1e26

// tiers Tier of Country: tier1 and tier3 listed, tier2 otherwise.
constexpr std::array<Tier, kCountryCount> kTierTable = [] {
  using enum Country;
  std::array<Tier, kCountryCount> t{};
  t.fill(Tier::tier2);
  for (Country c : {US, AU, BE, CA, DK, FI, FR, DE, IE, IT, JP, NL, NZ, NO, KR, ES, SE, TW, GB}) {
    t[static_cast<size_t>(c)] = Tier::tier1;
  }
  for (Country c : {MO, HK, AF, BY, MM, KH, CF, CN, CD, CU, ER, HT, IR, IQ, KP, LB, LY, NI, RU,
                    SO, SS, SD, SY, VE, ZW}) {
    t[static_cast<size_t>(c)] = Tier::tier3;
  }
  return t;
}();

constexpr int Count(Tier tier) {
  int n = 0;
  for (Tier t : kTierTable) n += t == tier ? 1 : 0;
  return n;
}
static_assert(Count(Tier::tier1) == 19 && Count(Tier::tier3) == 25 && Count(Tier::tier2) == 205);

inline constexpr uint8_t Bit(int i) { return static_cast<uint8_t>(1u << i); }

[[gnu::always_inline]] inline int Fail(Result* r, int32_t code, int8_t cap) {
  *r = Result{};
  r->error = code;
  r->error_cap = cap;
  r->outcome = -1;
  r->record[kTier2Allocation] = -1;
  r->record[kLpp] = -1;
  return code;
}

[[gnu::always_inline]] inline int EvaluateInline(const Input& in, const Usage& usage,
                                                 int32_t today, Result* r) {
  // The policy: effective 2025-01-13, no expiry.
  if (today < kEffective) return Fail(r, kErrNotInForce, -1);

  const Tier dt = kTierTable[static_cast<size_t>(in.destination)];
  const Tier ht = kTierTable[static_cast<size_t>(in.headquarters)];
  const bool gpu = in.item == Item::gpu;
  const bool frontier = in.training_ops >= kFrontierOps;  // ModelClass(training_ops) == frontier

  // Lets.
  const bool covered_item = gpu || frontier;
  const bool lpp_candidate = gpu && dt != Tier::tier3;

  // cap lpp: applies = lpp_candidate (never exempted). Its core (key, limit, amount, the
  // overflow check) is what `exceeds(lpp)` evaluates first, whether through lpp_fits in
  // `over_allocation`'s cap defeaters or in `lpp_notice`.
  bool lpp_exceeds = false;
  if (lpp_candidate) {
    if (in.tpp < 0) return Fail(r, kErrNegativeAmount, kLpp);
    int64_t total;
    if (__builtin_add_overflow(usage.lpp, in.tpp, &total)) return Fail(r, kErrIntOverflow, kLpp);
    lpp_exceeds = total > kLppLimitTpp;
  }
  const bool lpp_fits = lpp_candidate && !lpp_exceeds;

  // Exemptions (applies = condition and no applying defeater).
  const bool restricted_exceptions = ht == Tier::tier3 || dt == Tier::tier3;
  const bool published_weights = in.item == Item::open_weights;
  const bool aia_chips = gpu && dt == Tier::tier1 && ht == Tier::tier1;
  const bool aia_weights = in.item == Item::closed_weights && ht == Tier::tier1 &&
                           !restricted_exceptions;
  const bool lpp_exception = lpp_fits && !restricted_exceptions;
  const bool uveu_headquarters_test = ht != Tier::tier1;
  const bool uveu_authorization = gpu && in.end_user == EndUser::uveu && dt == Tier::tier2 &&
                                  !uveu_headquarters_test;
  const bool nveu_headquarters_test = ht == Tier::tier3;
  const bool nveu_authorization = gpu && in.end_user == EndUser::nveu && dt == Tier::tier2 &&
                                  !nveu_headquarters_test;

  // cap tier2_allocation: applies = item == gpu and destination_tier == tier2, defeated by
  // lpp_exception, uveu_authorization and nveu_authorization. The amount (tpp) is >= 0 here:
  // gpu and tier2 make lpp_candidate true, and lpp's core has checked it.
  const bool t2_applies = gpu && dt == Tier::tier2 && !lpp_exception && !uveu_authorization &&
                          !nveu_authorization;
  bool t2_exceeds = false;
  if (t2_applies) {
    int64_t total;
    if (__builtin_add_overflow(usage.tier2_allocation, in.tpp, &total)) {
      return Fail(r, kErrIntOverflow, kTier2Allocation);
    }
    t2_exceeds = total > kTier2AllocationTpp;
  }

  // Rules.
  const bool tier3_destination = dt == Tier::tier3 && covered_item && !published_weights;
  const bool tier3_headquarters = ht == Tier::tier3 && covered_item && !published_weights;
  const bool chip_licence = gpu && dt == Tier::tier1 && !aia_chips && !lpp_exception;
  const bool over_allocation = t2_exceeds;
  const bool lpp_notice = lpp_fits && !aia_chips && !restricted_exceptions &&
                          !uveu_authorization && !nveu_authorization;
  const bool weights_control = !gpu && frontier && !published_weights && !aia_weights;

  const uint8_t rules = static_cast<uint8_t>(
      (tier3_destination ? Bit(kTier3Destination) : 0) |
      (tier3_headquarters ? Bit(kTier3Headquarters) : 0) |
      (chip_licence ? Bit(kChipLicence) : 0) | (over_allocation ? Bit(kOverAllocation) : 0) |
      (lpp_notice ? Bit(kLppNotice) : 0) | (weights_control ? Bit(kWeightsControl) : 0));

  // The most restrictive proposed outcome; the deciding rules are the applying ones proposing it.
  Outcome outcome;
  uint8_t deciding;
  constexpr uint8_t kLicenceRules =
      Bit(kTier3Headquarters) | Bit(kChipLicence) | Bit(kOverAllocation) | Bit(kWeightsControl);
  if (tier3_destination) {
    outcome = Outcome::deny;
    deciding = Bit(kTier3Destination);
  } else if (rules & kLicenceRules) {
    outcome = Outcome::license_required;
    deciding = rules & kLicenceRules;
  } else if (lpp_notice) {
    outcome = Outcome::notify;
    deciding = Bit(kLppNotice);
  } else {
    outcome = Outcome::allow;
    deciding = 0;
  }

  r->error = kOk;
  r->error_cap = -1;
  r->outcome = static_cast<int8_t>(outcome);
  r->rules_applied = rules;
  r->deciding = deciding;
  r->exemptions_applied = static_cast<uint16_t>(
      (published_weights ? 1u << kPublishedWeights : 0u) | (aia_chips ? 1u << kAiaChips : 0u) |
      (aia_weights ? 1u << kAiaWeights : 0u) | (lpp_exception ? 1u << kLppException : 0u) |
      (restricted_exceptions ? 1u << kRestrictedExceptions : 0u) |
      (uveu_authorization ? 1u << kUveuAuthorization : 0u) |
      (uveu_headquarters_test ? 1u << kUveuHeadquartersTest : 0u) |
      (nveu_authorization ? 1u << kNveuAuthorization : 0u) |
      (nveu_headquarters_test ? 1u << kNveuHeadquartersTest : 0u));
  r->caps_applied = static_cast<uint8_t>((t2_applies ? Bit(kTier2Allocation) : 0) |
                                         (lpp_candidate ? Bit(kLpp) : 0));
  // record: tier2_allocation on allow and notify, lpp on notify; only when the cap applies.
  r->record[kTier2Allocation] =
      t2_applies && (outcome == Outcome::allow || outcome == Outcome::notify) ? in.tpp : -1;
  r->record[kLpp] = lpp_candidate && outcome == Outcome::notify ? in.tpp : -1;

  // Outputs.
  r->destination_tier = dt;
  r->headquarters_tier = ht;
  const int64_t alloc_left = kTier2AllocationTpp - usage.tier2_allocation;
  const int64_t lpp_left = kLppLimitTpp - usage.lpp;
  r->remaining_allocation = alloc_left > 0 ? alloc_left : 0;
  r->lpp_remaining = lpp_left > 0 ? lpp_left : 0;
  r->h100_equivalents = static_cast<double>(in.tpp) / kH100Tpp;
  r->compliance_required = today >= kComplianceDate;
  return kOk;
}

}  // namespace

auto TierOf(Country c) -> Tier { return kTierTable[static_cast<size_t>(c)]; }

int Evaluate(const Input& in, const Usage& usage, int32_t today, Result* result) {
  return EvaluateInline(in, usage, today, result);
}

size_t EvaluateBatch(size_t n, const Input* in, const Usage* usage, const int32_t* today,
                     Result* results) {
  size_t errors = 0;
  for (size_t i = 0; i < n; ++i) {
    errors += EvaluateInline(in[i], usage[i], today[i], &results[i]) != kOk ? 1 : 0;
  }
  return errors;
}

}  // namespace edict::bench::ai_diffusion
