/* Helpers for plugins written in C (SDK 2.3): the host's uniform placement, the calendar
 * and labels, so a C plugin neither copies the host's stream layout nor a date library.
 * Header-only (static inline), C99 and C++; the C++ SDK has the same under other names
 * (place_uniformly, <trafficsim/calendar.hpp>, day_plan::label). */
#ifndef TRAFFICSIM_HELPERS_H
#define TRAFFICSIM_HELPERS_H

#include <stdint.h>
#include <string.h>

#include "trafficsim/plugin.h"
#include "trafficsim/random.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- placement ---- */

/* Places `count` calls uniformly over an hour, exactly as the host places the calls of a
 * plugin whose place_calls is NULL: offset i is floor(w x 3,600,000,000 / 2^32) for the
 * i-th 32-bit word w of `stream`, four per Philox block. Given place_calls' own
 * request->stream, a place_calls that calls this for some hours and places the others
 * itself changes only those others. */
static inline void trafficsim_place_uniformly(const trafficsim_stream* stream, uint32_t* offsets_us, uint64_t count) {
  uint64_t i;
  for (i = 0; i < count; i += 4) {
    uint32_t c[4], r[4];
    uint64_t w;
    c[0] = stream->counter[0];
    c[1] = stream->counter[1];
    c[2] = stream->counter[2];
    c[3] = (uint32_t)(i / 4);
    trafficsim_philox(c, stream->key, r);
    for (w = 0; w < 4 && i + w < count; ++w)
      offsets_us[i + w] = (uint32_t)(((uint64_t)r[w] * TRAFFICSIM_MICROSECONDS_PER_HOUR) >> 32);
  }
}

/* ---- the calendar (proleptic Gregorian, UTC; after Howard Hinnant's algorithms) ---- */

/* Nonzero in a leap year. */
static inline int trafficsim_is_leap_year(int32_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Days in `month` (1-12) of `year`. */
static inline unsigned trafficsim_days_in_month(int32_t year, unsigned month) {
  static const unsigned char table[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && trafficsim_is_leap_year(year) ? 29u : table[month - 1];
}

/* Days since 1970-01-01 of a date (the day's epoch_day). */
static inline int64_t trafficsim_days_from_civil(int32_t year, unsigned month, unsigned day) {
  const int64_t y = (int64_t)year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = ((int64_t)month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* The date `epoch_day` days after 1970-01-01, with its weekday (0 = Monday): the fields
 * of a trafficsim_day other than index and days. */
static inline trafficsim_day trafficsim_day_from_epoch(int64_t epoch_day) {
  trafficsim_day d;
  const int64_t z = epoch_day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  memset(&d, 0, sizeof d);
  d.epoch_day = epoch_day;
  d.day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
  d.month = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
  d.year = (int32_t)(yoe + era * 400 + (d.month <= 2 ? 1 : 0));
  d.weekday = (uint8_t)(((epoch_day % 7) + 7 + 3) % 7);
  return d;
}

/* Nonzero on Saturday and Sunday. */
static inline int trafficsim_is_weekend(const trafficsim_day* day) { return day->weekday >= 5; }

/* Nonzero on the last day of its month. */
static inline int trafficsim_is_month_end(const trafficsim_day* day) {
  return day->day == trafficsim_days_in_month(day->year, day->month);
}

/* ---- labels (what the plan makes happen, for the answer key) ---- */

/* Nonzero if `name` follows TRAFFICSIM_NAME_PATTERN within TRAFFICSIM_LABEL_NAME_MAX. */
static inline int trafficsim_is_label_name(const char* name) {
  size_t i, n = strlen(name);
  if (n == 0 || n > TRAFFICSIM_LABEL_NAME_MAX || name[0] < 'a' || name[0] > 'z') return 0;
  for (i = 1; i < n; ++i)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_')) return 0;
  return 1;
}

/* Adds a label of `kind` over hours [first_hour, end_hour) to `plan`. Returns it (to add
 * attributes to), or NULL without changing the plan if the host's plan has no room for
 * labels (a host of SDK 2.0), the plan already has TRAFFICSIM_MAX_PLAN_LABELS, the kind
 * breaks the name rule or the hours are not 0 <= first < end <= 24. */
static inline trafficsim_plan_label* trafficsim_add_label(trafficsim_day_plan* plan, const char* kind,
                                                          uint32_t first_hour, uint32_t end_hour) {
  trafficsim_plan_label* l;
  if (!TRAFFICSIM_PLAN_HAS_LABELS(plan) || plan->label_count >= TRAFFICSIM_MAX_PLAN_LABELS ||
      !trafficsim_is_label_name(kind) || first_hour >= end_hour || end_hour > TRAFFICSIM_HOURS_PER_DAY)
    return NULL;
  l = &plan->labels[plan->label_count++];
  memset(l, 0, sizeof *l);
  memcpy(l->kind, kind, strlen(kind) + 1);
  l->first_hour = first_hour;
  l->end_hour = end_hour;
  return l;
}

/* Adds the numeric attribute `name` = `value` to `label` (NULL is ignored, so the result
 * of trafficsim_add_label can be passed as it is). Returns 1, or 0 if the label is NULL
 * or full (TRAFFICSIM_MAX_LABEL_ATTRIBUTES), the name breaks the rule or the value is
 * not finite. */
static inline int trafficsim_add_label_attribute(trafficsim_plan_label* label, const char* name, double value) {
  trafficsim_label_attribute* a;
  if (label == NULL || label->attribute_count >= TRAFFICSIM_MAX_LABEL_ATTRIBUTES || !trafficsim_is_label_name(name) ||
      !(value - value == 0)) /* false for NaN and the infinities, without <math.h> */
    return 0;
  a = &label->attributes[label->attribute_count++];
  memset(a->name, 0, sizeof a->name);
  memcpy(a->name, name, strlen(name) + 1);
  a->value = value;
  return 1;
}

#ifdef __cplusplus
}
#endif

#endif
