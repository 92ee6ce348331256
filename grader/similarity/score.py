"""A pair's score: evidence per graded function, combined over the functions.

For one function of a pair, with fingerprints weighted by rarity (:mod:`.index`):

* code: ``E`` is the weight the two share and ``m`` the weight of the smaller
  side; the code counts ``(E - 0.8 m) / 0.2`` -- ``m`` when all of the smaller
  side's code is shared, nothing below :data:`SHARED_FLOOR` of it. With the
  disguises undone a copied function shares all of it (every one of the test
  corpus does); two independent solutions share what many write, and the
  small functions that leave no freedom, whose ``m`` is small;
* behaviour: the same wrong results on the grader's cases, as the rarity of
  the shared ones averaged over the smaller side's wrong results, times
  :data:`BEHAVIOUR_WEIGHT`; or, when larger, their squared weight averaged
  the same way times :data:`DISTINCT_WEIGHT`. A mistake only these two
  make counts like a function's worth of rare code, however the formula was
  rewritten; one a few in the class make (weight squared: rarer still
  counts) stays near the old weight, since one mistake fails many cases at
  once and students make the same slips independently.

Near-exact duplicates score 1 whatever their evidence, with the reason
:data:`~.identical.NEAR_SAME`: of the functions both wrote with rare code in
them (:data:`NEAR_WEIGHT` or more on the smaller side), at least
:data:`NEAR_SPREAD` share :data:`SHARED_FLOOR` of it or more and at most
:data:`NEAR_EDITED` does not, and one function is the same normalised code
few others wrote (:func:`~.identical.alike_pairs`) -- a fork of an older
version, a copy with a line edited or a function left out. Summed evidence
cannot tell these from one rare function two students happen to write alike
(a pair of forks shares every function, of which only a few are rare); a
count of the functions that hold rare code can. One rare function with the
rest the plain answer is a coincidence a class has, and stays weighed.

A function's evidence ``x`` scores ``1 - exp(-x / SCALE)``, and the pair
``1 - exp(-sum(x) / SCALE)``: the chance that at least one function was
copied, if each function's evidence were independent. A pair is flagged at
:data:`grader.similarity.THRESHOLD` (0.5: evidence of ``SCALE * ln 2``, 3.5).
"""

from dataclasses import dataclass

import numpy as np

from .identical import NEAR_SAME
from .index import BEHAVIOUR, CODE, shared

SHARED_FLOOR = 0.8      # share of the smaller side's rare code below which a function's code is no evidence
SCALE = 5.0             # evidence that scores 1 - 1/e
BEHAVIOUR_WEIGHT = 2.0  # least evidence of one function's wrong results, all shared and all rare
DISTINCT_WEIGHT = 4.0   # evidence of one function's wrong results that only this pair has (squared weight 1)
NEAR_WEIGHT = 0.5       # rare code (half a rare output) that makes a function count for near-exact duplicates
NEAR_SPREAD = 2         # such functions near-exact duplicates share all of
NEAR_EDITED = 1         # such functions near-exact duplicates may have written differently


@dataclass(frozen=True)
class Scores:
    """Scores of pairs: row ``i`` is the pair ``pairs[i]``."""

    pairs: np.ndarray       # (n, 2) document indices
    score: np.ndarray       # (n,)
    functions: np.ndarray   # (n, functions): each function's score
    code: np.ndarray        # (n, functions): code evidence
    behaviour: np.ndarray   # (n, functions): behaviour evidence
    shared: np.ndarray      # (n, functions): weight of the code the pair shares
    smaller: np.ndarray     # (n, functions): weight of the smaller side's code
    reason: np.ndarray      # (n,) str: why the pair scores 1 whatever its evidence ("" when weighed)


def score_pairs(table, pairs, functions, identical=None, alike=frozenset()):
    """:class:`Scores` of ``pairs`` (an (n, 2) array of document indices), best first.

    ``identical``: {(a, b): reason} of pairs that score 1 whatever their
    evidence (:mod:`.identical`); they are scored even when not in ``pairs``.
    ``alike``: pairs (a, b), a < b, with a function of their own written
    alike (:func:`~.identical.alike_pairs`), the ones that may be near-exact.
    """
    identical = {(min(p), max(p)): r for p, r in (identical or {}).items()}
    if identical:
        pairs = np.unique(np.concatenate([np.asarray(pairs, dtype=np.int64).reshape(-1, 2),
                                          np.array(sorted(identical), dtype=np.int64)]), axis=0)
    reason = np.array([identical.get((int(a), int(b)), "") for a, b in pairs], dtype=object)
    count = len(pairs)
    weight, squares = np.zeros((count, functions, 2)), np.zeros((count, functions, 2))
    for row, (a, b) in enumerate(pairs):
        weight[row], _, squares[row] = shared(table, a, b, functions)
    totals_a, totals_b = table.totals[pairs[:, 0]], table.totals[pairs[:, 1]]
    smaller = np.minimum(totals_a[..., CODE], totals_b[..., CODE])
    code = np.maximum(0.0, weight[..., CODE] - SHARED_FLOOR * smaller) / (1 - SHARED_FLOOR)
    wrong = np.minimum(table.counts[pairs[:, 0]][..., BEHAVIOUR], table.counts[pairs[:, 1]][..., BEHAVIOUR])
    behaviour = np.maximum(BEHAVIOUR_WEIGHT * weight[..., BEHAVIOUR],
                           DISTINCT_WEIGHT * squares[..., BEHAVIOUR]) / np.maximum(wrong, 1)
    evidence = code + behaviour
    rare = table.own[pairs[:, 0]] & table.own[pairs[:, 1]] & (smaller >= NEAR_WEIGHT)
    alike_code = (rare & (weight[..., CODE] >= SHARED_FLOOR * smaller)).sum(axis=1)
    near = ((reason == "") & (alike_code >= NEAR_SPREAD) & (rare.sum(axis=1) - alike_code <= NEAR_EDITED)
            & np.array([(int(a), int(b)) in alike for a, b in pairs], dtype=bool))
    reason[near] = NEAR_SAME
    score = 1 - np.exp(-evidence.sum(axis=1) / SCALE)
    score[reason != ""] = 1.0
    order = np.lexsort((-evidence.sum(axis=1), -score))  # identical pairs first, then by evidence
    return Scores(pairs[order], score[order], (1 - np.exp(-evidence / SCALE))[order], code[order],
                  behaviour[order], weight[order][..., CODE], smaller[order], reason[order])
