"""`grader autograde` says each grading as it finishes, not when its batch is recorded."""

import subprocess
import sys
import threading
import time

from course import generated_course, solved_submission, submit, tool_env, with_answers

HANGS = 15  # seconds: the slow student's cell runs until the time limit


def test_a_finished_grading_is_said_before_a_slow_one_ends(tmp_path):
    course = generated_course(tmp_path / "course")
    solved = solved_submission()
    submit(course, "fast", solved)
    submit(course, "slow", with_answers(solved, {"linear_forward": "while True:\n    pass\n"}))
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "autograde", "--workers", "2",
                             "--timeout", str(HANGS), "--course", str(course)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=tool_env())
    said = []

    def read():
        for line in proc.stderr:
            said.append((time.monotonic(), line))

    reader = threading.Thread(target=read)
    reader.start()
    assert proc.wait(timeout=600) == 0, said
    reader.join()
    when = {name: t for t, line in said for name in ("fast", "slow") if "] " in line and " {}: ".format(name) in line}
    assert set(when) == {"fast", "slow"}, said
    # The old way printed both together, when the slow one's result arrived and the batch was recorded.
    assert when["slow"] - when["fast"] > HANGS / 3, said
