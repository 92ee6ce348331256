"""Results as small immutable records, shared by every grading path and report."""

from dataclasses import dataclass, field, asdict

PASSED, FAILED, ERROR, TIMEOUT, MISSING = "passed", "failed", "error", "timeout", "missing"


@dataclass(frozen=True)
class Outcome:
    """What one call of a student function produced, as plain data (see codec)."""

    value: object = None       # encoded return value
    args_after: object = None  # encoded arguments after the call (to catch mutation)
    error: str = ""            # "TypeError: ..." when the call raised
    invalid: str = ""          # why the returned value is not plain data (an always-equal object, ...)


@dataclass(frozen=True)
class CaseResult:
    label: str
    part: str
    passed: bool
    message: str = ""
    public: bool = False


@dataclass(frozen=True)
class FunctionResult:
    name: str
    score: float
    max_score: float
    status: str
    message: str = ""
    cases: tuple = field(default_factory=tuple)

    def to_json(self):
        data = asdict(self)
        del data["cases"]
        return data
