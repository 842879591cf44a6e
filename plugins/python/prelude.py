# The pure-Python part of the built-in `trafficsim` module (the streams, customers and
# days are C types of the bridge). Compiled into trafficsim-python.so at build time.

HOURS_PER_DAY = 24
MICROSECONDS_PER_HOUR = 3_600_000_000
MAX_PLAN_LABELS = 4
MAX_LABEL_ATTRIBUTES = 4


class ParameterError(ValueError):
    """Raise it from a scenario's constructor when parameter values do not fit together
    (e.g. a minimum above its maximum): the host reports a usage error (exit 2)."""


class Parameter:
    """A parameter a scenario declares in PARAMETERS; users set it with --set NAME.PARAM=VALUE.

    kind is "real", "integer", "boolean", "choice" or "array" (see the functions below);
    choices lists a choice's names; min_length and max_length bound an array's length, and
    min and max every element."""

    __slots__ = ("name", "default", "min", "max", "help", "integer", "kind", "choices", "min_length", "max_length")

    def __init__(self, name, default, min, max, help, integer=False, kind=None, choices=None, min_length=1,
                 max_length=1):
        self.name, self.default, self.min, self.max = name, default, min, max
        self.help, self.integer = help, integer
        self.kind = kind if kind is not None else "integer" if integer else "real"
        self.choices, self.min_length, self.max_length = choices, min_length, max_length

    def __repr__(self):
        if self.kind == "boolean":
            return f"trafficsim.boolean({self.name!r}, {self.default!r}, {self.help!r})"
        if self.kind == "choice":
            return f"trafficsim.choice({self.name!r}, {self.choices!r}, {self.default!r}, {self.help!r})"
        if self.kind == "array":
            return (f"trafficsim.array({self.name!r}, {self.default!r}, {self.min!r}, {self.max!r}, {self.help!r}, "
                    f"min_length={self.min_length!r}, max_length={self.max_length!r})")
        return f"trafficsim.{self.kind}({self.name!r}, {self.default!r}, {self.min!r}, {self.max!r}, {self.help!r})"


def real(name, default, min, max, help):
    """A real-valued parameter: default and inclusive range [min, max]."""
    return Parameter(name, float(default), float(min), float(max), help)


def integer(name, default, min, max, help):
    """A whole-number parameter: default and inclusive range [min, max]."""
    return Parameter(name, default, min, max, help, integer=True)


def boolean(name, default, help):
    """A boolean parameter, True or False: --set PLUGIN.NAME=true (or false). Arrives as a bool."""
    return Parameter(name, default, 0, 1, help, kind="boolean")


def choice(name, choices, default, help):
    """A choice among names (a list of strings), the default one of them:
    --set PLUGIN.NAME=CHOICE. Arrives as the chosen name (a str)."""
    return Parameter(name, default, 0, 0, help, kind="choice", choices=choices)


def array(name, default, min, max, help, min_length=None, max_length=None):
    """An array of reals, each in [min, max]: --set PLUGIN.NAME=[1, 2.5, 3]. Its length is
    the default's, or any within [min_length, max_length] when given. Arrives as a list of
    floats."""
    try:
        n = len(default)
    except TypeError:
        n = 0  # not a list: the bridge says so
    return Parameter(name, default, min, max, help, kind="array", min_length=n if min_length is None else min_length,
                     max_length=n if max_length is None else max_length)


class Plan:
    """A customer's plan for one day, what plan_day returns.

    The host draws the day's count N from expected_calls by unbiased rounding (N is
    floor(x) or floor(x) + 1, with mean exactly x), raises it to min_calls, and gives each
    call an hour with probability proportional to hour_weights[hour] (24 of them)."""

    __slots__ = ("expected_calls", "min_calls", "hour_weights", "churned", "labels")

    def __init__(self, expected_calls=0.0, hour_weights=None, min_calls=0, churned=False):
        self.expected_calls = expected_calls
        self.hour_weights = [0.0] * HOURS_PER_DAY if hour_weights is None else list(hour_weights)
        self.min_calls = min_calls
        self.churned = churned
        self.labels = []

    def set_hours(self, first, last, weight=1.0):
        """Sets the weight of hours first..last (inclusive) to weight; returns the plan."""
        for hour in range(first, min(last, HOURS_PER_DAY - 1) + 1):
            self.hour_weights[hour] = weight
        return self

    def label(self, kind, first_hour, end_hour, **attributes):
        """Reports a label for hours [first_hour, end_hour) of the day for the answer key,
        e.g. plan.label("burst", 14, 17, multiplier=12.5); returns the plan."""
        self.labels.append((kind, first_hour, end_hour, attributes))
        return self
