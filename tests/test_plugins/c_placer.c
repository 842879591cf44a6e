/* Test plugin, in C: places its calls itself with trafficsim_place_uniformly on the
 * request's stream. Built twice under one name: with TRAFFICSIM_HOST_PLACES its
 * place_calls is NULL and the host places the calls; the two runs must give the same
 * bytes. */
#include <trafficsim/helpers.h>

#include "stateless_plugin.h"

static int plan_day(const void* scenario, const trafficsim_plan_request* r, trafficsim_day_plan* plan,
                    trafficsim_message* error) {
  unsigned h;
  (void)scenario;
  (void)error;
  plan->expected_calls = r->customer.calls_per_day * trafficsim_uniform(&r->day_stream, 0.5, 1.5, 0);
  for (h = 0; h < TRAFFICSIM_HOURS_PER_DAY; ++h) plan->hour_weight[h] = 1.0 + h % 3;
  if (r->day.day == 1) trafficsim_add_label_attribute(trafficsim_add_label(plan, "first_of_month", 0, 24), "day", 1);
  return TRAFFICSIM_OK;
}

#ifndef TRAFFICSIM_HOST_PLACES
static int place_calls(const void* scenario, const trafficsim_place_request* r, uint32_t* offsets_us, uint64_t count,
                       trafficsim_message* error) {
  (void)scenario;
  (void)error;
  trafficsim_place_uniformly(&r->stream, offsets_us, count);
  return TRAFFICSIM_OK;
}
#define PLACE_CALLS place_calls
#else
#define PLACE_CALLS NULL
#endif

STATELESS_PLUGIN("c_placer", "Test: places calls with trafficsim_place_uniformly", 20, 5, PLACE_CALLS)
