/* The plugin boundary, in C.
 *
 * Everything that crosses between the host and a plugin is declared here: plain structs
 * of fixed-width integers, doubles and (pointer, length) strings, and function pointers
 * that return a status and write any error text into a buffer the host owns. No C++
 * type, no vtable and no exception crosses, so a plugin built with another compiler or
 * standard library (clang with libc++, g++ with the old string ABI, a C compiler) works
 * with any host of the same ABI version.
 *
 * A plugin exports one symbol, trafficsim_plugin_entry, returning its descriptor. The
 * host loads the library (which runs the plugin's static initialisers: the one thing
 * that happens before any check), calls the entry point, reads struct_size and
 * abi_version and refuses another ABI before it reads any other field or calls any
 * other function. C++ plugins never write this by hand: <trafficsim/plugin.hpp>'s
 * TRAFFICSIM_PLUGIN(info) generates it. A C plugin fills it itself (see
 * sdk/examples/night_owl; sdk/examples/rust does the same in Rust).
 *
 * Extending: every struct that starts with struct_size can grow at its end in a minor
 * SDK release. The side that allocates it writes its own sizeof there, and a reader
 * reads a field only if struct_size covers it. */
#ifndef TRAFFICSIM_PLUGIN_H
#define TRAFFICSIM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "trafficsim/limits.h"
#include "trafficsim/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The one exported symbol, and how to export it. */
#define TRAFFICSIM_PLUGIN_ENTRY_NAME "trafficsim_plugin_entry"
#define TRAFFICSIM_EXPORT __attribute__((visibility("default")))

/* What a plugin function returns. */
enum trafficsim_status {
  TRAFFICSIM_OK = 0,
  /* The call failed; the message says why. The host stops the run (exit 1). */
  TRAFFICSIM_FAILED = 1,
  /* create only: the parameter values are inconsistent (e.g. a minimum above its
   * maximum). The host reports a usage error (exit 2). */
  TRAFFICSIM_INVALID_PARAMETERS = 2
};

/* A string: not necessarily NUL-terminated. */
typedef struct trafficsim_string {
  const char* data;
  uint64_t size;
} trafficsim_string;

/* Where a failing function writes its reason: up to capacity bytes including a NUL. The
 * host owns the buffer; a plugin must not keep the pointer. */
typedef struct trafficsim_message {
  char* data;
  uint64_t capacity;
} trafficsim_message;

/* ---- parameters ---- */

/* REAL and INTEGER are the scalar types of trafficsim_parameter_spec; BOOLEAN, CHOICE and
 * REAL_ARRAY (SDK 2.4) those of trafficsim_typed_parameter_spec. */
enum trafficsim_parameter_type {
  TRAFFICSIM_REAL = 0,
  TRAFFICSIM_INTEGER = 1,
  TRAFFICSIM_BOOLEAN = 2,   /* true or false; its value is 1 or 0 */
  TRAFFICSIM_CHOICE = 3,    /* one of a list of names; its value is the name's index */
  TRAFFICSIM_REAL_ARRAY = 4 /* a list of reals, its length within bounds */
};

/* One declared parameter: what users may set with --set PLUGIN.NAME=VALUE. The host
 * parses and range-checks every value before the plugin sees it. Integer parameters hold
 * whole numbers of magnitude <= 2^53. */
typedef struct trafficsim_parameter_spec {
  trafficsim_string name; /* TRAFFICSIM_NAME_PATTERN, up to TRAFFICSIM_PARAMETER_NAME_MAX */
  uint32_t type;          /* enum trafficsim_parameter_type */
  uint32_t reserved;      /* 0 */
  double default_value;
  double min_value; /* inclusive */
  double max_value; /* inclusive */
  trafficsim_string description;
} trafficsim_parameter_spec;

/* One parameter value, as resolved by the host. */
typedef struct trafficsim_parameter_value {
  trafficsim_string name;
  double value;
} trafficsim_parameter_value;

/* A typed parameter (SDK 2.4): a boolean, a choice among names or an array of reals,
 * declared in the descriptor's typed_parameters table, set with --set PLUGIN.NAME=true,
 * =NAME or =[1, 2, 3] (or a TOML bool, string or array in --config). Its name shares the
 * namespace of the scalar parameters. Like trafficsim_parameter_spec it sits in an array,
 * so its layout never changes. */
typedef struct trafficsim_typed_parameter_spec {
  trafficsim_string name; /* TRAFFICSIM_NAME_PATTERN, up to TRAFFICSIM_PARAMETER_NAME_MAX */
  uint32_t type;          /* TRAFFICSIM_BOOLEAN, TRAFFICSIM_CHOICE or TRAFFICSIM_REAL_ARRAY */
  uint32_t min_length;    /* REAL_ARRAY: 1 .. max_length; else 1 */
  uint32_t max_length;    /* REAL_ARRAY: .. TRAFFICSIM_MAX_ARRAY_LENGTH; else 1 */
  uint32_t reserved;      /* 0 */
  double min_value;       /* REAL_ARRAY: every element's inclusive range; else 0 */
  double max_value;
  /* The default: BOOLEAN one value, 0 or 1; CHOICE one value, the index of a choice;
   * REAL_ARRAY min_length .. max_length values, each in [min_value, max_value]. */
  const double* default_values;
  uint64_t default_count;
  const trafficsim_string* choices; /* CHOICE: 1 .. TRAFFICSIM_MAX_CHOICES names; else NULL */
  uint64_t choice_count;
  trafficsim_string description;
} trafficsim_typed_parameter_spec;

/* A typed parameter's value, as resolved by the host: BOOLEAN one value (0 or 1), CHOICE
 * one value (the chosen name's index), REAL_ARRAY `count` values. */
typedef struct trafficsim_typed_parameter_value {
  trafficsim_string name;
  const double* values;
  uint64_t count;
} trafficsim_typed_parameter_value;

/* What create receives: every declared parameter (defaulted or set), plus the two every
 * plugin has. Host-owned, valid during the call only. */
typedef struct trafficsim_create_request {
  uint32_t struct_size;
  uint32_t customers; /* >= 1, after --scale */
  uint64_t seed;
  const trafficsim_parameter_value* values;
  uint64_t value_count;
  /* SDK 2.4: every declared typed parameter's value. A host older than 2.4 sends a
   * request without them (TRAFFICSIM_CREATE_HAS_TYPED_VALUES is 0): the plugin then uses
   * its typed parameters' defaults. */
  const trafficsim_typed_parameter_value* typed_values;
  uint64_t typed_value_count;
} trafficsim_create_request;

/* Nonzero if the host's create request carries typed values (SDK 2.4). */
#define TRAFFICSIM_CREATE_HAS_TYPED_VALUES(request) \
  ((request)->struct_size >= offsetof(trafficsim_create_request, typed_value_count) + sizeof(uint64_t))

/* ---- what a plan is about ---- */

enum trafficsim_archetype { TRAFFICSIM_LIGHT = 0, TRAFFICSIM_POWER = 1, TRAFFICSIM_HEAVY = 2 };
enum trafficsim_tier { TRAFFICSIM_STARTER = 0, TRAFFICSIM_PRO = 1, TRAFFICSIM_ENTERPRISE = 2 };

/* A customer, drawn by the host's customer model. */
typedef struct trafficsim_customer {
  uint32_t index;         /* 0-based within the plugin; printed 1-based */
  uint32_t calls_per_day; /* drawn once, from the archetype's range */
  uint8_t archetype;      /* enum trafficsim_archetype */
  uint8_t tier;           /* enum trafficsim_tier */
  uint8_t reserved[6];
} trafficsim_customer;

/* A day of the run (UTC). weekday: 0 = Monday ... 6 = Sunday. */
typedef struct trafficsim_day {
  uint32_t index;    /* days since the start date */
  uint32_t days;     /* days in the whole run, whatever the shard */
  int64_t epoch_day; /* days since 1970-01-01 */
  int32_t year;
  uint8_t month; /* 1-12 */
  uint8_t day;   /* 1-31 */
  uint8_t weekday;
  uint8_t reserved;
} trafficsim_day;

/* A random stream: Philox4x32-10 under `key`, block b at counter {c0, c1, c2, b}. See
 * <trafficsim/random.h> (C) or <trafficsim/random.hpp> (C++) for the draws. */
typedef struct trafficsim_stream {
  uint32_t key[2];
  uint32_t counter[4];
} trafficsim_stream;

/* plan_day's question: one customer on one day, with its two streams. */
typedef struct trafficsim_plan_request {
  uint32_t struct_size;
  uint32_t reserved;
  trafficsim_customer customer;
  trafficsim_day day;
  trafficsim_stream customer_stream; /* the same every day */
  trafficsim_stream day_stream;      /* this customer-day's */
} trafficsim_plan_request;

/* A numeric attribute of a label, e.g. {"multiplier", 12.5}. */
typedef struct trafficsim_label_attribute {
  char name[TRAFFICSIM_LABEL_NAME_MAX + 1]; /* NUL-terminated, TRAFFICSIM_NAME_PATTERN */
  double value;                             /* finite */
} trafficsim_label_attribute;

/* A label (SDK 2.1): what the plan makes happen to the customer in hours
 * [first_hour, end_hour) of the day, e.g. a burst window, a churn, a decline. The host
 * writes it to the answer key (--truth, labels.jsonl) with the customer and the times. */
typedef struct trafficsim_plan_label {
  char kind[TRAFFICSIM_LABEL_NAME_MAX + 1]; /* NUL-terminated, TRAFFICSIM_NAME_PATTERN */
  uint32_t first_hour;                      /* 0-23 */
  uint32_t end_hour;                        /* first_hour + 1 .. 24 */
  uint32_t attribute_count;                 /* 0 .. TRAFFICSIM_MAX_LABEL_ATTRIBUTES */
  uint32_t reserved;
  trafficsim_label_attribute attributes[TRAFFICSIM_MAX_LABEL_ATTRIBUTES];
} trafficsim_plan_label;

/* plan_day's answer, in a host-owned struct that arrives zeroed (struct_size set by the
 * host). The host draws the day's count N from expected_calls by unbiased rounding
 * (floor(x) or floor(x) + 1, mean exactly x), raises it to min_calls, and gives each call
 * an hour with probability proportional to hour_weight.
 * The labels were added in SDK 2.1, after the fields of 2.0: a plugin writes them only if
 * struct_size covers them (TRAFFICSIM_PLAN_HAS_LABELS), so plugins and hosts of 2.0 and
 * 2.1 work together (a 2.0 plugin reports no labels; a 2.0 host receives none). The
 * session mix came later the same way (TRAFFICSIM_PLAN_HAS_SESSION_MIX). */
typedef struct trafficsim_day_plan {
  uint32_t struct_size;
  uint32_t min_calls;                           /* at least this many calls whatever the draw */
  double expected_calls;                        /* finite, 0 .. TRAFFICSIM_MAX_CALLS_PER_CUSTOMER_DAY */
  double hour_weight[TRAFFICSIM_HOURS_PER_DAY]; /* finite, >= 0, not all 0 if calls */
  uint32_t churned;                             /* nonzero: the customer has left for good */
  uint32_t reserved;
  /* SDK 2.1 */
  uint32_t label_count; /* 0 .. TRAFFICSIM_MAX_PLAN_LABELS */
  uint32_t reserved2;
  trafficsim_plan_label labels[TRAFFICSIM_MAX_PLAN_LABELS];
  /* SDK 2.3: the customer-day's mix of session kinds, for the host's session call model
   * (docs/realistic-calls.md): relative weights indexed by enum trafficsim_session_kind,
   * each finite and >= 0. All 0 (as the struct arrives): the host's default mix. The
   * uniform call model (the seed catalog) ignores it. */
  double session_mix[TRAFFICSIM_SESSION_KINDS];
} trafficsim_day_plan;

/* The kinds of session of the host's session call model, as session_mix indexes them. */
enum trafficsim_session_kind {
  TRAFFICSIM_SESSION_CHAT = 0,       /* conversations: turns minutes apart */
  TRAFFICSIM_SESSION_AGENT = 1,      /* agent runs: tool-call steps seconds apart */
  TRAFFICSIM_SESSION_COMPLETION = 2, /* completion bursts: short calls */
  TRAFFICSIM_SESSION_BATCH = 3       /* batch/RAG jobs: questions on a shared document */
};

/* Nonzero if the host's plan struct has room for labels (SDK 2.1). */
#define TRAFFICSIM_PLAN_HAS_LABELS(plan) \
  ((plan)->struct_size >=                \
   offsetof(trafficsim_day_plan, labels) + TRAFFICSIM_MAX_PLAN_LABELS * sizeof(trafficsim_plan_label))
/* Nonzero if the host's plan struct has room for a session mix (SDK 2.3). */
#define TRAFFICSIM_PLAN_HAS_SESSION_MIX(plan) \
  ((plan)->struct_size >= offsetof(trafficsim_day_plan, session_mix) + TRAFFICSIM_SESSION_KINDS * sizeof(double))

/* place_calls' question: where inside `hour` the customer's calls of that hour fall. */
typedef struct trafficsim_place_request {
  uint32_t struct_size;
  uint32_t hour; /* 0-23 */
  trafficsim_customer customer;
  trafficsim_day day;
  trafficsim_stream stream; /* this customer-hour's placement stream */
} trafficsim_place_request;

/* ---- the functions ---- */

/* Creates a configured scenario in *scenario (an opaque pointer the host passes back).
 * Returns TRAFFICSIM_OK, TRAFFICSIM_INVALID_PARAMETERS or TRAFFICSIM_FAILED. */
typedef int (*trafficsim_create_fn)(const trafficsim_create_request* request, void** scenario,
                                    trafficsim_message* error);
/* Destroys a scenario made by create. Called once, after every other call on it. */
typedef void (*trafficsim_destroy_fn)(void* scenario);
/* Plans one customer-day into *plan. Must be a pure function of the request (no
 * globals, no clock, no other random source than the two streams) and thread-safe: the
 * host calls it from many threads at once. */
typedef int (*trafficsim_plan_day_fn)(const void* scenario, const trafficsim_plan_request* request,
                                      trafficsim_day_plan* plan, trafficsim_message* error);
/* Writes `count` offsets (microseconds from the start of the hour, each in
 * [0, TRAFFICSIM_MICROSECONDS_PER_HOUR)) into host-owned `offsets_us`. Pure and
 * thread-safe like plan_day. The host sorts them. */
typedef int (*trafficsim_place_calls_fn)(const void* scenario, const trafficsim_place_request* request,
                                         uint32_t* offsets_us, uint64_t count, trafficsim_message* error);

/* The descriptor a plugin returns from trafficsim_plugin_entry. Its first two fields keep
 * this layout in every ABI version: they are how a host of any ABI recognises a plugin of
 * any other. */
typedef struct trafficsim_plugin_descriptor {
  uint32_t struct_size;          /* sizeof(trafficsim_plugin_descriptor) as the plugin knows it */
  uint32_t abi_version;          /* TRAFFICSIM_ABI_VERSION of the plugin */
  trafficsim_string sdk_version; /* TRAFFICSIM_SDK_VERSION_STRING of the plugin */
  trafficsim_string name;        /* TRAFFICSIM_NAME_PATTERN; the file is trafficsim_<name>.so */
  trafficsim_string version;     /* the plugin's own version, e.g. "1.0.0" */
  trafficsim_string description; /* one line, shown by --list-plugins */
  uint32_t default_customers;    /* >= 1 */
  uint32_t parameter_count;
  uint64_t default_seed;
  const trafficsim_parameter_spec* parameters; /* parameter_count of them; not customers, seed */
  trafficsim_create_fn create;
  trafficsim_destroy_fn destroy;
  trafficsim_plan_day_fn plan_day;
  trafficsim_place_calls_fn place_calls; /* NULL: uniform over the hour (the host's own) */
  /* SDK 2.4: the typed parameters (booleans, choices, arrays). A host older than 2.4 does
   * not read them, shows none and sends none: the plugin runs with their defaults. */
  uint64_t typed_parameter_count;
  const trafficsim_typed_parameter_spec* typed_parameters;
} trafficsim_plugin_descriptor;

/* Nonzero if a plugin's descriptor has the typed parameters' fields (SDK 2.4). */
#define TRAFFICSIM_DESCRIPTOR_HAS_TYPED_PARAMETERS(d) \
  ((d)->struct_size >= offsetof(trafficsim_plugin_descriptor, typed_parameters) + sizeof(void*))

/* The entry point's type. */
typedef const trafficsim_plugin_descriptor* (*trafficsim_plugin_entry_fn)(void);

/* The entry point (SDK 2.3: its prototype, so a C plugin's definition is checked
 * against it). A C plugin defines it with TRAFFICSIM_EXPORT, returning a descriptor
 * that lives as long as the library; a C++ plugin gets it from TRAFFICSIM_PLUGIN(info).
 * The helpers a C plugin may want (uniform placement, the calendar, labels) are in
 * <trafficsim/helpers.h>. */
TRAFFICSIM_EXPORT const trafficsim_plugin_descriptor* trafficsim_plugin_entry(void);

/* ---- scenarios written in another language ---- */

/* A script bridge (e.g. trafficsim-python.so, which embeds CPython) is a library beside the
 * host that turns a scenario script into a plugin: it exports trafficsim_script_entry
 * instead of trafficsim_plugin_entry. The host checks the script's file and folders as it
 * checks a plugin's, reads the script through the descriptor it checked, and passes its
 * text here with the plugin name (the file's stem) and the path to show in messages. The
 * bridge returns a descriptor as a plugin's entry point does (it lives as long as the
 * bridge is loaded), or NULL with the reason in `error`: a syntax error, a missing class
 * or method, a bad parameter table. */
#define TRAFFICSIM_SCRIPT_ENTRY_NAME "trafficsim_script_entry"
typedef const trafficsim_plugin_descriptor* (*trafficsim_script_entry_fn)(trafficsim_string name,
                                                                          trafficsim_string path,
                                                                          trafficsim_string source,
                                                                          trafficsim_message* error);

#ifdef __cplusplus
}
#endif

#endif
