"""How rare each fingerprint is, and which pairs share enough rare ones to be compared.

Every document's fingerprints (code and wrong results, per function) go into
one table. A fingerprint's weight says how rare it is among the documents
that have that function -- this class and the known sources together:

    rarity = 1 - ln(documents holding it) / ln(documents),  weight = rarity² × kind

so code half the class writes weighs next to nothing and a statement two
people share weighs almost 1 (``kind``: :data:`KIND_WEIGHT`). Code of a known
template weighs 0: the release's, and code most of the known sources share
(when there are :data:`TEMPLATE_SOURCES` or more, a passage in more than
:data:`TEMPLATE_SHARE` of them is the original lab's skeleton, not anyone's
own). The course's own solution counts as written by half the class (it is
what the lab's hints lead to); a wrong result the checks recognise by name
weighs a fifth.

Comparing 100,000 students pair by pair is out of reach, so candidates come
from an index of rare fingerprints: a pair is compared when the fingerprints
held by at most :data:`INDEX_CAP` documents that both hold weigh
:data:`MIN_SHARED` or more. Each such fingerprint adds at most ``INDEX_CAP²/2``
pairs, so the cost grows linearly with the class.
"""

from dataclasses import dataclass

import numpy as np

from .fingerprints import kind_codes

# What one fingerprint of each kind (fingerprints.KINDS) counts for: an output fully, a sub-expression
# half (it repeats part of its output), a run of six tokens a sixth (each token is in six runs), a
# wrong result fully, one the checks recognise by name (a mistake many make) a fifth.
KIND_WEIGHT = np.array([1.0, 0.5, 1.0, 1 / 6, 1.0, 0.2, 0, 0])
MIN_DOCUMENTS = 20      # below this many documents, rarity is measured as if there were this many
BASELINE_SHARE = 0.5    # the course's solution: as if this share of the documents wrote it
TEMPLATE_SOURCES = 4    # known sources needed before what most of them share counts as a template
TEMPLATE_SHARE = 0.5    # code in more than this share of the known sources weighs 0
INDEX_CAP = 50          # fingerprints held by more documents than this do not make candidates
MIN_SHARED = 1.0        # rare weight a pair must share to be compared
CODE, BEHAVIOUR = 0, 1


@dataclass
class Table:
    """The fingerprints of every document, with their weights."""

    hashes: np.ndarray      # uint64, sorted unique
    function: np.ndarray    # int16: index of the graded function each belongs to
    kind: np.ndarray        # int8: CODE or BEHAVIOUR
    holders: np.ndarray     # int32: documents holding it
    weight: np.ndarray      # float64
    documents: list         # per document: int32 indices into ``hashes``, each once
    totals: np.ndarray      # (documents, functions, 2): summed weight of each document's fingerprints
    counts: np.ndarray      # (documents, functions, 2): how many fingerprints
    own: np.ndarray         # (documents, functions) bool: code of the document's own, more than the release's


def build(prints, functions, template=(), baseline=(), sources=None):
    """The :class:`Table` of ``prints``: per document a list of (function index, CODE or BEHAVIOUR, uint64 array).

    A function whose code is all the release's (``template``) is not the
    document's own: neither its code nor its wrong results count (every blank
    answer fails the same way). ``baseline``: the course's solution.
    ``sources``: per document, whether it is a known source.
    """
    documents, size = len(prints), functions * 2
    parts, cells, sizes = [], [], []  # each item's fingerprints, its cell of (document, function, kind), how many
    for doc, items in enumerate(prints):
        for function, kind, hashes in items:
            if len(hashes):
                parts.append(hashes)
            cells.append((doc * functions + function) * 2 + kind)
            sizes.append(len(hashes))
    present = np.zeros(documents * size, dtype=bool)
    present[np.array(cells, dtype=np.int64)] = True
    present = present.reshape(documents, functions, 2)
    every = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
    cell = np.repeat(np.array(cells, dtype=np.int64), sizes)
    hashes, inverse = np.unique(every, return_inverse=True)
    released = np.isin(hashes, np.asarray(template, dtype=np.uint64))
    written = (cell % 2 == CODE) & ~released[inverse]
    own = np.bincount(cell // 2, weights=written, minlength=documents * functions).reshape(documents, functions) > 0
    kept = own.ravel()[cell // 2]
    cell, inverse = cell[kept], inverse[kept]
    function_of = np.zeros(len(hashes), dtype=np.int16)
    kind_of = np.zeros(len(hashes), dtype=np.int8)
    function_of[inverse] = (cell // 2) % functions
    kind_of[inverse] = cell % 2
    holders = np.bincount(inverse, minlength=len(hashes))
    population = np.stack([own.sum(axis=0), (own & present[..., BEHAVIOUR]).sum(axis=0)], axis=1)
    population = np.maximum(population[function_of, kind_of], MIN_DOCUMENTS).astype(float)
    held = np.maximum(holders, 1).astype(float)
    held += np.isin(hashes, np.asarray(baseline, dtype=np.uint64)) * BASELINE_SHARE * population
    rarity = np.clip(1 - np.log(held) / np.log(population), 0, 1)
    weight = rarity ** 2 * KIND_WEIGHT[kind_codes(hashes)]
    weight[released] = 0
    if sources is not None and np.sum(sources) >= TEMPLATE_SOURCES:
        by_source = np.asarray(sources, dtype=bool)[cell // size]
        in_sources = np.bincount(inverse[by_source & (cell % 2 == CODE)], minlength=len(hashes))
        weight[in_sources > TEMPLATE_SHARE * np.sum(sources)] = 0
    bounds = np.searchsorted(cell // size, np.arange(documents + 1))  # postings come document by document
    listed = [inverse[bounds[d]:bounds[d + 1]].astype(np.int32) for d in range(documents)]
    totals = np.bincount(cell, weights=weight[inverse], minlength=documents * size).reshape(documents, functions, 2)
    counts = np.bincount(cell, minlength=documents * size).reshape(documents, functions, 2).astype(np.int32)
    return Table(hashes, function_of, kind_of, holders.astype(np.int32), weight, listed, totals, counts, own)


def candidates(table, wanted=None):
    """Pairs (a, b), a < b, that share :data:`MIN_SHARED` of rare weight, as an (n, 2) int array.

    ``wanted(a, b)`` (vectorised over arrays) may drop pairs never compared
    (two known sources).
    """
    indexed = np.flatnonzero((table.holders >= 2) & (table.holders <= INDEX_CAP) & (table.weight > 0))
    if not len(indexed):
        return np.zeros((0, 2), dtype=np.int64)
    keep = np.zeros(len(table.hashes), dtype=bool)
    keep[indexed] = True
    postings = [(d, ids[keep[ids]]) for d, ids in enumerate(table.documents)]
    ids = np.concatenate([i for _, i in postings])
    docs = np.concatenate([np.full(len(i), d, dtype=np.int64) for d, i in postings])
    order = np.lexsort((docs, ids))
    ids, docs = ids[order], docs[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    sizes = np.diff(np.r_[starts, len(ids)])
    codes, weights = [], []
    population = len(table.documents)
    for size in np.unique(sizes):
        group = starts[sizes == size]
        members = docs[group[:, None] + np.arange(size)]          # (groups, size), each row ascending
        left, right = np.triu_indices(size, 1)
        codes.append((members[:, left] * population + members[:, right]).ravel())
        weights.append(np.repeat(table.weight[ids[group]], len(left)))
    codes, weights = np.concatenate(codes), np.concatenate(weights)
    pairs, inverse = np.unique(codes, return_inverse=True)
    shared = np.bincount(inverse, weights=weights)
    pairs = pairs[shared >= MIN_SHARED]
    pairs = np.stack([pairs // population, pairs % population], axis=1)
    if wanted is not None and len(pairs):
        pairs = pairs[wanted(pairs[:, 0], pairs[:, 1])]
    return pairs


def shared(table, a, b, functions):
    """(functions, 2) summed weight, count, and summed squared weight of the fingerprints ``a`` and ``b`` share."""
    common = np.intersect1d(table.documents[a], table.documents[b], assume_unique=True)
    cell = table.function[common].astype(np.int64) * 2 + table.kind[common]
    weight = np.bincount(cell, weights=table.weight[common], minlength=functions * 2).reshape(functions, 2)
    count = np.bincount(cell, minlength=functions * 2).reshape(functions, 2)
    squares = np.bincount(cell, weights=table.weight[common] ** 2, minlength=functions * 2).reshape(functions, 2)
    return weight, count, squares
