/* What the test plugins written in C share: no parameters and no state, so create hands
 * back any non-null pointer and destroy has nothing to free; each defines plan_day (and
 * place_calls, or NULL for the host's) and declares itself with STATELESS_PLUGIN. */
#ifndef TRAFFICSIM_TEST_STATELESS_PLUGIN_H
#define TRAFFICSIM_TEST_STATELESS_PLUGIN_H

#include <trafficsim/plugin.h>

#define TEXT(s) \
  { s, sizeof(s) - 1 }

static const int stateless_state = 0;

static int create(const trafficsim_create_request* request, void** scenario, trafficsim_message* error) {
  (void)request;
  (void)error;
  *scenario = (void*)&stateless_state;
  return TRAFFICSIM_OK;
}

static void destroy(void* scenario) { (void)scenario; }

/* The descriptor and the entry point of test plugin NAME. */
#define STATELESS_PLUGIN(NAME, DESCRIPTION, CUSTOMERS, SEED, PLACE_CALLS)                       \
  static const trafficsim_plugin_descriptor descriptor = {sizeof(trafficsim_plugin_descriptor), \
                                                          TRAFFICSIM_ABI_VERSION,               \
                                                          TEXT(TRAFFICSIM_SDK_VERSION_STRING),  \
                                                          TEXT(NAME),                           \
                                                          TEXT("1.0.0"),                        \
                                                          TEXT(DESCRIPTION),                    \
                                                          CUSTOMERS,                            \
                                                          0,                                    \
                                                          SEED,                                 \
                                                          NULL,                                 \
                                                          create,                               \
                                                          destroy,                              \
                                                          plan_day,                             \
                                                          PLACE_CALLS,                          \
                                                          0,                                    \
                                                          NULL};                                \
  TRAFFICSIM_EXPORT const trafficsim_plugin_descriptor* trafficsim_plugin_entry(void) { return &descriptor; }

#endif
