/* A plain C99 client of the AI diffusion policy: it includes the header that `edict build`
 * generates (ai_diffusion.h), links libai_diffusion.so and evaluates requests by filling the
 * typed input struct. No JSON anywhere. Built and run by tests/e2e/c_client/run.sh, and the
 * example of docs/embedding.md.
 *
 *   edict build policies/ai_diffusion/2025-01-15.edict -o out
 *   cc -std=c99 -Iout main.c -Lout -lai_diffusion -Wl,-rpath,out -o client && ./client
 */
#include <stdio.h>
#include <string.h>

#include "ai_diffusion.h"

static int failures = 0;

#define EXPECT(cond)                                                                  \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: %s: expected %s\n", __FILE__, __LINE__, current, #cond); \
      ++failures;                                                                     \
    }                                                                                 \
  } while (0)

static const char *current = "";

/* A chip order with no VEU and no training operations. */
static ai_diffusion_input gpu_order(ai_diffusion_country destination,
                                    ai_diffusion_country headquarters, const char *consignee,
                                    int64_t tpp) {
  ai_diffusion_input in;
  memset(&in, 0, sizeof in);
  in.destination = destination;
  in.headquarters = headquarters;
  in.consignee = ai_diffusion_str(consignee);
  in.item = AI_DIFFUSION_ITEM_GPU;
  in.tpp = tpp;
  in.end_user = AI_DIFFUSION_END_USER_NONE;
  in.training_ops = 0.0;
  return in;
}

static ai_diffusion_input weights(ai_diffusion_item item, ai_diffusion_country destination,
                                  ai_diffusion_country headquarters, double training_ops) {
  ai_diffusion_input in = gpu_order(destination, headquarters, "lab", 0);
  in.item = item;
  in.training_ops = training_ops;
  return in;
}

/* The indexes of the rules that decide, as a bit mask (the policy has fewer than 64 rules). */
static unsigned deciding_mask(const ai_diffusion_result *r) {
  unsigned mask = 0;
  unsigned i;
  for (i = 0; i < AI_DIFFUSION_RULE_COUNT; ++i) {
    if (ai_diffusion_rule_decides(r, i)) mask |= 1u << i;
  }
  return mask;
}

#define BIT(i) (1u << (i))

int main(void) {
  const int32_t today = ai_diffusion_date(2025, 6, 1);
  int64_t usage[AI_DIFFUSION_CAP_COUNT];
  ai_diffusion_result r;
  ai_diffusion_input in;
  const edict_module *m = edict_ai_diffusion_module_v1();

  current = "the descriptor matches the header";
  EXPECT(ai_diffusion_matches(m));
  EXPECT(strcmp(m->version, AI_DIFFUSION_VERSION) == 0);
  EXPECT(m->source_hash == AI_DIFFUSION_SOURCE_HASH);
  EXPECT(strcmp(m->rules[AI_DIFFUSION_RULE_OVER_ALLOCATION].name, "over_allocation") == 0);
  EXPECT(strcmp(m->caps[AI_DIFFUSION_CAP_LPP].name, "lpp") == 0);
  EXPECT(strcmp(m->enums[m->decision_enum].members[AI_DIFFUSION_OUTCOME_LICENSE_REQUIRED],
                "license_required") == 0);

  current = "tier 1: AIA for a Tier-1 headquartered consignee";
  in = gpu_order(AI_DIFFUSION_COUNTRY_DE, AI_DIFFUSION_COUNTRY_US, "dc-frankfurt", 500000000);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_ALLOW);
  EXPECT(deciding_mask(&r) == 0);
  EXPECT(ai_diffusion_exemption_applied(&r, AI_DIFFUSION_EXEMPTION_AIA_CHIPS));
  EXPECT(r.destination_tier == AI_DIFFUSION_TIER_TIER1);
  EXPECT(r.record[AI_DIFFUSION_CAP_TIER2_ALLOCATION] == -1);

  current = "tier 1, consignee headquartered in Tier 2: LPP";
  in = gpu_order(AI_DIFFUSION_COUNTRY_DE, AI_DIFFUSION_COUNTRY_IN, "in-sub-de", 26900000);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_NOTIFY);
  EXPECT(deciding_mask(&r) == BIT(AI_DIFFUSION_RULE_LPP_NOTICE));
  EXPECT(r.record[AI_DIFFUSION_CAP_LPP] == 26900000);
  EXPECT(r.lpp_remaining == 26900000);

  current = "tier 1, LPP allowance used up (usage)";
  memset(usage, 0, sizeof usage);
  usage[AI_DIFFUSION_CAP_LPP] = 26500000;
  in = gpu_order(AI_DIFFUSION_COUNTRY_DE, AI_DIFFUSION_COUNTRY_IN, "in-sub-de", 1000000);
  EXPECT(ai_diffusion_eval(&in, usage, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_LICENSE_REQUIRED);
  EXPECT(deciding_mask(&r) == BIT(AI_DIFFUSION_RULE_CHIP_LICENCE));
  EXPECT(r.lpp_remaining == 400000);
  EXPECT(r.record[AI_DIFFUSION_CAP_LPP] == -1);

  current = "tier 2, inside the country allocation";
  in = gpu_order(AI_DIFFUSION_COUNTRY_IN, AI_DIFFUSION_COUNTRY_IN, "in-cloud", 100000000);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_ALLOW);
  EXPECT(deciding_mask(&r) == 0);
  EXPECT(r.destination_tier == AI_DIFFUSION_TIER_TIER2);
  EXPECT(ai_diffusion_cap_applied(&r, AI_DIFFUSION_CAP_TIER2_ALLOCATION));
  EXPECT(r.record[AI_DIFFUSION_CAP_TIER2_ALLOCATION] == 100000000);
  EXPECT(r.remaining_allocation == 790000000);

  current = "tier 2, over the country allocation (usage)";
  memset(usage, 0, sizeof usage);
  usage[AI_DIFFUSION_CAP_TIER2_ALLOCATION] = 750000000;
  EXPECT(ai_diffusion_eval(&in, usage, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_LICENSE_REQUIRED);
  EXPECT(deciding_mask(&r) == BIT(AI_DIFFUSION_RULE_OVER_ALLOCATION));
  EXPECT(ai_diffusion_rule_applied(&r, AI_DIFFUSION_RULE_OVER_ALLOCATION));
  EXPECT(r.remaining_allocation == 40000000);
  EXPECT(r.record[AI_DIFFUSION_CAP_TIER2_ALLOCATION] == -1);

  current = "tier 2, a small order: LPP";
  in = gpu_order(AI_DIFFUSION_COUNTRY_AE, AI_DIFFUSION_COUNTRY_AE, "ae-dc", 1000000);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_NOTIFY);
  EXPECT(deciding_mask(&r) == BIT(AI_DIFFUSION_RULE_LPP_NOTICE));
  EXPECT(ai_diffusion_exemption_applied(&r, AI_DIFFUSION_EXEMPTION_LPP_EXCEPTION));
  EXPECT(!ai_diffusion_cap_applied(&r, AI_DIFFUSION_CAP_TIER2_ALLOCATION));

  current = "tier 3: presumption of denial";
  in = gpu_order(AI_DIFFUSION_COUNTRY_CN, AI_DIFFUSION_COUNTRY_CN, "cn-lab", 4800);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_DENY);
  EXPECT(deciding_mask(&r) == BIT(AI_DIFFUSION_RULE_TIER3_DESTINATION));
  EXPECT(r.destination_tier == AI_DIFFUSION_TIER_TIER3);

  current = "frontier closed weights, recipient headquartered in Tier 2";
  in = weights(AI_DIFFUSION_ITEM_CLOSED_WEIGHTS, AI_DIFFUSION_COUNTRY_FR, AI_DIFFUSION_COUNTRY_IN,
               2e26);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_LICENSE_REQUIRED);
  EXPECT(deciding_mask(&r) == BIT(AI_DIFFUSION_RULE_WEIGHTS_CONTROL));

  current = "frontier closed weights, recipient headquartered in Tier 1: AIA";
  in = weights(AI_DIFFUSION_ITEM_CLOSED_WEIGHTS, AI_DIFFUSION_COUNTRY_FR, AI_DIFFUSION_COUNTRY_US,
               2e26);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_ALLOW);
  EXPECT(ai_diffusion_exemption_applied(&r, AI_DIFFUSION_EXEMPTION_AIA_WEIGHTS));

  current = "frontier open weights: published, not controlled";
  in = weights(AI_DIFFUSION_ITEM_OPEN_WEIGHTS, AI_DIFFUSION_COUNTRY_CN, AI_DIFFUSION_COUNTRY_CN,
               3e26);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_ALLOW);
  EXPECT(deciding_mask(&r) == 0);
  EXPECT(ai_diffusion_exemption_applied(&r, AI_DIFFUSION_EXEMPTION_PUBLISHED_WEIGHTS));

  current = "closed weights below 1e26 operations: not covered";
  in = weights(AI_DIFFUSION_ITEM_CLOSED_WEIGHTS, AI_DIFFUSION_COUNTRY_FR, AI_DIFFUSION_COUNTRY_IN,
               9.9e25);
  EXPECT(ai_diffusion_eval(&in, NULL, today, &r) == EDICT_OK);
  EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_ALLOW);

  current = "a request before the effective date";
  in = gpu_order(AI_DIFFUSION_COUNTRY_DE, AI_DIFFUSION_COUNTRY_US, "dc", 1);
  EXPECT(ai_diffusion_eval(&in, NULL, ai_diffusion_date(2025, 1, 12), &r) == EDICT_ERR_NOT_IN_FORCE);
  EXPECT(r.header.outcome == -1);

  current = "the same requests through the descriptor and in a batch";
  {
    ai_diffusion_input batch[3];
    ai_diffusion_result results[3];
    int32_t days[3];
    batch[0] = gpu_order(AI_DIFFUSION_COUNTRY_CN, AI_DIFFUSION_COUNTRY_CN, "cn", 1);
    batch[1] = gpu_order(AI_DIFFUSION_COUNTRY_DE, AI_DIFFUSION_COUNTRY_US, "de", 1);
    batch[2] = gpu_order(AI_DIFFUSION_COUNTRY_DE, AI_DIFFUSION_COUNTRY_US, "de", 1);
    days[0] = days[1] = today;
    days[2] = ai_diffusion_date(2024, 12, 31);
    EXPECT(ai_diffusion_eval_batch(3, batch, NULL, days, results) == 1);
    EXPECT(results[0].header.outcome == AI_DIFFUSION_OUTCOME_DENY);
    EXPECT(results[1].header.outcome == AI_DIFFUSION_OUTCOME_ALLOW);
    EXPECT(results[2].header.error == EDICT_ERR_NOT_IN_FORCE);
    EXPECT(ai_diffusion_eval_module(m, &batch[0], NULL, today, &r) == EDICT_OK);
    EXPECT(r.header.outcome == AI_DIFFUSION_OUTCOME_DENY);
  }

  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("c_client: all checks passed\n");
  return 0;
}
