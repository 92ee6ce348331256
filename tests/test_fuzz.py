"""Fuzzing the trusted side: generated and mutated notebook files never crash, hang or skew a grade.

Hypothesis mutates the release notebook and a correct submission -- structure,
types, nesting, sizes, encodings, cell kinds and metadata -- and each file is
read and graded as every path reads and grades it. A file must get a definite
result in bounded time and never a traceback; a mutation that leaves the
answer cells as they were (a *benign* one) must leave every score as it was.

The run is deterministic (``derandomize``) with ``--fuzz-examples`` examples
(default 120); ``pytest tests/test_fuzz.py --fuzz-examples 5000`` fuzzes longer.
"""

import codecs
import copy
import json
import random
import re
import time

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from course import RELEASE_NB, REPO, solved_submission
from grader.checks.graded_functions import NAMES
from grader.checks.results import ERROR, FAILED, MISSING, PASSED, TIMEOUT
from grader.course.steps.autograded import carrier_notebook
from grader.course.base.lab_context import lab_context, lab_folder
from grader.sandbox.engine import grade_notebook
from grader.sandbox.session import Limits
from grader.sandbox.zygote import Zygote
from grader.submission.reading import Unreadable, read_notebook

LIMITS = Limits(cell_seconds=3, function_seconds=3)
SECONDS = 60  # a definite result well within this, whatever the file
BASES = {"release": json.loads(RELEASE_NB.read_text(encoding="utf-8")),
         "solved": json.loads(nbformat.writes(solved_submission()))}
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-32")
_ANSWER_WORDS = re.compile("|".join(NAMES + ("ОЦЕНИВАЕМОЕ",)))


@pytest.fixture(scope="module")
def zygote():
    with Zygote(lab_context(lab_folder(REPO))) as z:
        yield z


@pytest.fixture(scope="module")
def base_scores(zygote, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bases")
    scores = {}
    for name, nb in BASES.items():
        path = folder / (name + ".ipynb")
        path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
        scores[name] = _scores(grade_notebook(path, zygote, LIMITS))
    assert sum(scores["solved"].values()) == 100 and sum(scores["release"].values()) == 0
    return scores


def _scores(result):
    return {f.name: f.score for f in result.functions}


# --- what a mutation may put in a notebook ---------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
junk_text = st.text(max_size=200).filter(lambda text: not _ANSWER_WORDS.search(text))


def _is_answer(cell):
    nbgrader = (cell.get("metadata") or {}).get("nbgrader") or {}
    return nbgrader.get("solution") or (cell.get("cell_type") == "code" and _ANSWER_WORDS.search(
        "".join(cell["source"]) if isinstance(cell.get("source"), list) else str(cell.get("source"))))


def _benign(draw, nb):
    """Mutations that leave every answer cell as it was: the scores must not move."""
    cells = nb["cells"]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["junk-cell", "cell-metadata", "outputs", "notebook-metadata", "source-lines",
                                     "deep-metadata", "shuffle-others", "nbformat-minor"]))
        others = [i for i, c in enumerate(cells) if not _is_answer(c)]
        if kind == "junk-cell":
            cell_type = draw(st.sampled_from(["code", "markdown", "raw"]))
            cell = {"cell_type": cell_type, "metadata": {}, "source": draw(junk_text)}
            if cell_type == "code":
                cell.update(outputs=[], execution_count=None)
            cells.insert(draw(st.integers(0, len(cells))), cell)
        elif kind == "cell-metadata" and cells:
            cell = cells[draw(st.integers(0, len(cells) - 1))]
            key = draw(st.text(max_size=8).filter(lambda k: k != "nbgrader"))
            cell.setdefault("metadata", {})[key] = draw(json_values)
        elif kind == "outputs" and others:
            cell = cells[draw(st.sampled_from(others))]
            if cell.get("cell_type") == "code":
                cell["outputs"] = draw(st.lists(json_values, max_size=3))
        elif kind == "notebook-metadata":
            nb["metadata"] = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=4))
        elif kind == "source-lines" and cells:
            cell = cells[draw(st.integers(0, len(cells) - 1))]
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = source.splitlines(keepends=True) if draw(st.booleans()) else source
        elif kind == "deep-metadata" and others:
            depth = draw(st.integers(1, 300))
            cells[draw(st.sampled_from(others))].setdefault("metadata", {})["deep"] = json.loads(
                "[" * depth + "]" * depth)
        elif kind == "shuffle-others" and len(others) > 1:
            moved = [cells[i] for i in others]
            random.Random(draw(st.integers(0, 2 ** 16))).shuffle(moved)
            for i, cell in zip(others, moved):
                cells[i] = cell
        elif kind == "nbformat-minor":
            nb["nbformat_minor"] = draw(st.integers(0, 10))


def _arbitrary(draw, nb):
    """Any change at all: only a definite result is required."""
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace-node", "delete-key", "duplicate-cell", "huge-string",
                                     "cell-type", "answer-metadata"]))
        path = _random_path(draw, nb)
        parent, key = path if path else (None, None)
        if kind == "replace-node" and parent is not None:
            parent[key] = draw(json_values)
        elif kind == "delete-key" and isinstance(parent, dict):
            del parent[key]
        elif kind == "duplicate-cell" and isinstance(nb.get("cells"), list) and nb["cells"]:
            cells = nb["cells"]
            cells.insert(draw(st.integers(0, len(cells))), copy.deepcopy(cells[draw(st.integers(0, len(cells) - 1))]))
        elif kind == "huge-string" and parent is not None:
            parent[key] = "x" * draw(st.integers(0, 3_000_000))
        elif kind == "cell-type" and isinstance(nb.get("cells"), list) and nb["cells"]:
            cell = nb["cells"][draw(st.integers(0, len(nb["cells"]) - 1))]
            if isinstance(cell, dict):
                cell["cell_type"] = draw(st.sampled_from(["code", "markdown", "raw", "heading", "", 5]))
        elif kind == "answer-metadata" and isinstance(nb.get("cells"), list) and nb["cells"]:
            cell = nb["cells"][draw(st.integers(0, len(nb["cells"]) - 1))]
            if isinstance(cell, dict):
                cell["metadata"] = {"nbgrader": {"solution": draw(json_values), "grade_id": draw(
                    st.sampled_from(NAMES) | json_values)}}


def _random_path(draw, node, depth=0):
    """(container, key) of a random node below ``node``, or None."""
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
    elif isinstance(node, list) and node:
        key = draw(st.integers(0, len(node) - 1))
    else:
        return None
    if depth < 6 and isinstance(node[key], (dict, list)) and node[key] and draw(st.booleans()):
        return _random_path(draw, node[key], depth + 1) or (node, key)
    return node, key


@st.composite
def notebook_files(draw):
    """(base name, whether benign, the file's bytes)."""
    base = draw(st.sampled_from(sorted(BASES)))
    nb = copy.deepcopy(BASES[base])
    benign = draw(st.booleans())
    (_benign if benign else _arbitrary)(draw, nb)
    text = json.dumps(nb, ensure_ascii=draw(st.booleans()), allow_nan=True)
    data = text.encode(draw(st.sampled_from(ENCODINGS)))
    if not benign:
        damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "nest", "prefix"]))
        if damage == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif damage == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif damage == "nest":
            depth = draw(st.integers(1, 300_000))
            data = b'{"nbformat": 4, "cells": [' + b"[" * depth + b"]" * depth + b"]}"
        elif damage == "prefix":
            data = draw(st.sampled_from([codecs.BOM_UTF8, b"\x00", b" \n", b"\xff\xfe"])) + data
    return base, benign, data


def check_one(sample, zygote, base_scores, folder):
    """One fuzzed file: read and graded without a traceback, in bounded time, benign ones as before."""
    base, benign, data = sample
    path = folder / "fuzzed.ipynb"
    path.write_bytes(data)
    try:
        carrier = carrier_notebook(read_notebook(path))
    except Unreadable as reason:
        assert str(reason) and re.search("[а-я]", str(reason)), reason
    else:
        nbformat.validate(carrier)  # what nbgrader's steps receive is always a valid notebook
    started = time.monotonic()
    result = grade_notebook(path, zygote, LIMITS)
    assert time.monotonic() - started < SECONDS
    if result.error:
        assert re.search("[а-я]", result.error) and not result.functions, result.error
        assert not benign, result.error
        return
    assert [f.name for f in result.functions] == list(NAMES)
    for function in result.functions:
        assert function.status in (PASSED, FAILED, ERROR, TIMEOUT, MISSING)
        assert 0 <= function.score <= function.max_score
    if benign:
        assert _scores(result) == base_scores[base]


def test_no_file_crashes_hangs_or_skews_grading(zygote, base_scores, tmp_path, request):
    @settings(max_examples=request.config.getoption("--fuzz-examples"), deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    @given(sample=notebook_files())
    def fuzz(sample):
        check_one(sample, zygote, base_scores, tmp_path)

    fuzz()
