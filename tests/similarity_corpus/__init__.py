"""A class for ``grader similarity``: independent solutions, and copies disguised every usual way.

Independent: eight solutions written for these tests in styles of their own
(:mod:`.independent`), the twelve correct styles of ``tests/corpus``, and
students who wrote the course's own solution with one slip of
``tests/corpus/mistakes.py`` each (what half a class writes). Known sources:
three public-style solutions (:mod:`.public`), as files under ``--against``.
Copies: of every classmate solution of :mod:`.independent` and of every known
source, with each disguise of :mod:`.disguises` alone and all combined, whole
(ten functions) and half (five; the copier wrote the other five themselves,
the course's way). Two documents are a copied pair when they share code of
one origin; every other pair is independent.
"""

import ast
import re
from dataclasses import dataclass, field
from itertools import combinations

from grader.checks.graded_functions import NAMES

from course import RELEASE_NB, answer_cells, read, solved_submission, submit, with_answers
from corpus import solved_sources
from corpus.correct import CORRECT_STYLES
from corpus.mistakes import MISTAKES

from .disguises import DISGUISES, disguise
from .independent import FILLED, REWRITTEN
from .public import MARKDOWN, NB3_CELLS, PY_EXPORT, write_sources

HOW = tuple(DISGUISES) + ("combined",)
HALVES = {"whole": NAMES, "half1": NAMES[:5], "half2": NAMES[5:]}
_STUB = re.compile(r"^(\s*)(.+?) = None\s*$")


def fill(template, answers):
    """The release's answer cell ``template`` with its stub lines (``X = None``) replaced by ``answers``, in order."""
    lines, answers, out = template.split("\n"), list(answers), []
    for line in lines:
        stub = _STUB.match(line)
        if stub and answers:
            indent = stub.group(1)
            out.extend(indent + part for part in answers.pop(0).split("\n"))
        else:
            out.append(line)
    return "\n".join(out)


def marked(name, code):
    return "# ОЦЕНИВАЕМОЕ: {}\n\n{}".format(name, code)


def styles():
    """{style: {function: answer cell}} of the eight independent solutions of :mod:`.independent`."""
    release = {n: c.source for n, c in answer_cells(read(RELEASE_NB)).items()}
    out = {style: {n: fill(release[n], answers[n]) for n in NAMES} for style, answers in FILLED.items()}
    out.update({style: {n: marked(n, code[n]) for n in NAMES} for style, code in REWRITTEN.items()})
    return out


def public_functions():
    """{source: {function: the code a student would paste from it}} of the three known sources."""
    blocks = re.findall(r"```python\n(.*?)```", MARKDOWN, re.S)
    texts = {"py_export": [PY_EXPORT], "nb3": [s for kind, s in NB3_CELLS if kind == "code"], "markdown": blocks}
    return {source: {n: marked(n, _definition(chunks, n)) for n in NAMES} for source, chunks in texts.items()}


def _definition(chunks, name):
    for chunk in chunks:
        for node in ast.parse(chunk.replace("%matplotlib inline", "")).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return "\n".join(chunk.split("\n")[node.lineno - 1:node.end_lineno]) + "\n"
    raise KeyError(name)


@dataclass
class SimilarityClass:
    """The class as submitted, and who shares code with whom."""

    origins: dict = field(default_factory=dict)   # document id -> {(origin, function)} of the code it holds
    copies: dict = field(default_factory=dict)    # copy id -> (origin, disguise, half)

    def copied(self, a, b):
        return bool(self.origins.get(a, set()) & self.origins.get(b, set()))

    def pairs(self, ids=None):
        """(copied pairs, independent pairs) among ``ids`` (default: every document), each pair sorted."""
        ids = sorted(ids or self.origins)
        copied, independent = set(), set()
        for a, b in combinations(ids, 2):
            (copied if self.copied(a, b) else independent).add((a, b))
        return copied, independent


def variants():
    """Every copy the corpus makes: (origin, disguise, half) for each classmate and known source."""
    origins = list(FILLED) + list(REWRITTEN) + ["py_export", "nb3", "markdown"]
    return [(origin, how, half) for origin in origins for how in HOW for half in HALVES]


def rounds(count):
    """:func:`variants` dealt into ``count`` classes, so that each origin is copied a few times per class.

    A real class copies one solution a few times at most; dozens of copies of
    it in one class would make its code common there.
    """
    dealt = [[] for _ in range(count)]
    for index, variant in enumerate(variants()):
        dealt[index % count].append(variant)
    return dealt


def build_class(course, against, copies, extras=True, seed=0):
    """Submit a class with ``copies`` ((origin, disguise, half) each) into ``course``; known sources into ``against``.

    Returns the :class:`SimilarityClass` (documents are the student ids and
    the sources' paths as given: ``str(against / ...)``).
    """
    base, solved = solved_submission(), solved_sources()
    truth = SimilarityClass()
    code = dict(styles(), **public_functions())
    paths = write_sources(against)
    for style in list(FILLED) + list(REWRITTEN):
        submit(course, "style-" + style, with_answers(base, code[style]))
        truth.origins["style-" + style] = {(style, n) for n in NAMES}
    for source, path in paths.items():
        truth.origins[str(path)] = {(source, n) for n in NAMES}
    if extras:
        for style, cells in CORRECT_STYLES.items():
            submit(course, "other-" + style, with_answers(base, cells))
            truth.origins["other-" + style] = {("other-" + style, n) for n in NAMES}
        for mistake in MISTAKES[::8]:
            student = "slip-" + mistake.id
            submit(course, student, with_answers(base, {mistake.function: mistake.cell_source(solved)}))
            truth.origins[student] = {(student, mistake.function)}
    for number, (origin, how, half) in enumerate(copies):
        copied = HALVES[half]
        answers = {n: disguise(code[origin][n], how, (seed, number, i)) if n in copied else solved[n]
                   for i, n in enumerate(NAMES)}
        student = "copy{:03d}-{}-{}-{}".format(number, origin, how, half)
        submit(course, student, with_answers(base, answers))
        truth.origins[student] = {(origin, n) for n in copied}
        truth.copies[student] = (origin, how, half)
    return truth
