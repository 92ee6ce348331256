"""The example student workflow, run here as GitHub would run it, against a real grading server.

Its own ``run:`` steps, in an environment with nothing but Python's standard
library: the client comes from the server, the token from a secret, the
verdict from the course's server -- and nothing a student downloads holds
reference code or hidden cases.
"""

import ast
import json
import subprocess
import sys
import venv

import pytest
import yaml

from course import REPO, solved_submission, with_answers
from corpus import solved_sources
from hostile import as_text
from service_helpers import Service, call

WORKFLOW = REPO / "examples" / "student-repo" / ".github" / "workflows" / "grade.yml"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    service = Service(tmp_path_factory.mktemp("ci_server"), ["student-ci"], "--workers", "1")
    yield service
    service.stop()


def test_the_downloaded_client_holds_no_reference_code_and_no_hidden_case(server):
    status, source, _ = call(server.url + "/client.py")
    assert status == 200 and "def submit(" in source
    tree = ast.parse(source)

    def imports(root):
        found = {alias.name.split(".")[0] for node in ast.walk(root) if isinstance(node, ast.Import)
                 for alias in node.names}
        return found | {node.module.split(".")[0] for node in ast.walk(root) if isinstance(node, ast.ImportFrom)}

    # Standard library only; the hub's exchange classes alone import nbgrader, made when nbgrader asks for them.
    exchange = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "_exchange_classes")
    tree.body.remove(exchange)
    assert imports(tree) <= set(sys.stdlib_module_names), imports(tree) - set(sys.stdlib_module_names)
    assert imports(exchange) - set(sys.stdlib_module_names) == {"nbgrader", "traitlets"}
    for secret in ("reference_solution", "graded_functions", "build_cases", "default_rng", "_random_network",
                   "cases_for", "np.dot", "numpy"):
        assert secret not in source, secret
    reference = (REPO / "reference_solution" / "__init__.py").read_text(encoding="utf-8")
    code = {" ".join(l.split()) for l in reference.splitlines() if len(l.strip()) > 20}
    assert not code & {" ".join(l.split()) for l in source.splitlines()}


def test_the_workflow_submits_with_its_token_and_reports_the_verdict(server, tmp_path):
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = [step for step in workflow["jobs"]["grade"]["steps"] if "run" in step]
    assert len(steps) == 2 and "client.py" in steps[0]["run"] and "submit" in steps[1]["run"]
    assert steps[1]["env"]["GRADER_TOKEN"] == "${{ secrets.GRADER_TOKEN }}"

    clean = tmp_path / "venv"  # Python and its standard library, nothing else: not the grader, not numpy
    venv.create(clean, with_pip=False)
    student = tmp_path / "student-repo"
    student.mkdir()
    broken = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")
    (student / "dnn_step_by_step.ipynb").write_text(
        as_text(with_answers(solved_submission(), {"compute_cost": broken})), encoding="utf-8")
    summary = tmp_path / "summary.md"
    env = {"PATH": "{}:/usr/bin:/bin".format(clean / "bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    env.update(workflow["env"], GRADER_SERVER=server.url, GITHUB_STEP_SUMMARY=str(summary))

    def run(step, **extra):
        return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=student, capture_output=True, text=True,
                              timeout=600, env=dict(env, **extra))

    secrets = {"GRADER_TOKEN": server.tokens["student-ci"]}
    for step in steps:
        proc = run(step, **secrets)
        assert proc.returncode == 0, (step["run"], proc.stdout[-2000:], proc.stderr[-2000:])
    result = json.loads((student / "grade.json").read_text(encoding="utf-8"))
    assert result["score"] == 95
    text = summary.read_text(encoding="utf-8")
    assert "**Итог: 95 из 100**" in text and "`compute_cost` | 0/5" in text and "перепутан знак" in text
    assert run(steps[1], FAIL_UNDER="96", **secrets).returncode == 1
    refused = run(steps[1], GRADER_TOKEN="not-my-token")
    assert refused.returncode == 2 and "401" in refused.stderr and "Traceback" not in refused.stderr


def _triggers():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


def _submits_on_push(changed):
    """Whether GitHub starts the workflow for a push changing ``changed`` (its `paths` filter, as GitHub applies it)."""
    import fnmatch

    triggers = _triggers()
    if isinstance(triggers, (str, list)):  # `on: push` or `on: [push, ...]`: no filter
        return "push" in triggers
    if "push" not in triggers:
        return False
    push = triggers["push"] or {}
    patterns = push.get("paths")
    if patterns is None:  # no filter: every push
        return True
    return any(fnmatch.fnmatchcase(path, pattern) for path in changed for pattern in patterns)


def test_the_workflow_submits_only_when_the_notebook_changes_or_by_hand():
    # The latest submission counts: a push after the deadline that leaves the notebook alone must not
    # replace an on-time grade with a late one.
    assert not _submits_on_push(["README.md"]) and not _submits_on_push(["notes/plan.md", ".gitignore"])
    assert _submits_on_push(["dnn_step_by_step.ipynb"]) and _submits_on_push(["README.md", "dnn_step_by_step.ipynb"])
    triggers = _triggers()
    assert isinstance(triggers, dict) and set(triggers) == {"push", "workflow_dispatch"}, triggers
