"""``grader similarity``: the whole comparison, from the class's files to scored pairs.

Reading top to bottom: find the students and the known sources (a clear
refusal when there is nothing to compare); fingerprint the release's code
(never evidence), the course's solution and the common forms of
:mod:`.known_forms` (what the lab leads everyone to);
fingerprint every document in parallel (:mod:`.work`); take graded functions
written under other names by their content (:mod:`.renamed`); fill in wrong results
the grading run did not store (:mod:`.rerun`); weigh every fingerprint by its
rarity and find the candidate pairs (:mod:`.index`); score them (:mod:`.score`).
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..checks.graded_functions import NAMES
from ..course.steps.batch import Progress
from ..course.base.lab_context import lab_context, lab_folder
from ..course.base.layout import ASSIGNMENT, NOTEBOOK
from ..course.base.settings import certificates_folder
from ..submission.answers import answer_cells
from ..submission.reading import Unreadable, read_notebook
from . import index
from .documents import SOURCE, class_of, known_sources
from .fingerprints import function_print, whole_print
from .identical import alike_pairs, identical_pairs
from .known_forms import known_forms
from .renamed import with_renamed
from .rerun import rerun
from .score import score_pairs
from .work import fingerprint_all


_NONE = np.zeros(0, np.uint64)


class NothingToCompare(Exception):
    """No submissions, a single student and no known source, or a known source that does not exist."""


@dataclass
class Comparison:
    """Everything a report needs: the documents, their fingerprint table and the scored pairs."""

    wanted: list            # :class:`~.documents.Wanted`, one per document
    documents: list         # :class:`~.work.Printed`, in the same order
    table: index.Table
    scores: object          # :class:`~.score.Scores`
    blank: list             # indices of documents with no code of their own
    template: dict          # function -> uint64 fingerprints of the release's code


def compare(course, against=(), limits=None, workers=2, scheduler=None, run_missing=True, stream=sys.stderr):
    """The :class:`Comparison` of the course's class with itself and with ``against``.

    ``run_missing``: grade again (sealed) documents whose wrong results the
    grading run did not store; otherwise they are compared by code only.
    Raises :class:`NothingToCompare`, ``NoCourse`` or ``ClusterUnavailable``.
    """
    lab_context(lab_folder(course))  # NoCourse when the course has no release
    if limits is None:
        from ..sandbox.session import Limits

        limits = Limits()
    wanted = _wanted(course, against)
    template = _function_prints(lab_folder(course) / NOTEBOOK)
    baseline = _function_prints(Path(course) / "source" / ASSIGNMENT / NOTEBOOK)

    progress = Progress(len(wanted), stream, unit="doc", done="fingerprinted {} document(s)")
    documents = fingerprint_all(wanted, workers, scheduler, progress, certificates_folder(course))
    progress.finish()
    documents = with_renamed(documents, {name: np.union1d(template.get(name, _NONE), baseline.get(name, _NONE))
                                         for name in NAMES})
    if run_missing:
        released = {name: set(hashes.tolist()) for name, hashes in template.items()}
        missing = [i for i, d in enumerate(documents) if d.behaviour is None and not d.problem and any(
            h not in released.get(name, ()) for name, hashes in d.code.items() for h in hashes.tolist())]
        if missing:
            progress = Progress(len(missing), stream, done="graded {} document(s) again for their wrong results")
            documents = rerun(documents, missing, wanted, course, limits, workers, scheduler, progress)
            progress.finish()

    is_source = np.array([d.kind == SOURCE for d in documents], dtype=bool)
    table = index.build([_items(d) for d in documents], len(NAMES), _joined(template.values()),
                        _joined(list(baseline.values()) + list(known_forms().values())), is_source)
    blank = [i for i, d in enumerate(documents) if not d.problem and not table.own[i].any()]
    pairs = index.candidates(table, lambda a, b: ~(is_source[a] & is_source[b]))
    common = {whole_print(h) for h in list(template.values()) + list(baseline.values())}
    same = {p: r for p, r in identical_pairs(documents, table.own.any(axis=1), common).items()
            if not (is_source[p[0]] and is_source[p[1]])}
    alike = alike_pairs(documents, table.own.any(axis=1), common)
    return Comparison(wanted, documents, table, score_pairs(table, pairs, len(NAMES), same, alike), blank, template)


def _wanted(course, against):
    students = class_of(course)
    if not students:
        raise NothingToCompare("no submissions in {}: collect them first (`nbgrader collect {}`, or copy each "
                               "notebook into submitted/<student>/{}/)".format(Path(course) / "submitted",
                                                                            ASSIGNMENT, ASSIGNMENT))
    try:
        sources = known_sources(against)
    except FileNotFoundError as missing:
        raise NothingToCompare("--against {}: no such file or folder".format(missing)) from None
    if len(students) == 1 and not sources:
        raise NothingToCompare("only one student ({}) and no known sources: nothing to compare with; add "
                               "public solutions or last term's submitted/ with --against".format(students[0].id))
    return students + sources


def _function_prints(path):
    """{function: uint64 fingerprints} of a course notebook's answer cells ({} when it cannot be read)."""
    try:
        cells = answer_cells(read_notebook(path).cells).by_function
    except Unreadable:
        return {}
    found = {name: function_print(name, source) for name, source in cells.items() if name in NAMES}
    return {name: f.hashes for name, f in found.items() if f is not None}


def _items(document):
    """(function index, CODE or BEHAVIOUR, fingerprints) of a document, as :func:`.index.build` takes them."""
    items = [(NAMES.index(name), index.CODE, hashes) for name, hashes in document.code.items()]
    items += [(NAMES.index(name), index.BEHAVIOUR, hashes) for name, hashes in document.wrong.items()]
    return items


def _joined(arrays):
    arrays = list(arrays)
    return np.concatenate(arrays) if arrays else np.zeros(0, np.uint64)

