"""The ten graded functions of the lab: points, parts and cases, defined once.

The notebook's hidden tests, the sealed engine and every report read this
module. Cases are the lab's public example plus hidden random inputs chosen to
expose the classic slips: non-square weights (transposes), one and many
examples (a missing ``1/m`` or ``keepdims``), networks of 1 to 5 layers
(off-by-one loops), both activations, values on both sides of zero.
"""

import numpy as np

import reference_solution as ref
from .spec import Case, FunctionSpec

# The lab's public inputs (tests/data/test_case_inputs.json, well-formed).
_A = np.array([[-1.02387576, 1.12397796], [-1.62328545, 0.64667545], [-1.74314104, -0.59664964]])
_W = np.array([[0.74505627, 1.97611078, -1.24412333]])
_B = np.array([[5.0]])
_Z = np.array([[3.1980455, 7.85763489]])
PUBLIC = "пример из лабораторной"


def _rng(seed):
    return np.random.default_rng(seed)


def _linear_inputs(rng, n_prev, n, m):
    return rng.normal(size=(n_prev, m)), rng.normal(size=(n, n_prev)), rng.normal(size=(n, 1))


def _label(index, details):
    return "скрытый пример {}: {}".format(index, details)


_LINEAR_SHAPES = [(4, 3, 5), (3, 3, 1), (1, 5, 2), (6, 2, 4), (2, 1, 7)]  # (n_prev, n, m)
_NETWORKS = [[3, 1], [4, 3, 1], [2, 5, 4, 1], [5, 4, 3, 2, 1], [3, 6, 5, 4, 3, 1]]


def _random_network(rng, dims, m):
    parameters = {}
    for l in range(1, len(dims)):
        parameters["W%d" % l] = rng.normal(size=(dims[l], dims[l - 1])) * 0.8
        parameters["b%d" % l] = rng.normal(size=(dims[l], 1)) * 0.5
    return rng.normal(size=(dims[0], m)), parameters


# --- case builders ---------------------------------------------------------

def _initialize_parameters_cases():
    shapes = [(4, 3, 2), (2, 5, 1), (7, 1, 3), (1, 1, 1)]
    cases = [Case(PUBLIC, (3, 2, 1), public=True)]
    cases += [Case(_label(i, "n_x={}, n_h={}, n_y={}".format(*s)), s) for i, s in enumerate(shapes, 1)]
    return cases


def _initialize_parameters_deep_cases():
    dims = [[3, 1], [4, 6, 2], [2, 3, 4, 1], [6, 5, 4, 3, 2, 1]]
    cases = [Case(PUBLIC, ([5, 4, 3],), public=True)]
    cases += [Case(_label(i, "layer_dims={}".format(d)), (d,)) for i, d in enumerate(dims, 1)]
    return cases


def _linear_cases(rng):
    for i, (n_prev, n, m) in enumerate(_LINEAR_SHAPES, 1):
        yield _label(i, "W {}×{}, m = {}".format(n, n_prev, m)), _linear_inputs(rng, n_prev, n, m), m


def _linear_forward_cases():
    cases = [Case(PUBLIC, (_A.copy(), _W.copy(), _B.copy()), public=True, m=2)]
    cases += [Case(label, args, m=m) for label, args, m in _linear_cases(_rng(11))]
    return cases


def _linear_activation_forward_cases():
    cases = []
    for activation, seed in (("sigmoid", 21), ("relu", 22)):
        cases.append(Case(PUBLIC + ", " + activation, (_A.copy(), _W.copy(), _B.copy()),
                          {"activation": activation}, part=activation, public=True, m=2))
        cases += [Case(label + ", " + activation, args, {"activation": activation},
                       part=activation, m=m) for label, args, m in _linear_cases(_rng(seed))]
    return cases


def _public_forward_parameters():
    return {"W1": np.array([[1.62434536, -0.61175641, -0.52817175],
                            [-1.07296862, 0.86540763, -2.3015387]]),
            "b1": np.zeros((2, 1)),
            "W2": np.array([[1.74481176, -0.7612069]]),
            "b2": np.zeros((1, 1))}


def _L_model_forward_cases():
    rng = _rng(31)
    cases = [Case(PUBLIC, (_A.copy(), _public_forward_parameters()), public=True, m=2)]
    for i, dims in enumerate(_NETWORKS, 1):
        m = 1 if i % 2 else 4
        X, parameters = _random_network(rng, dims, m)
        cases.append(Case(_label(i, "сеть {}, m = {}".format(dims, m)), (X, parameters), m=m))
    return cases


def _compute_cost_cases():
    rng = _rng(41)
    cases = [Case(PUBLIC, (np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 1]])), public=True, m=3)]
    for i, m in enumerate((1, 4, 7, 10), 1):
        AL = rng.uniform(0.05, 0.95, size=(1, m))
        Y = (rng.uniform(size=(1, m)) < 0.5).astype(int)
        Y[0, 0] = 1 - Y[0, -1] if m > 1 else Y[0, 0]  # both labels whenever m > 1
        cases.append(Case(_label(i, "m = {}".format(m)), (AL, Y), m=m))
    return cases


def _linear_backward_cases():
    cases = [Case(PUBLIC, (_Z.copy(), (_A.copy(), _W.copy(), _B.copy())), public=True, m=2)]
    rng = _rng(51)
    for label, (A, W, b), m in _linear_cases(rng):
        dZ = rng.normal(size=(W.shape[0], m))
        cases.append(Case(label, (dZ, (A, W, b)), m=m))
    return cases


def _linear_activation_backward_cases():
    cases = []
    for activation, seed in (("sigmoid", 61), ("relu", 62)):
        cases.append(Case(PUBLIC + ", " + activation,
                          (_Z.copy(), ((_A.copy(), _W.copy(), _B.copy()), _Z.copy())),
                          {"activation": activation}, part=activation, public=True, m=2))
        rng = _rng(seed)
        for label, (A, W, b), m in _linear_cases(rng):
            Z = rng.normal(size=(W.shape[0], m))  # both signs: relu's mask matters
            dA = rng.normal(size=Z.shape)
            cases.append(Case(label + ", " + activation, (dA, ((A, W, b), Z)),
                              {"activation": activation}, part=activation, m=m))
    return cases


def _public_backward_case():
    X = np.array([[0.20445225, 0.87811744], [0.02738759, 0.67046751], [0.4173048, 0.55868983]])
    caches = [((X, np.array([[1.78862847, 0.43650985, 0.09649747]]), np.zeros((1, 1))),
               np.array([[0.41791293, 1.91720367]]))]
    return Case(PUBLIC, (np.array([[0.60298372, 0.87182628]]), np.array([[1, 1]]), caches),
                public=True, m=2)


def _L_model_backward_cases():
    rng = _rng(71)
    cases = [_public_backward_case()]
    for i, dims in enumerate(_NETWORKS, 1):
        m = 1 if i % 2 == 0 else 4
        X, parameters = _random_network(rng, dims, m)
        AL, caches = ref.L_model_forward(X, parameters)
        Y = (rng.uniform(size=(1, m)) < 0.5).astype(int)
        cases.append(Case(_label(i, "сеть {}, m = {}".format(dims, m)), (AL, Y, caches), m=m))
    return cases


def _update_parameters_cases():
    rng = _rng(81)
    public_parameters = {
        "W1": np.array([[1.78862847, 0.43650985, 0.09649747], [-1.8634927, -0.2773882, -0.35475898],
                        [-0.08274148, -0.62700068, -0.04381817], [-0.47721803, -1.31386475, 0.88462238]]),
        "b1": np.zeros((4, 1)),
        "W2": np.array([[0.88131804, 1.70957306, 0.05003364, -0.40467741],
                        [-0.54535995, -1.54647732, 0.98236743, -1.10106763],
                        [-1.18504653, -0.2056499, 1.48614836, 0.23671627]]),
        "b2": np.zeros((3, 1)),
        "W3": np.array([[-1.02378514, -0.7129932, 0.62524497], [-0.16051336, -0.76883635, -0.23003072]]),
        "b3": np.zeros((2, 1))}
    dW1, dW2, dW3 = np.zeros((4, 3)), np.zeros((3, 4)), np.zeros((2, 3))
    dW1[0] = [0.63070583, 0.66482653, 0.18308507]
    dW2[0, 0] = 1.62934255
    dW3[:, 0] = -1.40260776
    public_grads = {"dW1": dW1, "db1": np.full((4, 1), 0.7593767620441146),
                    "dW2": dW2, "db2": np.full((3, 1), 0.8616375992281106),
                    "dW3": dW3, "db3": np.full((2, 1), -0.8416195602233457)}
    cases = [Case(PUBLIC, (public_parameters, public_grads, 0.1), public=True, mutable=frozenset({0}))]
    for i, (dims, rate) in enumerate(zip(_NETWORKS[:4], (0.5, 0.01, 1.2, 0.07)), 1):
        _, parameters = _random_network(rng, dims, 1)
        grads = {"d" + k: rng.normal(size=v.shape) for k, v in parameters.items()}
        cases.append(Case(_label(i, "сеть {}, learning_rate = {}".format(dims, rate)),
                          (parameters, grads, rate), mutable=frozenset({0})))
    return cases


# --- typical slips, recognised by their outputs ------------------------------

def _other_activation(case, reference):
    other = {"sigmoid": "relu", "relu": "sigmoid"}[case.kwargs["activation"]]
    return [("перепутаны функции активации (использована {})".format(other),
             reference(*case.args, activation=other))]


def _swapped_cache(case, reference):
    A, (linear_cache, activation_cache) = reference(*case.args, **case.kwargs)
    return [("в cache перепутан порядок: нужно (linear_cache, activation_cache)",
             (A, (activation_cache, linear_cache)))] + _other_activation(case, reference)


def _gradient_added(case, reference):
    parameters, grads, rate = case.args
    return [("градиент прибавлен к параметрам, а нужно вычесть",
             reference(parameters, grads, -rate))]


def _unscaled_weights(case, reference):
    unscaled = {k: v * 100 if k.startswith("W") else v for k, v in reference(*case.args).items()}
    return [("веса не умножены на 0.01", unscaled)]




SPECS = (
    FunctionSpec("initialize_parameters", "init", 5, ("n_x", "n_h", "n_y"),
                 _initialize_parameters_cases, outputs="parameters", slips=_unscaled_weights),
    FunctionSpec("initialize_parameters_deep", "init_deep", 10, ("layer_dims",),
                 _initialize_parameters_deep_cases, outputs="parameters", slips=_unscaled_weights),
    FunctionSpec("linear_forward", "lin_fwd", 5, ("A", "W", "b"), _linear_forward_cases,
                 outputs=("Z", "cache")),
    FunctionSpec("linear_activation_forward", "act_fwd", 10, ("A_prev", "W", "b", "activation"),
                 _linear_activation_forward_cases, outputs=("A", "cache"), helpers=("linear_forward",),
                 parts=(("sigmoid", 0.5), ("relu", 0.5)), slips=_swapped_cache),
    FunctionSpec("L_model_forward", "L_fwd", 15, ("X", "parameters"), _L_model_forward_cases,
                 outputs=("AL", "caches"), helpers=("linear_activation_forward", "linear_forward")),
    FunctionSpec("compute_cost", "cost", 5, ("AL", "Y"), _compute_cost_cases, outputs="cost"),
    FunctionSpec("linear_backward", "lin_bwd", 10, ("dZ", "cache"), _linear_backward_cases,
                 outputs=("dA_prev", "dW", "db")),
    FunctionSpec("linear_activation_backward", "act_bwd", 10, ("dA", "cache", "activation"),
                 _linear_activation_backward_cases, outputs=("dA_prev", "dW", "db"),
                 helpers=("linear_backward",),
                 parts=(("sigmoid", 0.5), ("relu", 0.5)), slips=_other_activation),
    FunctionSpec("L_model_backward", "L_bwd", 20, ("AL", "Y", "caches"), _L_model_backward_cases,
                 outputs="grads", helpers=("linear_activation_backward", "linear_backward")),
    FunctionSpec("update_parameters", "update", 10, ("parameters", "grads", "learning_rate"),
                 _update_parameters_cases, outputs="parameters", slips=_gradient_added),
)

BY_NAME = {spec.name: spec for spec in SPECS}
NAMES = tuple(BY_NAME)
MAX_SCORE = sum(spec.points for spec in SPECS)

# The lab's activations (dnn_utils): public, so every check uses the trusted
# versions, whatever the student's namespace holds.
ACTIVATIONS = ("sigmoid", "relu", "sigmoid_backward", "relu_backward")

# Every helper is graded before the functions that call it: the sealed engine
# relies on this order (a reference helper is only ever reachable after the
# helper itself was graded).
assert all(NAMES.index(h) < NAMES.index(s.name) for s in SPECS for h in s.helpers)
