"""Graded functions written under other names, found by what they compute.

A copy often renames the lab's functions (``l_model_forward``,
``initialize_params_deep``, ``initWB``); compared by name only, such a copy
shares nothing. A document's other functions that take the right number of
arguments were fingerprinted as each missing graded function would be
(:func:`~.fingerprints.renamed_prints`); here each missing function gets the
candidate whose name is the lab's but for case, underscores, ``params``
and a plural (``l_model_forward``, ``linear_activation_backwards``), else the
one that shares the largest part of its code with the course's own code of
that function (its solution and the release) -- the lab leads every answer
through the same steps, so a function doing the same job shares many of
them, one doing another job few -- or, failing both, the document's one
function that can be it and can be nothing else missing.
"""

from collections import Counter
from dataclasses import replace

import numpy as np

from .fingerprints import whole_print

MIN_SHARE = 0.2     # share of a candidate's fingerprints the course's code of the function must hold
_NONE = np.zeros(0, np.uint64)


def with_renamed(documents, reference):
    """``documents`` (:class:`~.work.Printed`) with each missing graded function taken from its best
    candidate under another name; ``reference``: {function: uint64 fingerprints of the course's code}."""
    return [_resolved(document, reference) if document.renamed else document for document in documents]


def _resolved(document, reference):
    ranked = []
    for name, candidates in document.renamed.items():
        known = reference.get(name, _NONE)
        for other, hashes in candidates:
            share = 2.0 if _key(other) == _key(name) else np.isin(hashes, known).sum() / max(len(hashes), 1)
            if share >= MIN_SHARE:
                ranked.append((-share, name, other, hashes))
    code, used = dict(document.code), set()
    for _, name, other, hashes in sorted(ranked, key=lambda r: r[:3]):
        if name not in code and other not in used:
            code[name] = hashes
            used.add(other)
    while True:  # then the one function left that can be it, and can be nothing else left missing
        left = {name: [(o, h) for o, h in candidates if o not in used]
                for name, candidates in document.renamed.items() if name not in code}
        offered = Counter(other for candidates in left.values() for other, _ in candidates)
        single = [(name, c[0]) for name, c in sorted(left.items()) if len(c) == 1 and offered[c[0][0]] == 1]
        if not single:
            break
        for name, (other, hashes) in single:
            code[name] = hashes
            used.add(other)
    if len(code) == len(document.code):
        return document
    added = {name: whole_print(code[name]) for name in code if name not in document.code}
    return replace(document, code=code, whole=dict(document.whole, **added))


def _key(name):
    """A function's name as people vary it: ``L_Model_Forward``, ``initialize_params_deep``, ``..._backwards``."""
    return name.lower().replace("_", "").replace("params", "parameters").rstrip("s")
