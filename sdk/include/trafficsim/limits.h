/* The rules every plugin, the host, the test kit, the CMake helper and the scaffold
 * share: one place, read by C, C++, CMake (file(STRINGS)) and shell (sed). Keep each
 * value on one '#define NAME VALUE' line. */
#ifndef TRAFFICSIM_LIMITS_H
#define TRAFFICSIM_LIMITS_H

/* A plugin name: 1 to TRAFFICSIM_NAME_MAX characters of a-z, 0-9 and _, starting with a
 * letter. It appears in file names (trafficsim_<name>.so), ids and options. */
#define TRAFFICSIM_NAME_MAX 32
#define TRAFFICSIM_NAME_PATTERN "^[a-z][a-z0-9_]*$"
/* A parameter name follows the same pattern, up to this length. */
#define TRAFFICSIM_PARAMETER_NAME_MAX 64

/* A plan may expect at most this many calls for one customer-day (and ask for at most as
 * many as a minimum): more would take minutes and gigabytes for a single customer. */
#define TRAFFICSIM_MAX_CALLS_PER_CUSTOMER_DAY 10000000

/* A day has 24 hours; a call's offset within its hour is in microseconds,
 * [0, TRAFFICSIM_MICROSECONDS_PER_HOUR). */
#define TRAFFICSIM_HOURS_PER_DAY 24
#define TRAFFICSIM_MICROSECONDS_PER_HOUR 3600000000u

/* Labels a plan reports (SDK 2.1): at most this many a customer-day, each with at most
 * this many numeric attributes; a label's kind and an attribute's name follow the name
 * pattern, up to TRAFFICSIM_LABEL_NAME_MAX characters. */
#define TRAFFICSIM_MAX_PLAN_LABELS 4
#define TRAFFICSIM_MAX_LABEL_ATTRIBUTES 4
#define TRAFFICSIM_LABEL_NAME_MAX 31

/* The kinds of session a plan's session mix weighs (SDK 2.3): chat, agent, completion,
 * batch (enum trafficsim_session_kind in <trafficsim/plugin.h>). */
#define TRAFFICSIM_SESSION_KINDS 4

/* Typed parameters (SDK 2.4): an array parameter holds at most this many numbers, a
 * choice parameter lists at most this many names (each following the parameter name
 * rule). */
#define TRAFFICSIM_MAX_ARRAY_LENGTH 4096
#define TRAFFICSIM_MAX_CHOICES 64

#endif
