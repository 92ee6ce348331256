"""Common forms of the graded functions: code written alike without copying.

A small class measures rarity badly: with twenty documents, a loop two
students wrote the usual way looks as rare as a copied line, and one such
function weighs as much as a copy. ``forms/`` holds the ways this lab's
functions are commonly written -- the skeleton filled in as its comments
suggest, layers counted from 0 or from 1, shared steps written once -- all
written for this project. Their code counts as the course's solution does
(:data:`~.index.BASELINE_SHARE` of the class writes it), so a coincidence in
a standard form weighs next to nothing in any class, while what a document
adds to it (a slip, an odd formula, a line of its own) keeps its rarity.
"""

from pathlib import Path

import numpy as np

from ..checks.graded_functions import NAMES
from .fingerprints import function_print

FORMS = Path(__file__).with_name("forms")


def known_forms():
    """{function: sorted uint64 fingerprints} of every form in ``forms/`` (files read as text, never run)."""
    found = {name: [] for name in NAMES}
    for path in sorted(FORMS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for name in NAMES:
            printed = function_print(name, source)
            if printed is not None:
                found[name].append(printed.hashes)
    return {name: np.unique(np.concatenate(parts)) for name, parts in found.items() if parts}
