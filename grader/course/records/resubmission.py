"""Which of a student's graded submissions counts: the course's resubmission policy, one rule for every path.

nbgrader's gradebook holds one submission per student, so a resubmission
would always replace the grade before it -- an on-time grade by a late one
included. The course chooses (``grader config resubmission POLICY``, kept in
``grader_settings.json`` beside ``nbgrader_config.py``):

* ``on-time-latest`` (the default): the latest submission counts, except
  that once a student has an on-time graded submission, a late one does not
  replace it;
* ``latest``: the latest graded submission counts, late or not;
* ``best``: whichever counts more after late penalties (a tie: the latest).

A submission that does not count is still graded -- its verdict is the
student's, the command that graded it says it was not counted -- but the
gradebook and ``autograded/<student>/`` keep the counted one; the graded
notebook of the one not counted goes to ``.grader/not_counted/<student>/``,
whose record tells the regrading rule it was graded (:mod:`.regrading`).
Lateness is nbgrader's: past the due date plus the student's extension
(``grader extend``).
"""

from pathlib import Path

from ..base.layout import ASSIGNMENT, autograded_notebook, not_counted_notebook
from .counted import Counted

POLICIES = {
    "on-time-latest": "the latest counts, but a late one never replaces an on-time graded one (default)",
    "latest": "the latest graded submission counts, late or not",
    "best": "whichever counts more after late penalties (a tie: the latest)",
}
DEFAULT = "on-time-latest"
SETTING = "resubmission"  # the key in grader_settings.json


def policy(course):
    """The policy of ``course`` (a :class:`~..base.course.Course`): :data:`DEFAULT` unless ``grader config
    resubmission`` set another."""
    chosen = course.settings.get(SETTING, DEFAULT)
    return chosen if chosen in POLICIES else DEFAULT


def counts(chosen, kept, new):
    """Whether the ``new`` submission replaces the ``kept`` one (None: the student has no graded one) under ``chosen``."""
    if kept is None or chosen == "latest":
        return True
    if chosen == "best":
        return new.score >= kept.score
    return not (kept.on_time and not new.on_time)


def late_warning(chosen, kept, seconds_late):
    """The Russian warning a submission ``seconds_late`` needs confirmed ("" when none): late, with an on-time one
    (``kept``; its score None while it waits to be graded)."""
    from ...client import delay_text, points

    if seconds_late <= 0 or kept is None or not kept.on_time:
        return ""
    score = "она ещё проверяется" if kept.score is None else "{} баллов".format(points(kept.score))
    head = "Срок сдачи прошёл: эта работа будет сдана {}. У вас уже есть работа, сданная в срок ({}). ".format(
        delay_text(seconds_late).rstrip("."), score)  # «на 5 мин.» ends the sentence once
    then = {"on-time-latest": "Поздняя работа будет проверена, но не засчитана: останется оценка за работу в срок.",
            "latest": "Поздняя работа заменит её, со штрафом за опоздание, если он назначен.",
            "best": "Засчитана останется та, что наберёт больше баллов с учётом штрафа за опоздание."}[chosen]
    return head + then + (" Чтобы всё равно сдать, подтвердите отправку: на странице — в окне подтверждения, в "
                          "терминале — grader submit … --late, в JupyterHub — GRADER_LATE=1 nbgrader submit.")


def kept_standings(connection, students):
    """{student: :class:`~.counted.Counted`} of the graded submissions the gradebook holds for ``students`` (a list)."""
    from .tables import submitted_work

    return {student: Counted(work.seconds_late, work.penalty or 0.0,
                             sum(work.scores.values()) - (work.penalty or 0.0))
            for student, work in submitted_work(connection, list(students)).items()
            if work.auto_scores and all(score is not None for score in work.auto_scores.values())}


def kept_standing(connection, student):
    """The :class:`~.counted.Counted` of ``student``'s graded submission in the gradebook, or None (none, or not graded)."""
    return kept_standings(connection, [student]).get(student)


def not_counted(connection, chosen, graded, penalty):
    """{student: note} of ``graded`` -- (student, timestamp, score) of new submissions -- that ``chosen`` keeps out.

    ``penalty``: the course's late penalty (``Recorder.penalty``). Those not
    listed replace what the gradebook holds.
    """
    if chosen == "latest" or not graded:
        return {}
    before = kept_standings(connection, [student for student, _, _ in graded])
    out = {}
    for student, timestamp, score in graded:
        if student in before:
            new = new_standing(connection, student, timestamp, score, penalty)
            if not counts(chosen, before[student], new):
                out[student] = not_counted_note(chosen, before[student], new)
    return out


def seconds_late_at(connection, student, moment):
    """How late a submission of ``student`` made at ``moment`` (naive UTC) is: nbgrader's rule, their extension included."""
    from sqlalchemy import select

    from .tables import ASSIGNMENTS, SUBMITTED_ASSIGNMENT, seconds_late

    duedate = connection.execute(select(ASSIGNMENTS.c.duedate).where(ASSIGNMENTS.c.name == ASSIGNMENT)).scalar()
    extension = connection.execute(
        select(SUBMITTED_ASSIGNMENT.c.extension)
        .join(ASSIGNMENTS, ASSIGNMENTS.c.id == SUBMITTED_ASSIGNMENT.c.assignment_id)
        .where(ASSIGNMENTS.c.name == ASSIGNMENT, SUBMITTED_ASSIGNMENT.c.student_id == student)).scalar()
    return seconds_late(moment, duedate, extension)


def new_standing(connection, student, timestamp, score, penalty):
    """The :class:`~.counted.Counted` a submission made at ``timestamp`` (nbgrader's text, or None: late) scoring ``score`` would have.

    ``penalty(student, score, seconds_late)``: the course's late penalty (the
    recorder's), or None.
    """
    from ..base.times import parse_utc

    late = seconds_late_at(connection, student, parse_utc(timestamp)) if timestamp else float("inf")
    charged = (penalty(student, score, late) or 0.0) if late > 0 else 0.0
    return Counted(late, charged, score - charged)


def not_counted_note(chosen, kept, new):
    """What a student reads beside the verdict of a graded submission that was not counted (Russian)."""
    from ...client import points

    if chosen == "best":
        why = "засчитана ваша лучшая работа ({} баллов с учётом штрафа), а эта набрала {}".format(
            points(kept.score), points(new.score))
    else:
        why = "у вас уже есть проверенная работа, сданная в срок ({} баллов): поздняя её не заменяет".format(
            points(kept.score))
    return "Эта работа проверена, но не засчитана: " + why + "."


NOTE_KEY = "grader_not_counted"  # a not-counted graded notebook's metadata: what its student is told


def keep_aside(tmp, course, student, note):
    """Put the written graded notebook ``tmp`` of a submission that did not count in its place, with ``note``."""
    import json
    import os

    target = not_counted_notebook(course, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = json.loads(Path(tmp).read_text(encoding="utf-8"))
    nb["metadata"][NOTE_KEY] = note
    Path(tmp).write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


def counted_notebook(course, submission):
    """(notebook, the folder it must be in, note) of ``submission``'s student that counts.

    ``submitted/`` holds what was collected last; when that was graded and not
    counted, the counted submission's cells are its autograded notebook's, and
    ``note`` says why (Russian), else "".
    """
    import json
    import os

    from .regrading import current, recorded

    aside = not_counted_notebook(course, submission.student)
    if not aside.exists() or recorded(course, submission.student, aside) != current(submission):
        return submission.notebook, submission.inside, ""
    try:
        note = json.loads(aside.read_text(encoding="utf-8"))["metadata"].get(NOTE_KEY, "")
    except (OSError, ValueError, KeyError, TypeError):
        note = ""
    counted = autograded_notebook(course, submission.student)
    return counted, os.path.realpath(counted.parent), note if isinstance(note, str) else ""
