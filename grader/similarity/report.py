"""What an instructor reads: the pairs as JSON, and a page with the evidence side by side.

Every flagged pair is listed, and the :data:`UNFLAGGED` best pairs below the
threshold for context. For the first :data:`DETAILED` of them the code is read
again and fingerprinted with the lines each piece came from (in a pool of
processes: :func:`~.work.shown_code`), so the page shows
both codes function by function with the shared rare passages highlighted,
the hidden cases on which both returned the same wrong result (case names and
the verdicts the students saw -- never an expected value), and the numbers
the score came from.
"""

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..checks.graded_functions import BY_NAME, NAMES
from ..course.base.files import write_text
from ..course.pages.templates import render
from .documents import SOURCE
from .score import BEHAVIOUR_WEIGHT, DISTINCT_WEIGHT, SCALE, SHARED_FLOOR
from .work import shown_code

UNFLAGGED = 20          # pairs below the threshold listed after the flagged ones
DETAILED = 200          # pairs shown with their code and passages
PASSAGES = 12           # shared passages listed per function
MIN_PASSAGE = 0.05      # weight of a shared passage worth listing (rarer than code most of the class writes)
MIN_SHOWN = 0.01        # score of a function worth showing
_HIGHLIGHT = ("s", "t")  # pieces whose lines are highlighted (statements, runs of tokens)


@dataclass
class FunctionView:
    """One function of a pair, as the page shows it."""

    name: str
    score: float
    code: float
    behaviour: float
    shared: float
    smaller: float
    passages: list = field(default_factory=list)   # dicts: code, weight, held_by, a_lines, b_lines, number
    lines: tuple = ((), ())                          # per side: (line number, text, strength 0..3, badge)
    cases: list = field(default_factory=list)      # dicts: case, known_mistake
    verdicts: tuple = ("", "")


@dataclass
class PairView:
    a: str
    b: str
    kinds: tuple
    submitted: tuple
    score: float
    flagged: bool
    functions: list           # FunctionView of the functions with evidence, strongest first
    evidence_sum: float
    scores: dict              # every function's score
    detailed: bool = False    # shown with code and passages
    identical: str = ""       # why the pair scores 1 whatever its evidence (identical files or code)


def listed_rows(comparison, threshold):
    """Rows of ``comparison.scores`` to list: every flagged pair, then :data:`UNFLAGGED` more."""
    score = comparison.scores.score
    flagged = int(np.sum(score >= threshold))
    return [row for row in range(min(len(score), flagged + UNFLAGGED)) if score[row] > 0]


def pair_views(comparison, threshold, detailed=DETAILED, workers=1):
    """:class:`PairView` of every listed pair; the first ``detailed`` with code and passages.

    ``workers``: processes that read and fingerprint the code shown.
    """
    rows = listed_rows(comparison, threshold)
    needed = {}
    for row in rows[:detailed]:
        for f, name in enumerate(NAMES):
            if comparison.scores.functions[row, f] >= MIN_SHOWN:
                for index in comparison.scores.pairs[row]:
                    needed.setdefault(int(index), set()).add(name)
    code = shown_code(comparison.wanted, needed, workers)
    return [_view(comparison, row, threshold, code if n < detailed else None) for n, row in enumerate(rows)]


def _view(comparison, row, threshold, code):
    scores, documents = comparison.scores, comparison.documents
    a, b = (int(i) for i in scores.pairs[row])
    functions = []
    for f, name in enumerate(NAMES):
        if scores.functions[row, f] < MIN_SHOWN:
            continue
        view = FunctionView(name, float(scores.functions[row, f]), float(scores.code[row, f]),
                            float(scores.behaviour[row, f]), float(scores.shared[row, f]),
                            float(scores.smaller[row, f]))
        view.cases = _shared_cases(documents[a], documents[b], name)
        view.verdicts = (documents[a].verdicts.get(name, ""), documents[b].verdicts.get(name, ""))
        if code is not None:
            _passages(view, comparison.table, code[a], code[b])
        functions.append(view)
    functions.sort(key=lambda v: -(v.code + v.behaviour))
    return PairView(documents[a].id, documents[b].id, (documents[a].kind, documents[b].kind),
                    (documents[a].submitted, documents[b].submitted), float(scores.score[row]),
                    bool(scores.score[row] >= threshold), functions,
                    float(scores.code[row].sum() + scores.behaviour[row].sum()),
                    {name: float(scores.functions[row, f]) for f, name in enumerate(NAMES)}, code is not None,
                    str(scores.reason[row]))


def _passages(view, table, code_a, code_b):
    """``view``'s passages and lines; ``code_a``, ``code_b``: {function: (code, print with pieces)} of each side."""
    name = view.name
    if name not in code_a or name not in code_b:
        return
    found = [code[name][1] for code in (code_a, code_b)]
    if found[0] is None or found[1] is None:
        return
    pieces_a, pieces_b = found[0].pieces, found[1].pieces
    common = np.array(sorted(set(pieces_a) & set(pieces_b)), dtype=np.uint64)
    where = np.searchsorted(table.hashes, common)
    known = (where < len(table.hashes)) & (table.hashes[np.minimum(where, len(table.hashes) - 1)] == common)
    weights = {int(h): (float(table.weight[i]), int(table.holders[i]))
               for h, i, ok in zip(common.tolist(), where, known) if ok and table.weight[i] > 0}
    passages = []
    for h, (weight, held) in weights.items():
        first_a, first_b = pieces_a[h][0], pieces_b[h][0]
        if first_a.kind in ("s", "t") and weight >= MIN_PASSAGE:
            passages.append({"code": first_a.text, "weight": round(weight, 3), "held_by": held,
                             "a_lines": list(first_a.lines), "b_lines": list(first_b.lines)})
    passages.sort(key=lambda p: (-p["weight"], p["a_lines"]))
    view.passages = sorted(passages[:PASSAGES], key=lambda p: p["a_lines"])
    for number, passage in enumerate(view.passages, 1):
        passage["number"] = number
    view.lines = tuple(_lines(code[name][0], pieces, weights, view.passages, side)
                       for code, pieces, side in ((code_a, pieces_a, "a_lines"), (code_b, pieces_b, "b_lines")))


def _lines(source, pieces, weights, passages, side):
    """(number, text, strength 0..3, badges) of the lines the function spans in ``source``."""
    spans = [p.lines for ps in pieces.values() for p in ps]
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    strength = {}
    for h, (weight, _) in weights.items():
        for piece in pieces[h]:
            if piece.kind in _HIGHLIGHT:
                level = 3 if weight >= 0.5 else 2 if weight >= 0.2 else 1 if weight >= 0.05 else 0
                for line in range(piece.lines[0], piece.lines[1] + 1):
                    strength[line] = max(strength.get(line, 0), level)
    badges = {}
    for passage in passages:
        badges.setdefault(passage[side][0], []).append(passage["number"])
    text = source.split("\n")
    return tuple((n, text[n - 1] if n <= len(text) else "", strength.get(n, 0), badges.get(n, []))
                 for n in range(first, last + 1))


def _shared_cases(doc_a, doc_b, name):
    if not doc_a.behaviour or not doc_b.behaviour:
        return []
    common = set(doc_a.behaviour.get(name, ())) & set(doc_b.behaviour.get(name, ()))
    labels = _case_labels(name)
    cases = []
    for wrong in sorted(common, key=lambda w: int(w.split(":")[0]) if w.split(":")[0].isdigit() else -1):
        number, _, fingerprint = wrong.partition(":")
        label = labels[int(number)] if number.isdigit() and int(number) < len(labels) else wrong
        cases.append({"case": label, "known_mistake": fingerprint.startswith("~")})
    return cases


@lru_cache(maxsize=None)
def _case_labels(name):
    return tuple(case.label for case in BY_NAME[name].build_cases())


# --- JSON ------------------------------------------------------------------------------

def to_json(comparison, threshold, views):
    """The report as JSON-ready data: a summary of the documents and the listed pairs, best first."""
    documents = comparison.documents
    return {
        "threshold": threshold,
        "students": sum(d.kind != SOURCE for d in documents),
        "sources": sum(d.kind == SOURCE for d in documents),
        "compared_pairs": int(len(comparison.scores.pairs)),
        "flagged": sum(v.flagged for v in views),
        "unreadable": [{"id": d.id, "problem": d.problem} for d in documents if d.problem],
        "blank": [documents[i].id for i in comparison.blank],
        "compared_by_tokens": {d.id: list(d.tokens) for d in documents if d.tokens},
        "behaviour_unknown": [d.id for i, d in enumerate(documents)
                              if d.behaviour is None and not d.problem and i not in comparison.blank],
        "pairs": [_pair_json(v) for v in views],
    }


def _pair_json(view):
    evidence = []
    for f in view.functions:
        if f.code > 0:
            evidence.append({"function": f.name, "kind": "code", "evidence": round(f.code, 3),
                             "shared": round(f.shared, 3), "smaller": round(f.smaller, 3),
                             "passages": [{k: p[k] for k in ("code", "weight", "held_by", "a_lines", "b_lines")}
                                          for p in f.passages]})
        if f.behaviour > 0:
            evidence.append({"function": f.name, "kind": "behaviour", "evidence": round(f.behaviour, 3),
                             "cases": f.cases})
    return {"a": view.a, "b": view.b, "score": round(view.score, 4), "flagged": view.flagged,
            "identical": view.identical,
            "kinds": {"a": view.kinds[0], "b": view.kinds[1]},
            "submitted": {"a": view.submitted[0], "b": view.submitted[1]},
            "functions": {name: round(score, 4) for name, score in view.scores.items()}, "evidence": evidence}


def write_json(data, target):
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    write_text(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


# --- the page ----------------------------------------------------------------------------

def write_html(data, views, target):
    """The self-contained page: the flagged pairs first, each with its evidence."""
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    page = render("similarity.html.j2", package="grader.similarity", data=data, views=views, scale=SCALE,
                  behaviour_weight=BEHAVIOUR_WEIGHT, distinct_weight=DISTINCT_WEIGHT,
                  shared_floor=SHARED_FLOOR,
                  threshold_evidence=SCALE * math.log(1 / (1 - data["threshold"])) if data["threshold"] < 1 else 0,
                  names=NAMES)
    write_text(target, page)
