"""Cyclical business usage: busy Mon-Wed, quiet weekends, office-hour peaks, monthly wave

The original system's seasonal pattern, in Python. A customer's expected calls on a day
are its calls per day, times a weekly factor of the calendar weekday (by default 1.3
Monday to Wednesday, 1.0 Thursday and Friday, 0.5 at the weekend: the array parameter
`weekly`), times a monthly wave
1 + A sin(2 pi t / P) over the day index t. Every hour has calls, most in office hours.
It draws nothing: the host's own draws (the day's count, each call's hour) do the rest,
so this plans exactly what the C++ plugin `seasonal` plans.
"""

import math

import trafficsim

VERSION = "1.0.0"
DEFAULT_CUSTOMERS = 50
DEFAULT_SEED = 100

PARAMETERS = [
    trafficsim.real("monthly_amplitude", 0.2, 0.0, 1.0, "Amplitude A of the monthly cycle 1 + A sin(2 pi t / P)"),
    trafficsim.real("monthly_period_days", 30.0, 1.0, 3660.0, "Period P of the monthly cycle, in days"),
    # An array of 7 reals: --set seasonal.weekly=[1, 1, 1, 1, 1, 0, 0] gives weekends without calls.
    trafficsim.array("weekly", [1.3, 1.3, 1.3, 1.0, 1.0, 0.5, 0.5], 0.0, 10.0,
                     "Factor of calls on each weekday, Monday first"),
]


def office_hours():
    """The day's shape: 0.6 at night, peaks in the morning and after lunch."""
    shape = trafficsim.Plan()
    shape.set_hours(0, 23, 0.6)
    shape.set_hours(9, 11, 1.4)
    shape.set_hours(13, 15, 1.3)
    shape.set_hours(16, 18, 1.1)
    shape.set_hours(19, 20, 0.8)
    return tuple(shape.hour_weights)


class Scenario:
    def __init__(self, params):
        self.amplitude = params["monthly_amplitude"]
        self.period_days = params["monthly_period_days"]
        self.weekly = params["weekly"]  # a list of 7 floats
        self.hours = office_hours()

    def plan_day(self, customer, day):
        monthly = 1.0 + self.amplitude * math.sin(2.0 * math.pi * day.index / self.period_days)
        expected = customer.calls_per_day * self.weekly[day.weekday] * monthly
        return trafficsim.Plan(expected, self.hours)
