/* night_owl: a trafficsim scenario plugin written in C, against <trafficsim/plugin.h>
 * alone. Batch jobs and overnight users: calls fall from 20:00 to 03:59, twice as dense
 * from 22:00 to 01:59; expected calls per customer-day are cpd x factor x U[0.9, 1.1]
 * (mean cpd x factor), and x weekend_factor on Saturdays and Sundays.
 *
 * A C plugin fills the descriptor itself: struct size and ABI version first, then its
 * name and parameters, then the four functions. Every function returns a status and, on
 * failure, writes its reason into the host's buffer. place_calls is NULL: the host
 * places calls uniformly within their hour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trafficsim/plugin.h>
#include <trafficsim/random.h>

#define TEXT(s) \
  { s, sizeof(s) - 1 }

typedef struct night_owl {
  double factor;
  double weekend_factor;
} night_owl;

static const trafficsim_parameter_spec parameters[] = {
    {TEXT("factor"), TRAFFICSIM_REAL, 0, 1.0, 0.0, 100.0, TEXT("Multiplier of calls per day")},
    {TEXT("weekend_factor"), TRAFFICSIM_REAL, 0, 1.3, 0.0, 10.0, TEXT("Multiplier on Saturdays and Sundays")},
};

static void fail(trafficsim_message* error, const char* text) {
  if (error != NULL && error->capacity > 0) snprintf(error->data, (size_t)error->capacity, "%s", text);
}

static int value_of(const trafficsim_create_request* r, const char* name, double* out) {
  uint64_t i;
  for (i = 0; i < r->value_count; ++i)
    if (r->values[i].name.size == strlen(name) && memcmp(r->values[i].name.data, name, strlen(name)) == 0) {
      *out = r->values[i].value;
      return 1;
    }
  return 0;
}

static int create(const trafficsim_create_request* request, void** scenario, trafficsim_message* error) {
  night_owl* s = malloc(sizeof *s);
  if (s == NULL) {
    fail(error, "out of memory");
    return TRAFFICSIM_FAILED;
  }
  if (!value_of(request, "factor", &s->factor) || !value_of(request, "weekend_factor", &s->weekend_factor)) {
    free(s);
    fail(error, "a declared parameter is missing from the request");
    return TRAFFICSIM_FAILED;
  }
  *scenario = s;
  return TRAFFICSIM_OK;
}

static void destroy(void* scenario) { free(scenario); }

/* Pure: reads only the request and its own configuration; draws from the day stream. */
static int plan_day(const void* scenario, const trafficsim_plan_request* r, trafficsim_day_plan* plan,
                    trafficsim_message* error) {
  const night_owl* s = scenario;
  const int weekend = r->day.weekday >= 5;
  unsigned h;
  (void)error;
  plan->expected_calls = r->customer.calls_per_day * s->factor * (weekend ? s->weekend_factor : 1.0) *
                         trafficsim_uniform(&r->day_stream, 0.9, 1.1, 0);
  for (h = 0; h < TRAFFICSIM_HOURS_PER_DAY; ++h) plan->hour_weight[h] = (h >= 20 || h <= 3) ? 1.0 : 0.0;
  plan->hour_weight[22] = plan->hour_weight[23] = plan->hour_weight[0] = plan->hour_weight[1] = 2.0;
  return TRAFFICSIM_OK;
}

static const trafficsim_plugin_descriptor descriptor = {
    sizeof(trafficsim_plugin_descriptor),
    TRAFFICSIM_ABI_VERSION,
    TEXT(TRAFFICSIM_SDK_VERSION_STRING),
    TEXT("night_owl"),
    TEXT("1.0.0"),
    TEXT("Overnight traffic (C plugin): 20:00-03:59, peak 22-02, weekends x1.3"),
    40,
    sizeof parameters / sizeof parameters[0],
    77,
    parameters,
    create,
    destroy,
    plan_day,
    NULL,
    0,
    NULL,
};

TRAFFICSIM_EXPORT const trafficsim_plugin_descriptor* trafficsim_plugin_entry(void) { return &descriptor; }
