"""Fingerprinting a whole class: spread over this machine's processes or a Dask cluster, as grading is.

Each document is read safely and fingerprinted (:func:`printed`); nothing is
run. On this machine a pool of processes reads and fingerprints batches of
documents, each process dying with this one; on a Dask cluster this process
reads every file (the workers need no course files) and the workers
fingerprint what it sends, a bounded window of batches in flight. The code of
the pairs the report shows in detail is read again and fingerprinted with its
pieces (:func:`shown_code`) by such a pool too.
"""

import time
from dataclasses import dataclass, field
from functools import lru_cache

from ..checks.graded_functions import NAMES
from ..workers.local import process_map
from ..workers.window import windowed
from .documents import SOURCE, read
from .fingerprints import cached_print, definition_source, function_print, renamed_prints, whole_print, wrong_prints

BATCH = 64          # documents per task
IN_PROCESS = 64     # fewer documents than this are fingerprinted here, without a pool
BUDGET = 20.0       # seconds one document may take to be read and fingerprinted; past it, it is not compared


@dataclass(frozen=True)
class Printed:
    """A document's fingerprints: all later stages need of it (its code is read again to be shown)."""

    id: str
    kind: str
    submitted: str = ""
    problem: str = ""
    code: dict = field(default_factory=dict)        # function -> uint64 fingerprints of its code
    tokens: tuple = ()                              # functions compared by tokens (their code does not parse)
    behaviour: dict = None                          # function -> ["<case>:<fingerprint>", ...]; None: unknown
    wrong: dict = field(default_factory=dict)       # function -> uint64 fingerprints of its wrong results
    verdicts: dict = field(default_factory=dict)    # function -> the grader's verdict, when it failed
    runnable: dict = field(default_factory=dict)    # a known source's definitions, to grade it sealed
    digest: str = ""                                # sha256 of the file's bytes
    whole: dict = field(default_factory=dict)       # function -> fingerprint of its whole normalised code
    renamed: dict = field(default_factory=dict)     # missing function -> [(other name, fingerprints)]: what it may be


def printed(document, deadline=None):
    """The :class:`Printed` of a read :class:`~.documents.Document`.

    ``deadline`` (``time.monotonic()``): when it passes before every function
    is fingerprinted, the document is not compared and says why -- one
    hostile file must not hold up the class.
    """
    over = Printed(document.id, document.kind, document.submitted,
                   "разбор занял больше {:g} с: работа не сравнивалась".format(BUDGET))
    code, tokens, runnable = {}, [], {}
    for name in NAMES:
        if deadline is not None and time.monotonic() > deadline:
            return over
        source = document.code.get(name)
        found = cached_print(name, source) if source else None
        if found is None:
            continue
        code[name] = found.hashes
        if not found.parsed:
            tokens.append(name)
        if document.kind == SOURCE:
            runnable[name] = definition_source(source, name)
    missing = [name for name in NAMES if name not in code]
    try:
        renamed = renamed_prints(document.others, missing, deadline) if missing and document.others else {}
    except TimeoutError:
        return over
    behaviour, verdicts = None, {}
    if document.behaviour is not None:
        behaviour = {}
        for name, record in document.behaviour.items():
            if name in NAMES and isinstance(record, dict):
                behaviour[name] = [str(w) for w in record.get("wrong", ())][:200]
                verdicts[name] = str(record.get("verdict") or "")[:2000]
    return Printed(document.id, document.kind, document.submitted, document.problem, code, tuple(tokens),
                   behaviour=behaviour, wrong=with_wrong(behaviour), verdicts=verdicts, runnable=runnable,
                   digest=document.digest, whole={name: whole_print(hashes) for name, hashes in code.items()},
                   renamed=renamed)


def with_wrong(behaviour):
    """{function: fingerprints} of the wrong results in ``behaviour`` ({} when unknown)."""
    return {name: wrong_prints(name, wrong) for name, wrong in (behaviour or {}).items()}


def _read_and_print(batch, budget=None):
    return [_within(lambda: read(wanted), budget) for wanted in batch]


def _print_batch(documents, budget=None):
    return [_within(lambda: document, budget) for document in documents]


def _within(document, budget):
    """:func:`printed` of ``document()`` (reading it counts), within ``budget`` seconds (default :data:`BUDGET`)."""
    started = time.monotonic()
    return printed(document(), started + (BUDGET if budget is None else budget))


def fingerprint_all(wanted, workers=2, scheduler=None, progress=None, certificates=None):
    """The :class:`Printed` of every :class:`~.documents.Wanted`, in order."""
    batches = [wanted[i:i + BATCH] for i in range(0, len(wanted), BATCH)]
    step = (lambda count: progress.advance(count)) if progress else (lambda count: None)
    if scheduler:
        return _on_dask(scheduler, certificates, batches, step)
    if len(wanted) < IN_PROCESS or workers <= 1:
        out = []
        for batch in batches:
            out.extend(_read_and_print(batch))
            step(len(batch))
        return out
    out = []
    for result in process_map(_read_and_print, batches, workers):
        out.extend(result)
        step(len(result))
    return out


def shown_code(wanted, needed, workers=2):
    """{document index: {function: (its code, :class:`~.fingerprints.FunctionPrint` with pieces)}}.

    ``needed``: {document index: functions to show}; ``wanted``: every
    :class:`~.documents.Wanted`. What the report shows of the pairs it
    details, read again (it was not kept: a class's code is large) and
    fingerprinted with the lines each piece came from, in a pool of
    ``workers`` processes when there is more than a batch of it.
    """
    items = [(index, wanted[index], tuple(sorted(names))) for index, names in sorted(needed.items())]
    size = max(1, min(BATCH, -(-len(items) // max(1, 4 * workers))))  # a few batches a process: even ends
    batches = [items[i:i + size] for i in range(0, len(items), size)]
    local = workers <= 1 or len(items) < IN_PROCESS
    out = {}
    for result in map(_read_shown, batches) if local else process_map(_read_shown, batches, workers):
        out.update(result)
    return out


def _read_shown(batch):
    out = {}
    for index, wanted, names in batch:
        code = read(wanted, with_behaviour=False).code
        out[index] = {name: (code[name], pieces_print(name, code[name])) for name in names if name in code}
    return out


@lru_cache(maxsize=1024)
def pieces_print(name, source):
    """:func:`~.fingerprints.function_print` with its pieces, once per process (copies are shown in many pairs)."""
    return function_print(name, source, keep_pieces=True)


def _on_dask(scheduler, certificates, batches, step):
    from ..workers.dask_cluster import connect, finished

    client, results = connect(scheduler, certificates), {}
    try:
        threads = max(1, sum(client.nthreads().values()))

        def submit(item):
            return client.submit(_print_batch, [read(w) for w in item[1]], pure=False)

        for (index, _), future in windowed(enumerate(batches), submit, lambda f: finished(client, f), 2 * threads):
            results[index] = future.result()
            step(len(results[index]))
    finally:
        client.close()
    return [p for index in range(len(batches)) for p in results[index]]
