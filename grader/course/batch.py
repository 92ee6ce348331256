"""``grader autograde``: a whole class through the sealed engine into nbgrader's gradebook.

Reading top to bottom: find submissions; skip the ones already graded from
exactly the file now submitted (:mod:`.regrading`); grade the rest in parallel children of one zygote;
for each result, in this thread only, write the autograded notebook, then the
grades in one gradebook transaction. A batch killed halfway and run again
grades every student exactly once.
"""

import atexit
import itertools
import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from ..sandbox.lifeline import die_with_parent
from ..sandbox.zygote import Zygote, warn_if_unsealed
from .autograded import write_autograded
from .gradebook import LatePenalties, record
from .grading import grade_submission
from .lab_context import lab_context, lab_folder
from .layout import ASSIGNMENT, db_url, submissions
from .regrading import needs_grading
from .stubs import release_answers, unanswered


def run(course, limits, workers=2, students=None, force=False, progress=None):
    """Grade the class; return {student: reason} of the students graded now that could not be graded.

    Memory stays flat as the class grows: a result is dropped as soon as it is written.
    """
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    # nbgrader's own gradebook code trips SQLAlchemy's autoflush warnings; they are not ours to show.
    warnings.filterwarnings("ignore", module="nbgrader")
    url = db_url(course)
    warn_if_unsealed()
    todo = submissions(course, students)
    with Gradebook(url) as gb:
        try:
            gb.find_assignment(ASSIGNMENT)
        except MissingEntry:
            raise SystemExit("error: the gradebook has no assignment {!r}: run `nbgrader "
                             "generate_assignment {}` first".format(ASSIGNMENT, ASSIGNMENT)) from None
        if not force:
            todo = [s for s in todo if needs_grading(gb, course, s)]
        progress = progress or Progress(len(todo))
        release = release_answers(course)
        late = LatePenalties(course, url)
        done = {}
        context = multiprocessing.get_context("fork")  # no threads run here yet: forking is safe
        with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context, initializer=_start_grading_process,
                                 initargs=(lab_context(lab_folder(course)), os.getpid())) as pool:
            for submission, (result, notebook) in _in_flight(pool, todo, limits, window=4 * max(1, workers)):
                write_autograded(course, submission, notebook, result)
                record(gb, submission, result, unanswered(notebook, release))
                late.apply(gb, submission.student)
                if result.error:
                    done[submission.student] = result.error
                progress.step(submission.student, result)
        progress.finish()
    return done


def _in_flight(pool, todo, limits, window):
    """(submission, what grading it gave) as each finishes, with at most ``window`` under way.

    A bounded window keeps memory flat however large the class: a result is
    held only until it is written.
    """
    pending, queue = {}, iter(todo)
    while True:
        for submission in itertools.islice(queue, window - len(pending)):
            pending[pool.submit(_grade, submission, limits)] = submission
        if not pending:
            return
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            yield pending.pop(future), future.result()


# Each grading process (trusted, like this one) has its own zygote: student code
# still runs only in the zygote's sealed children. Processes rather than threads,
# so judging in parallel is not serialised by one interpreter lock.
_ZYGOTE = None


def _start_grading_process(lab, parent_pid):
    global _ZYGOTE
    die_with_parent(parent_pid)
    _ZYGOTE = Zygote(lab)
    atexit.register(_ZYGOTE.close)


def _grade(submission, limits):
    """(result, the notebook as read or None): the main process writes both without reading it again."""
    return grade_submission(submission, _ZYGOTE, limits)


class Progress:
    """tqdm's bar on a terminal; elsewhere (a CI log) a plain line per tenth of the class."""

    def __init__(self, total, stream=sys.stderr):
        from tqdm import tqdm

        self.total, self.count, self.stream = total, 0, stream
        self.started = time.monotonic()
        self.bar = tqdm(total=total, file=stream, unit="nb", dynamic_ncols=True) if stream.isatty() else None

    def step(self, student, result):
        self.count += 1
        verdict = "{}: {}".format(student, "ошибка" if result.error else "{:g}".format(result.score))
        if self.bar is not None:
            self.bar.set_postfix_str(verdict, refresh=False)
            self.bar.update()
        elif self.count == self.total or self.count % max(1, self.total // 10) == 0:
            self.stream.write("[{:>{w}}/{}] {:3.0f}%  {:.1f} s  {}\n".format(
                self.count, self.total, 100 * self.count / max(self.total, 1), time.monotonic() - self.started,
                verdict, w=len(str(self.total))))
            self.stream.flush()

    def finish(self):
        if self.bar is not None:
            self.bar.close()
        self.stream.write("graded {} submission(s) in {:.1f} s\n".format(
            self.count, time.monotonic() - self.started))
