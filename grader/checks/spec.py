"""What a graded function is: its points, its parts and the cases it is checked on."""

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Case:
    """One call of a graded function, built by the trusted grader."""

    label: str                  # Russian, shown to the student
    args: tuple
    kwargs: dict = field(default_factory=dict)
    part: str = "main"          # partial credit is given per part
    public: bool = False        # the lab's own example
    mutable: frozenset = frozenset()  # positions of arguments the lab lets the function modify
    m: int = 0                  # number of examples, to name factor-of-m slips


@dataclass(frozen=True)
class FunctionSpec:
    """The one definition of a graded function's check, read by every grading path."""

    name: str
    short: str                    # column header in tables and exports
    points: int
    arg_names: tuple
    build_cases: Callable         # () -> list[Case]; deterministic
    # Graded functions this one may call (the lab's own call graph). During its
    # check each is replaced by the reference, so a slip in a helper costs
    # points only in the helper.
    helpers: tuple = ()
    outputs: object = "результат"    # the return value's name, or names of its tuple items
    parts: tuple = (("main", 1.0),)  # (part, share of the points)
    # (case, reference) -> [(hint, expected output)]: outputs of typical
    # mistakes; when a student's output equals one, the hint is shown.
    slips: Callable = None

    def part_points(self):
        return {part: self.points * share for part, share in self.parts}
