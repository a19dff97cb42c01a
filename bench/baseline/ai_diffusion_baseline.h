// A hand-written C++ evaluator of policies/ai_diffusion/2025-01-15.edict: the fair baseline that
// the compiled evaluator is measured against (DESIGN.md "Quality targets": batch evaluation
// within 1.5x of a hand-written C++ evaluator of the same policy).
//
// It computes everything the compiled `eval` stores in its result struct: the outcome, the
// applied and deciding rules, the applied exemptions and caps, the amounts a `decide` records,
// and the six outputs; and it raises the same evaluation errors (not_in_force, and the cap
// errors negative_amount / int_overflow, located at the cap whose core fails first). Caps read
// the caller's usage figures (one per cap, for the request's own key and window), exactly like
// the compiled code; no ledger, no allocation, no global state.
//
// Plain structs, byte-sized enums, a 249-entry constexpr tier table and if/switch logic: what a
// careful engineer would write by hand. bench/eval_bench.cpp checks it against the JIT-compiled
// policy on random requests before it measures anything.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace edict::bench::ai_diffusion {

// std.iso3166 Country, members in declaration (alphabetical) order, as the compiled module
// numbers them.
enum class Country : uint8_t {
  AD, AE, AF, AG, AI, AL, AM, AO, AQ, AR, AS, AT, AU, AW, AX, AZ, BA, BB, BD, BE, BF, BG, BH,
  BI, BJ, BL, BM, BN, BO, BQ, BR, BS, BT, BV, BW, BY, BZ, CA, CC, CD, CF, CG, CH, CI, CK, CL,
  CM, CN, CO, CR, CU, CV, CW, CX, CY, CZ, DE, DJ, DK, DM, DO, DZ, EC, EE, EG, EH, ER, ES, ET,
  FI, FJ, FK, FM, FO, FR, GA, GB, GD, GE, GF, GG, GH, GI, GL, GM, GN, GP, GQ, GR, GS, GT, GU,
  GW, GY, HK, HM, HN, HR, HT, HU, ID, IE, IL, IM, IN, IO, IQ, IR, IS, IT, JE, JM, JO, JP, KE,
  KG, KH, KI, KM, KN, KP, KR, KW, KY, KZ, LA, LB, LC, LI, LK, LR, LS, LT, LU, LV, LY, MA, MC,
  MD, ME, MF, MG, MH, MK, ML, MM, MN, MO, MP, MQ, MR, MS, MT, MU, MV, MW, MX, MY, MZ, NA, NC,
  NE, NF, NG, NI, NL, NO, NP, NR, NU, NZ, OM, PA, PE, PF, PG, PH, PK, PL, PM, PN, PR, PS, PT,
  PW, PY, QA, RE, RO, RS, RU, RW, SA, SB, SC, SD, SE, SG, SH, SI, SJ, SK, SL, SM, SN, SO, SR,
  SS, ST, SV, SX, SY, SZ, TC, TD, TF, TG, TH, TJ, TK, TL, TM, TN, TO, TR, TT, TV, TW, TZ, UA,
  UG, UM, US, UY, UZ, VA, VC, VE, VG, VI, VN, VU, WF, WS, YE, YT, ZA, ZM, ZW,
};
inline constexpr int kCountryCount = 249;
inline constexpr std::array<const char*, kCountryCount> kCountryCodes = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
    "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
    "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
    "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
    "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
    "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
    "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
    "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
    "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
    "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
    "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

enum class Item : uint8_t { gpu, closed_weights, open_weights };
enum class EndUser : uint8_t { none, uveu, nveu };
enum class Tier : uint8_t { tier1, tier2, tier3 };
enum class ModelClass : uint8_t { frontier, other };
enum class Outcome : int8_t { allow = 0, notify = 1, license_required = 2, deny = 3 };

// Rule, exemption and cap indexes: declaration order, as in the compiled module's tables.
enum RuleIndex : uint8_t {
  kTier3Destination, kTier3Headquarters, kChipLicence, kOverAllocation, kLppNotice,
  kWeightsControl, kRuleCount
};
enum ExemptionIndex : uint8_t {
  kPublishedWeights, kAiaChips, kAiaWeights, kLppException, kRestrictedExceptions,
  kUveuAuthorization, kUveuHeadquartersTest, kNveuAuthorization, kNveuHeadquartersTest,
  kExemptionCount
};
enum CapIndex : uint8_t { kTier2Allocation, kLpp, kCapCount };

// Error codes: the values of edict_error_code (runtime/include/edict.h).
inline constexpr int32_t kOk = 0;
inline constexpr int32_t kErrIntOverflow = 1;
inline constexpr int32_t kErrNegativeAmount = 4;
inline constexpr int32_t kErrNotInForce = 6;

struct Input {
  Country destination;
  Country headquarters;
  Item item;
  EndUser end_user;
  int64_t tpp;
  double training_ops;
  std::string_view consignee;  // the lpp cap's key; not read by the evaluation itself
};

// The usage of each cap at the request's own key and window (>= 0).
struct Usage {
  int64_t tier2_allocation;
  int64_t lpp;
};

struct Result {
  int32_t error;      // kOk or an error code
  int8_t error_cap;   // the cap whose core failed, or -1
  int8_t outcome;     // Outcome, or -1 on error
  uint8_t rules_applied;        // bit r: rule r applies
  uint8_t deciding;             // bit r: rule r decides
  uint16_t exemptions_applied;  // bit e: exemption e applies
  uint8_t caps_applied;         // bit c: cap c applies
  int64_t record[kCapCount];    // amount a decide records, or -1
  // Outputs.
  Tier destination_tier;
  Tier headquarters_tier;
  bool compliance_required;
  int64_t remaining_allocation;
  int64_t lpp_remaining;
  double h100_equivalents;
};

// Days since 1970-01-01.
inline constexpr int32_t kEffective = 20101;       // 2025-01-13, the policy's `effective`
inline constexpr int32_t kComplianceDate = 20223;  // 2025-05-15

// Evaluates one request; returns the error code (also in result->error).
int Evaluate(const Input& in, const Usage& usage, int32_t today, Result* result);
// Evaluates n requests (arrays of n); returns the number of errors.
size_t EvaluateBatch(size_t n, const Input* in, const Usage* usage, const int32_t* today,
                     Result* results);

auto TierOf(Country c) -> Tier;

}  // namespace edict::bench::ai_diffusion
