/* Test: a plugin written in C that reports labels through the raw struct: a good one
 * ("spike", hours 3-5, size = the day's index) on days 0 and 1, and from day 2 on one
 * whose kind breaks the name rule, which the host and the test kit must refuse. */
#include <string.h>

#include "stateless_plugin.h"

static int plan_day(const void* scenario, const trafficsim_plan_request* r, trafficsim_day_plan* plan,
                    trafficsim_message* error) {
  unsigned h;
  (void)scenario;
  (void)error;
  plan->expected_calls = 2;
  for (h = 9; h < 17; ++h) plan->hour_weight[h] = 1.0;
  if (!TRAFFICSIM_PLAN_HAS_LABELS(plan)) return TRAFFICSIM_OK;
  plan->label_count = 1;
  strcpy(plan->labels[0].kind, r->day.index < 2 ? "spike" : "Spike!");
  plan->labels[0].first_hour = 3;
  plan->labels[0].end_hour = 5;
  plan->labels[0].attribute_count = 1;
  strcpy(plan->labels[0].attributes[0].name, "size");
  plan->labels[0].attributes[0].value = r->day.index;
  return TRAFFICSIM_OK;
}

STATELESS_PLUGIN("badlabel", "Test: labels from C, a bad one from day 2", 3, 5, NULL)
