/* Test: a plugin written in C that sets its customers' mix of session kinds through the
 * raw struct (SDK 2.3, trafficsim_day_plan::session_mix): agent runs with weight
 * `agent_share`, the other three kinds (1 - agent_share) / 3 each. Calls from 09:00 to
 * 17:59, calls_per_day a day (composable), and a label "agents" over those hours.
 * `set_mix` 0 leaves the mix unset (the host's default); `bad_mix` 1 gives chat weight -1,
 * which the host and the test kit must refuse.
 *
 * Built twice: as it is, and with AGENT_HEAVY_SDK_2_2, as a plugin built against the SDK
 * 2.2 headers (whose plan struct ends with the labels) would be: it writes the plan
 * through that smaller struct, so it never sets a mix whatever its parameters; its
 * descriptor, too, is SDK 2.3's size (without the typed parameters of 2.4). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trafficsim/plugin.h>

#define TEXT(s) \
  { s, sizeof(s) - 1 }

#ifdef AGENT_HEAVY_SDK_2_2
/* trafficsim_day_plan as SDK 2.2 declared it. */
typedef struct plan_struct {
  uint32_t struct_size;
  uint32_t min_calls;
  double expected_calls;
  double hour_weight[TRAFFICSIM_HOURS_PER_DAY];
  uint32_t churned;
  uint32_t reserved;
  uint32_t label_count;
  uint32_t reserved2;
  trafficsim_plan_label labels[TRAFFICSIM_MAX_PLAN_LABELS];
} plan_struct;
_Static_assert(sizeof(plan_struct) == offsetof(trafficsim_day_plan, session_mix),
               "SDK 2.2's plan is the current one up to its session mix");
#define HAS_LABELS(plan) ((plan)->struct_size >= sizeof(plan_struct))
#else
typedef trafficsim_day_plan plan_struct;
#define HAS_LABELS(plan) TRAFFICSIM_PLAN_HAS_LABELS(plan)
#endif

typedef struct agent_heavy {
  double agent_share, set_mix, bad_mix;
} agent_heavy;

static const trafficsim_parameter_spec parameters[] = {
    {TEXT("agent_share"), TRAFFICSIM_REAL, 0, 0.8, 0.0, 1.0, TEXT("Weight of agent runs in the mix")},
    {TEXT("set_mix"), TRAFFICSIM_INTEGER, 0, 1, 0, 1, TEXT("1: set the mix; 0: leave the host's default")},
    {TEXT("bad_mix"), TRAFFICSIM_INTEGER, 0, 0, 0, 1, TEXT("1: give chat weight -1 (refused)")},
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
  agent_heavy* s = malloc(sizeof *s);
  if (s == NULL) {
    fail(error, "out of memory");
    return TRAFFICSIM_FAILED;
  }
  if (!value_of(request, "agent_share", &s->agent_share) || !value_of(request, "set_mix", &s->set_mix) ||
      !value_of(request, "bad_mix", &s->bad_mix)) {
    free(s);
    fail(error, "a declared parameter is missing from the request");
    return TRAFFICSIM_FAILED;
  }
  *scenario = s;
  return TRAFFICSIM_OK;
}

static void destroy(void* scenario) { free(scenario); }

static int plan_day(const void* scenario, const trafficsim_plan_request* r, trafficsim_day_plan* host_plan,
                    trafficsim_message* error) {
  const agent_heavy* s = scenario;
  plan_struct* plan = (plan_struct*)host_plan;
  unsigned h;
  (void)error;
  plan->expected_calls = r->customer.calls_per_day;
  for (h = 9; h < 18; ++h) plan->hour_weight[h] = 1.0;
  if (HAS_LABELS(plan)) {
    plan->label_count = 1;
    strcpy(plan->labels[0].kind, "agents");
    plan->labels[0].first_hour = 9;
    plan->labels[0].end_hour = 18;
    plan->labels[0].attribute_count = 1;
    strcpy(plan->labels[0].attributes[0].name, "share");
    plan->labels[0].attributes[0].value = s->agent_share;
  }
#ifndef AGENT_HEAVY_SDK_2_2
  if (s->set_mix != 0 && TRAFFICSIM_PLAN_HAS_SESSION_MIX(plan)) {
    const double other = (1 - s->agent_share) / 3;
    plan->session_mix[TRAFFICSIM_SESSION_CHAT] = s->bad_mix != 0 ? -1.0 : other;
    plan->session_mix[TRAFFICSIM_SESSION_AGENT] = s->agent_share;
    plan->session_mix[TRAFFICSIM_SESSION_COMPLETION] = other;
    plan->session_mix[TRAFFICSIM_SESSION_BATCH] = other;
  }
#endif
  return TRAFFICSIM_OK;
}

#ifdef AGENT_HEAVY_SDK_2_2
/* The descriptor as SDK 2.3 and before declared it: it ends at place_calls. What follows
 * (SDK 2.4's typed parameters) is nonsense the host must not read. */
#define DESCRIPTOR_SIZE offsetof(trafficsim_plugin_descriptor, typed_parameter_count)
#define TYPED_PARAMETER_COUNT 7
#define TYPED_PARAMETERS ((const trafficsim_typed_parameter_spec*)8)
#else
#define DESCRIPTOR_SIZE sizeof(trafficsim_plugin_descriptor)
#define TYPED_PARAMETER_COUNT 0
#define TYPED_PARAMETERS NULL
#endif

static const trafficsim_plugin_descriptor descriptor = {
    DESCRIPTOR_SIZE,
    TRAFFICSIM_ABI_VERSION,
    TEXT(TRAFFICSIM_SDK_VERSION_STRING),
    TEXT("agent_heavy"),
    TEXT("1.0.0"),
    TEXT("Test: customers whose sessions are mostly agent runs (a session mix from C)"),
    30,
    sizeof parameters / sizeof parameters[0],
    11,
    parameters,
    create,
    destroy,
    plan_day,
    NULL,
    TYPED_PARAMETER_COUNT,
    TYPED_PARAMETERS,
};

TRAFFICSIM_EXPORT const trafficsim_plugin_descriptor* trafficsim_plugin_entry(void) { return &descriptor; }
