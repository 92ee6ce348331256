"""Results as small immutable records, shared by every grading path and report."""

from dataclasses import asdict, dataclass, field

from .graded_functions import MAX_SCORE

PASSED, FAILED, ERROR, TIMEOUT, MISSING = "passed", "failed", "error", "timeout", "missing"


@dataclass(frozen=True)
class CaseResult:
    label: str
    part: str
    passed: bool
    message: str = ""
    public: bool = False
    output: str = ""   # of a failed case: the wrong result's fingerprint (.behaviour), for `grader similarity`


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


@dataclass(frozen=True)
class SubmissionResult:
    functions: tuple = ()   # FunctionResult for each of the ten, in lab order
    error: str = ""         # why the notebook could not be graded at all
    sealed: bool = False    # whether the child ran chrooted as a user of its own
    seconds: float = 0.0
    notes: tuple = field(default_factory=tuple)  # cell errors and the like, in Russian
    sha256: str = ""        # of the submitted file that was graded ("" when it could not be read)

    @property
    def score(self):
        return round(sum(f.score for f in self.functions), 6)

    @property
    def max_score(self):
        return MAX_SCORE

    def to_json(self):
        return {"score": self.score, "max_score": self.max_score, "error": self.error or None,
                "functions": [f.to_json() for f in self.functions], "notes": list(self.notes)}
