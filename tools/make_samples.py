"""Write the bundled sample class (samples/submitted/) from the release and the solved source.

Each sample is the release notebook with some answer cells solved, some left
as stubs and a few realistic slips, so the README's main job has a class with
a spread of scores to grade. Run again after the source notebook changes.
"""

import shutil
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "dnn_step_by_step"
NOTEBOOK = ASSIGNMENT + ".ipynb"
FORWARD = ("initialize_parameters", "initialize_parameters_deep", "linear_forward",
           "linear_activation_forward", "L_model_forward", "compute_cost")

# student -> (functions solved, {function: (text in the solution, what the student wrote)},
#             grade cells the student deleted, submission time or None)
SAMPLES = {
    "Студент1": ("all", {}, (), "2026-02-27 18:00:00.000000 UTC"),
    "Студент2": ((), {}, (), None),
    "Студент3": (FORWARD, {}, (), None),
    "Студент4": ("all", {"linear_backward": ("axis=1, keepdims=True", "axis=1"),
                         "L_model_forward": ('activation="sigmoid"', 'activation="relu"')}, (), None),
    "Студент5": ("all", {"L_model_backward": ('grads["dA" + str(l + 1)] = dA_prev_temp',
                                              'grads["dA" + str(l)] = dA_prev_temp')}, (), None),
    "Студент6": ("all", {"compute_cost": ("    m = Y.shape[1]\n", "    m = Y.shape[1]\n    while m:\n        pass\n")},
                 (), None),
    "Студент7": ("all", {"linear_backward": ("np.dot(dZ, A_prev.T) / m", "np.dot(dZ, A_prev.T)")}, (),
                 "2026-03-03 09:30:00.000000 UTC"),
    "Студент10": ("all", {"linear_forward": ("np.dot(W, A) + b", "np.dot(A.T, W.T).T")},
                  ("test_linear_activation_forward",), None),
}
DUE_DATE = "2026-03-01 23:59:00 UTC"  # the main job sets it; Студент7 is late


def answer_cells(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def build(solved, slips, deleted):
    nb = nbformat.read(str(REPO / "release" / ASSIGNMENT / NOTEBOOK), as_version=4)
    solutions = answer_cells(nbformat.read(str(REPO / "source" / ASSIGNMENT / NOTEBOOK), as_version=4))
    for name, cell in answer_cells(nb).items():
        if solved == "all" or name in solved:
            cell.source = solutions[name].source
        if name in slips:
            find, replace = slips[name]
            assert find in cell.source, (name, find)
            cell.source = cell.source.replace(find, replace)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in deleted]
    return nb


def main(out=REPO / "samples" / "submitted"):
    shutil.rmtree(out, ignore_errors=True)
    for student, (solved, slips, deleted, timestamp) in SAMPLES.items():
        folder = Path(out) / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(build(solved, slips, deleted), str(folder / NOTEBOOK))
        if timestamp:
            (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    print("wrote {} sample submissions to {}".format(len(SAMPLES), out))


if __name__ == "__main__":
    main(*sys.argv[1:])
