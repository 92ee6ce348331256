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
#             grade cells the student deleted)
SAMPLES = {
    "Студент1": ("all", {}, ()),
    "Студент2": ((), {}, ()),
    "Студент3": (FORWARD, {}, ()),
    "Студент4": ("all", {"linear_backward": ("axis=1, keepdims=True", "axis=1"),
                         "L_model_forward": ('activation="sigmoid"', 'activation="relu"')}, ()),
    "Студент5": ("all", {"L_model_backward": ('grads["dA" + str(l + 1)] = dA_prev_temp',
                                              'grads["dA" + str(l)] = dA_prev_temp')}, ()),
    "Студент10": ("all", {"linear_forward": ("np.dot(W, A) + b", "np.dot(A.T, W.T).T")},
                  ("test_linear_activation_forward",)),
}


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
    for student, (solved, slips, deleted) in SAMPLES.items():
        folder = Path(out) / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(build(solved, slips, deleted), str(folder / NOTEBOOK))
    print("wrote {} sample submissions to {}".format(len(SAMPLES), out))


if __name__ == "__main__":
    main(*sys.argv[1:])
