"""The mutation corpus: realistic student mistakes and correct variants.

A :class:`Mistake` is a textual edit of one solved answer cell (the solution in
``source/``); a correct style is a full set of ten answer cells written
differently from the reference. ``tests/test_corpus.py`` proves each mistake
loses points in its own function only and each style scores 100.
"""

from dataclasses import dataclass

from course import SOURCE_NB, answer_cells, read


@dataclass(frozen=True)
class Mistake:
    function: str
    slug: str
    why: str          # what the student got wrong
    find: str         # text in the solved answer cell ...
    replace: str      # ... and what the student wrote instead
    count: int = -1   # how many occurrences to replace (-1: all)

    @property
    def id(self):
        return "{}-{}".format(self.function, self.slug)

    def cell_source(self, solved=None):
        """The student's answer cell: the solved one with this mistake made."""
        source = (solved or solved_sources())[self.function]
        if self.find not in source:
            raise AssertionError("{}: {!r} is not in the solved cell".format(self.id, self.find))
        return source.replace(self.find, self.replace, self.count)


def solved_sources():
    return {name: cell.source for name, cell in answer_cells(read(SOURCE_NB)).items()}
