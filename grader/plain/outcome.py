"""What one call of a student function produced, as plain data (see :mod:`.codec`)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One call's result, safe to judge: encoded values or the reason there are none."""

    value: object = None       # encoded return value
    args_after: object = None  # encoded arguments after the call (to catch mutation)
    error: str = ""            # "TypeError: ..." when the call raised
    invalid: str = ""          # why the returned value is not plain data (an always-equal object, ...)
