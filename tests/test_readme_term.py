"""The README's "An instructor's term" block, run as written (but for the steps that need a hub's exchange),
and docs/term.md's word on what a hub's students need."""

import re
import shlex
import shutil

import warm_nbgrader
from course import REPO, copy_course, tool_env

NEEDS_A_HUB = ("release_assignment", "collect", "release_feedback")


def term_block():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## An instructor's term", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def commands():
    """Each line's command, its comment cut off; `a && b` as two."""
    for line in term_block().splitlines():
        line = line.split("  #", 1)[0].strip()
        for part in (p.strip() for p in line.split("&&")):
            words = shlex.split(part)
            if words and words[0] in ("grader", "nbgrader") and not set(words) & set(NEEDS_A_HUB):
                yield words


def test_the_term_block_runs_as_written(tmp_path):
    course = copy_course(tmp_path / "course")
    course.chmod(0o700)
    shutil.copytree(REPO / "examples", course / "examples")
    shutil.copytree(REPO / "samples" / "submitted", course / "submitted")
    ran = []
    for words in commands():
        proc = warm_nbgrader.run_tool(words, course, tool_env(), 900)
        assert proc.returncode == 0, (words, proc.stdout[-2000:], proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr and "chmod 700" not in proc.stderr, (words, proc.stderr[-2000:])
        ran.append(words[:2])
    assert ["grader", "roster"] in ran and ["grader", "similarity"] in ran and len(ran) >= 9
    assert (course / "reports" / "class_report.html").is_file() and (course / "reports" / "similarity.html").is_file()
    assert "Смирнова" in (course / "canvas.csv").read_text(encoding="utf-8")


def test_the_hub_requirements_name_every_package_the_lab_imports():
    """What docs/term.md tells a hub's admin to install is what the released lab really imports."""
    import json

    notebook = json.loads((REPO / "release" / "dnn_step_by_step" / "dnn_step_by_step.ipynb").read_text("utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    shipped = {p.stem for p in (REPO / "release" / "dnn_step_by_step").glob("*.py")}
    imported = {m.split(".")[0] for m in re.findall(r"^\s*(?:import|from)\s+([\w.]+)", code, re.M)} - shipped
    term = (REPO / "docs" / "term.md").read_text(encoding="utf-8")
    needs = term.split("What students' environment on the hub needs", 1)[1].split("\n\n", 1)[0]
    assert imported and all("`{}`".format(name) in needs for name in imported), (imported, needs)
    assert all("`{}.py`".format(name) in needs for name in shipped)
