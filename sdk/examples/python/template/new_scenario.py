"""new_scenario: a new traffic pattern (edit plan_day)

The first line of this docstring is the description --list-plugins shows. The plugin's
name is the file's stem: new_scenario.py is the plugin new_scenario.
"""

import trafficsim

VERSION = "0.1.0"
DEFAULT_CUSTOMERS = 20  # before --scale
DEFAULT_SEED = 7  # give each plugin its own seed (--set new_scenario.seed=N changes it)

# What users may set with --set new_scenario.NAME=VALUE; the host checks the range. Also
# trafficsim.integer(name, default, min, max, help), trafficsim.boolean(name, default, help),
# trafficsim.choice(name, ["steady", "spiky"], "steady", help) and trafficsim.array(name,
# [1.0] * 7, min, max, help): they arrive as int, bool, str and a list of floats.
PARAMETERS = [
    trafficsim.real("weekend_factor", 0.5, 0.0, 10.0, "Multiplier of calls on Saturdays and Sundays"),
    trafficsim.real("jitter", 0.1, 0.0, 1.0, "Day-to-day noise: calls x U[1 - jitter, 1 + jitter]"),
]

# Each random draw reads its own fixed slot of a stream: adding a draw later takes a new
# slot, so the other draws (and everyone's data) stay the same.
SLOT_JITTER = 0


class Scenario:
    def __init__(self, params):
        # params: every parameter above (ints for trafficsim.integer), plus customers and seed.
        self.weekend_factor = params["weekend_factor"]
        self.jitter = params["jitter"]

    def plan_day(self, customer, day):
        # A pure function of (customer, day): no globals, no clock, no `random` module; draw
        # only from customer.stream (the same every day) and day.stream (this customer-day's).
        calls = customer.calls_per_day
        if day.weekend:
            calls *= self.weekend_factor
        calls *= day.stream.uniform(1 - self.jitter, 1 + self.jitter, SLOT_JITTER)
        # Office hours 09:00-17:59 at weight 1, the evening at 0.3, the night without calls.
        return trafficsim.Plan(calls).set_hours(9, 17).set_hours(18, 21, 0.3)
