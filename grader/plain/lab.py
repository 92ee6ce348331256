"""What the lab's own cells give answer cells, as plain data for the zygote.

In the notebook, answer cells run after the lab's first cell has imported
``numpy as np``, the activations from ``dnn_utils`` and the test cases from
``testCases``; a cell may use those names at its top level, outside any
``def``. :class:`LabContext` carries the sources of the lab's public modules
and its import statements (each with the names it binds) to the zygote, and
a sealed child runs exactly the imports whose names its answer cells mention,
so a heavy module (matplotlib) is loaded only for a submission that uses it.
"""

import re
from dataclasses import dataclass, field

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class LabImport:
    statement: str                       # e.g. "from dnn_utils import sigmoid, relu"
    names: frozenset = frozenset()       # names it binds: {"sigmoid", "relu"}


@dataclass(frozen=True)
class LabContext:
    modules: tuple = ()                  # ((module name, source), ...): the lab's public helpers
    imports: tuple = field(default=())   # LabImport, in the lab's order

    def needed_imports(self, sources):
        """Import statements binding a name that appears anywhere in ``sources``."""
        words = set(_WORD.findall("\n".join(sources)))
        return [lab_import.statement for lab_import in self.imports if lab_import.names & words]

    def to_json(self):
        return {"modules": [list(m) for m in self.modules],
                "imports": [[i.statement, sorted(i.names)] for i in self.imports]}

    @classmethod
    def from_json(cls, data):
        return cls(tuple((str(n), str(s)) for n, s in data.get("modules", [])),
                   tuple(LabImport(str(s), frozenset(map(str, names))) for s, names in data.get("imports", [])))
