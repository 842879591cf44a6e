/* Test plugin, in C: plans infinitely many calls on the last business day of each month
 * (month-end batch jobs gone wrong), and a sound plan on every other day. A test kit
 * that plans only the first weeks of a January never meets a month end. */
#include <trafficsim/helpers.h>

#include "stateless_plugin.h"

/* Nonzero on the last Monday-to-Friday of the day's month. */
static int last_business_day(const trafficsim_day* d) {
  const unsigned next = d->day + (d->weekday == 4 ? 3u : 1u); /* the next weekday's date */
  return d->weekday < 5 && next > trafficsim_days_in_month(d->year, d->month);
}

static int plan_day(const void* scenario, const trafficsim_plan_request* r, trafficsim_day_plan* plan,
                    trafficsim_message* error) {
  unsigned h;
  (void)scenario;
  (void)error;
  /* 1/0 is a constant-expression warning; this is the run-time infinity it stands for. */
  plan->expected_calls = last_business_day(&r->day) ? 1e308 * 10.0 * (double)(r->customer.calls_per_day + 1)
                                                    : (double)r->customer.calls_per_day;
  for (h = 8; h < 18; ++h) plan->hour_weight[h] = 1.0;
  return TRAFFICSIM_OK;
}

STATELESS_PLUGIN("month_end", "Test: infinite calls on the last business day of each month", 5, 1, NULL)
