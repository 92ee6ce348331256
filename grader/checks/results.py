"""Results as small immutable records, shared by every grading path and report."""

from dataclasses import dataclass, field, fields

from .facts import REFUSALS_NAMED, Note, Refusal
from .graded_functions import MAX_SCORE

PASSED, FAILED, ERROR, TIMEOUT, MISSING = "passed", "failed", "error", "timeout", "missing"
SYNTAX = "syntax"  # the function's answer cell does not parse, so it never ran
UNANSWERED = "unanswered"  # the answer cell is still the release's stub (set where the release is known)


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
    refused: tuple = ()     # what the seal refused while it ran, in Russian ("сеть: socket ×2")
    notes: tuple = ()       # what else its answer cell did that the student should know, in Russian

    def __post_init__(self):
        object.__setattr__(self, "refused", _refusals(self.refused))

    def to_json(self):
        """Its fields but the cases, as plain data (field by field: copying the cases only to drop them was
        most of what recording a student's verdicts cost)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "cases"}
        data["refused"], data["notes"] = list(self.refused), list(self.notes)
        return data


MORE_REFUSED = "и другие вызовы"


def _refusals(refused):
    """What the seal refused, by its facts (.facts.Refusal), the first :data:`~.facts.REFUSALS_NAMED` calls named.

    How often a call was tried, and which of the kernel's hundred and more refused calls were, is the
    student's to choose: the rest is only said to be there.
    """
    if not refused:
        return ()
    calls = [r for r in refused if r != MORE_REFUSED]
    said = tuple(str(Refusal.of(r)) for r in calls[:REFUSALS_NAMED])
    return said + ((MORE_REFUSED,) if len(calls) > REFUSALS_NAMED or MORE_REFUSED in refused else ())


@dataclass(frozen=True)
class SubmissionResult:
    functions: tuple = ()   # FunctionResult for each of the ten, in lab order
    error: str = ""         # why the notebook could not be graded at all
    seal: object = None     # the Seal (grader.plain.seal) its children ran under; None if nothing ran
    seconds: float = 0.0
    notes: tuple = field(default_factory=tuple)  # cell errors and the like, in Russian
    sha256: str = ""        # of the submitted file that was graded ("" when it could not be read)
    refused: tuple = ()     # what the seal refused the answer cells' own top-level code, in Russian
    unfinished: bool = False  # the grader failed, not the work (no sandbox on a loaded machine, a fault of
    #                           its own): never recorded as a grade; every path grades it again later
    died_alone: bool = False  # (unfinished too) its grading process died on it twice, the second time
    #                           grading nothing else: the service answers it rather than trying again

    def __post_init__(self):
        # A cell's error is the student's text, raised where the sealed child holds the hidden cases: a
        # note keeps only its facts (.facts.Note), however it was written.
        object.__setattr__(self, "notes", tuple(str(Note.of(note)) for note in self.notes))
        object.__setattr__(self, "refused", _refusals(self.refused))

    @property
    def score(self):
        return round(sum(f.score for f in self.functions), 6)

    @property
    def max_score(self):
        return MAX_SCORE

    def all_refused(self):
        """Every call the seal refused, where it was tried: ("linear_forward: сеть: socket ×5", ...)."""
        return tuple("{}: {}".format(f.name, r) for f in self.functions for r in f.refused) + \
            tuple("ячейки ответов: " + r for r in self.refused)

    def to_json(self):
        return {"score": self.score, "max_score": self.max_score, "error": self.error or None,
                "functions": [f.to_json() for f in self.functions], "notes": list(self.notes),
                "refused": list(self.refused),
                "seal": self.seal.report() if self.seal is not None else None}
