"""Every draw of the API: a test scenario for determinism across threads and shards

Expected calls from a gamma-distributed customer level and a lognormal day factor, a
Poisson minimum, office hours chosen by a normal deviate, a label on Pareto spikes, and its
own placement of calls inside the hour (a Zipf rank of the quarter-hour and a uniform
offset in it).
"""

import trafficsim

DEFAULT_CUSTOMERS = 40
DEFAULT_SEED = 4242

PARAMETERS = [
    trafficsim.real("spike_threshold", 3.0, 1.0, 100.0, "Pareto draws above this make a spike day"),
    trafficsim.integer("quarters", 4, 1, 4, "Quarter-hours a call may fall in"),
]


class Scenario:
    def __init__(self, params):
        self.threshold = params["spike_threshold"]
        self.quarters = params["quarters"]

    def plan_day(self, customer, day):
        level = customer.stream.gamma(2.0, 0.5, 0)
        factor = day.stream.lognormal(0.0, 0.3, 0)
        start = 8 + int(abs(day.stream.normal(1)) * 2) % 4
        plan = trafficsim.Plan(customer.calls_per_day * level * factor, min_calls=day.stream.poisson(1.5, 2))
        plan.set_hours(start, start + 8, 1.0 + day.stream.unit(3))
        if day.weekend:
            plan.set_hours(0, 23, 0.2)
        spike = day.stream.pareto(1.0, 2.5, 4)
        if spike > self.threshold:
            plan.expected_calls *= 2
            plan.label("spike", start, start + 2, height=spike, bits=day.stream.bits(5) % 1000)
        return plan

    def place_calls(self, customer, day, hour, stream, count):
        quarter = 15 * 60 * 1_000_000
        return [
            (stream.zipf(self.quarters, 1.1, 2 * i) - 1) * quarter + stream.integer(0, quarter - 1, 2 * i + 1)
            for i in range(count)
        ]
