"""Batch bursts: 15% of days bring 5-20x calls in one 1-3 hour window, other days 0.2x

The original system's burst pattern, in Python: batch jobs and automated pipelines. A
customer-day is a burst day with the given probability; a burst day's calls all fall in
one window that starts on a whole hour between 08:00 and 18:00, lasts a few hours and
ends by 21:00. Other days bring a small baseline over office hours. Each draw reads a fixed
slot of the day's stream, so this plans exactly what the C++ plugin `burst` plans.
"""

import trafficsim

VERSION = "1.0.0"
DEFAULT_CUSTOMERS = 30
DEFAULT_SEED = 200

PARAMETERS = [
    trafficsim.real("probability", 0.15, 0.0, 1.0, "Probability that a customer-day is a burst day"),
    trafficsim.real("multiplier_min", 5.0, 0.0, 1000.0, "Smallest burst-day multiplier of calls per day"),
    trafficsim.real("multiplier_max", 20.0, 0.0, 1000.0, "Largest burst-day multiplier of calls per day"),
    trafficsim.real("baseline", 0.2, 0.0, 10.0, "Multiplier of calls per day on days without a burst"),
    trafficsim.integer("window_min_hours", 1, 1, 13, "Shortest burst window, in whole hours"),
    trafficsim.integer("window_max_hours", 3, 1, 13, "Longest burst window, in whole hours (it ends by 21:00)"),
]

# Fixed slots of the customer-day stream: a new draw takes a new slot, so the others stay.
SLOT_IS_BURST, SLOT_MULTIPLIER, SLOT_LENGTH, SLOT_START = 0, 1, 2, 3
FIRST_START_HOUR, LAST_START_HOUR, END_HOUR = 8, 18, 21


class Scenario:
    def __init__(self, params):
        self.p = params
        if params["multiplier_min"] > params["multiplier_max"]:
            raise trafficsim.ParameterError("multiplier_min must not exceed multiplier_max")
        if params["window_min_hours"] > params["window_max_hours"]:
            raise trafficsim.ParameterError("window_min_hours must not exceed window_max_hours")

    def plan_day(self, customer, day):
        p, rng = self.p, day.stream
        if not rng.bernoulli(p["probability"], SLOT_IS_BURST):
            return trafficsim.Plan(p["baseline"] * customer.calls_per_day).set_hours(8, 20)
        multiplier = rng.uniform(p["multiplier_min"], p["multiplier_max"], SLOT_MULTIPLIER)
        length = rng.integer(p["window_min_hours"], p["window_max_hours"], SLOT_LENGTH)
        start = rng.integer(FIRST_START_HOUR, min(LAST_START_HOUR, END_HOUR - length), SLOT_START)
        plan = trafficsim.Plan(customer.calls_per_day * multiplier).set_hours(start, start + length - 1)
        # The answer key: the window and the day's multiplier of the customer's calls a day.
        return plan.label("burst", start, start + length, multiplier=multiplier)
