"""Identical work: byte-identical files, and the same normalised code in every function.

These pairs need no weighing of evidence: they are always flagged, with a
score of 1 and the reason shown. Documents with no code of their own (blank
submissions) and documents whose every function is the release's or the
course's own solution are left to the weighed score -- a class has many of
those and they say nothing. So is the same normalised code when every
function of it is standard: written alike by at least :data:`STANDARD_OUTSIDE`
other documents. The lab leaves little freedom, and two students who each
wrote the plain answer to every function have the same normalised code
without copying; byte-identical files, and the same code with one function
of its own, stay flagged.

Near-exact duplicates -- a fork of an older version, a copy with a line or two
edited, a copy missing a function -- differ somewhere, so they are weighed
(:mod:`.score`); :func:`alike_pairs` finds the pairs that have such a function
of their own written alike, which :mod:`.score` needs to call them near-exact.
"""

from collections import Counter
from itertools import combinations

IDENTICAL_FILES = "идентичные файлы"
SAME_CODE = "совпадает весь код"
NEAR_SAME = "совпадает почти весь код"
MAX_GROUP = 50      # a larger group is paired with its first member only (linear, still every member named)
STANDARD_OUTSIDE = 2  # a function's code written alike by this many documents outside a group is standard


def identical_pairs(documents, own, common):
    """{(a, b): reason} of documents with identical bytes or identical normalised code.

    ``documents``: :class:`~.work.Printed`; ``own``: per document, whether it
    has code of its own; ``common``: whole-code fingerprints of the release's
    and the course's solution (:func:`~.fingerprints.whole_print`).
    """
    by_bytes, by_code = {}, {}
    for index, document in enumerate(documents):
        if document.problem or not own[index] or all(w in common for w in document.whole.values()):
            continue
        by_code.setdefault(tuple(sorted(document.whole.items())), []).append(index)
        if document.digest:
            by_bytes.setdefault(document.digest, []).append(index)
    holders = _holders(documents, own)
    by_code = {code: members for code, members in by_code.items()
               if any(whole not in common and holders[name, whole] - len(members) < STANDARD_OUTSIDE
                      for name, whole in code)}
    found = {}
    for groups, reason in ((by_code, SAME_CODE), (by_bytes, IDENTICAL_FILES)):  # bytes last: the stronger reason
        for members in groups.values():
            for pair in _paired(members):
                found[pair] = reason
    return found


def alike_pairs(documents, own, common):
    """Pairs (a, b), a < b, with the same normalised code of a function few others wrote alike.

    "Few": fewer than :data:`STANDARD_OUTSIDE` documents besides the two, and
    not the release's or the course's code (``common``). Each such function
    pairs at most ``STANDARD_OUTSIDE + 1`` documents, so the set grows
    linearly with the class.
    """
    holders = _holders(documents, own)
    by_item = {}
    for index, document in enumerate(documents):
        if document.problem or not own[index]:
            continue
        for item in document.whole.items():
            if item[1] not in common and holders[item] - 2 < STANDARD_OUTSIDE:
                by_item.setdefault(item, []).append(index)
    return {pair for members in by_item.values() for pair in combinations(members, 2)}


def _holders(documents, own):
    """How many documents (read, with code of their own) wrote each (function, whole normalised code)."""
    return Counter(item for index, document in enumerate(documents) if not document.problem and own[index]
                   for item in document.whole.items())


def _paired(members):
    if len(members) <= MAX_GROUP:
        return combinations(members, 2)
    return ((members[0], other) for other in members[1:])
