"""The example student workflow: its own commands, run here as GitHub would run them."""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import yaml

from course import REPO, solved_submission, with_answers
from corpus import solved_sources
from hostile import as_text

WORKFLOW = REPO / "examples" / "student-repo" / ".github" / "workflows" / "grade.yml"


def run_steps(workflow):
    job = workflow["jobs"]["grade"]
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_workflow_installs_the_grader_and_grades_the_notebook(tmp_path):
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = run_steps(workflow)
    assert len(steps) == 2 and "pip install" in steps[0] and "grader check" in steps[1]

    # A fresh environment that sees this one's dependencies (so no download of
    # nbgrader et al.), into which the step installs the grader from this checkout.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    site = next((env_dir / "lib").glob("python*/site-packages"))
    ours = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "outer.pth").write_text(ours + "\n", encoding="utf-8")

    student = tmp_path / "student-repo"
    student.mkdir()
    broken = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")
    (student / "dnn_step_by_step.ipynb").write_text(
        as_text(with_answers(solved_submission(), {"compute_cost": broken})), encoding="utf-8")
    summary = tmp_path / "summary.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(REPO)))
    env.update(workflow["env"])
    package = tmp_path / "grader-package"  # a copy: building must not litter the checkout
    package.mkdir()
    for name in ("pyproject.toml", "README.md", "grader", "reference_solution", "release"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, package / name)
    env.update(GRADER_PACKAGE=str(package), GITHUB_STEP_SUMMARY=str(summary),
               PATH=str(env_dir / "bin") + os.pathsep + env["PATH"])
    for command in steps:
        proc = subprocess.run(["bash", "-e", "-c", command], cwd=student, env=env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, (command, proc.stdout[-2000:], proc.stderr[-2000:])
    assert (env_dir / "bin" / "grader").exists()  # the step installed it, not this environment
    import json

    result = json.loads((student / "grade.json").read_text(encoding="utf-8"))
    assert result["score"] == 95
    text = summary.read_text(encoding="utf-8")
    assert "**Итог: 95 из 100**" in text and "`compute_cost` | 0/5" in text and "перепутан знак" in text

    env["FAIL_UNDER"] = "96"
    proc = subprocess.run(["bash", "-e", "-c", steps[1]], cwd=student, env=env, capture_output=True, text=True)
    assert proc.returncode == 1
