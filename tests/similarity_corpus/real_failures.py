"""Hand-written documents reproducing what issue 30's real public solutions showed (our own code).

* ``DISTINCTIVE``: a known source written its own way (einsum, a clipped
  cost, a dictionary rebuilt in update), the kind of answer key that gets
  copied; ``RENAMED_COPY`` copies it whole with its functions renamed as
  copies do (``l_model_forward``, ``Linear_Backward``, ``compute_costs``,
  ``update_params``, and ``lin_fwd``, found as the only function left that
  can be ``linear_forward``).
* ``OLDER_FORK``: a fork of ``DISTINCTIVE`` at an older version, as the
  real forks of a public answer key are: one line different (the clip of
  the cost) and ``update_parameters`` not yet written (left as the course's
  answer) -- not the same code, so not «совпадает весь код», yet a copy.
"""

DISTINCTIVE = '''import numpy as np


def linear_forward(A, W, b):
    pre = W.dot(A)
    pre = pre + b.reshape(-1, 1)
    return pre, (A, W, b)


def L_model_forward(X, parameters):
    depth = len([k for k in parameters if k.startswith("W")])
    out, memo = X, []
    for layer in range(1, depth + 1):
        kind = "sigmoid" if layer == depth else "relu"
        out, step = linear_activation_forward(out, parameters["W%d" % layer], parameters["b%d" % layer], kind)
        memo.append(step)
    return out, memo


def compute_cost(AL, Y):
    eps = 1e-12
    p = np.clip(AL, eps, 1 - eps)
    total = np.where(Y > 0.5, np.log(p), np.log1p(-p)).sum()
    return float(-total / Y.shape[-1])


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    count = float(dZ.shape[-1])
    grad_W = np.einsum("ij,kj->ik", dZ, A_prev) / count
    grad_b = dZ.mean(axis=-1, keepdims=True)
    back = np.einsum("ji,jk->ik", W, dZ)
    return back, grad_W, grad_b


def update_parameters(parameters, grads, learning_rate):
    fresh = {}
    for key in sorted(parameters):
        fresh[key] = parameters[key] - learning_rate * grads["d" + key]
    return fresh
'''

# The copy, cell by cell as a notebook holds it: each function renamed, its variables too.
RENAMED_COPY = {
    "linear_forward": '''def lin_fwd(A, W, b):
    z = W.dot(A)
    z = z + b.reshape(-1, 1)
    return z, (A, W, b)
''',
    "L_model_forward": '''def l_model_forward(X, params):
    n = len([key for key in params if key.startswith("W")])
    A, caches = X, []
    for i in range(1, n + 1):
        act = "sigmoid" if i == n else "relu"
        A, c = linear_activation_forward(A, params["W%d" % i], params["b%d" % i], act)
        caches.append(c)
    return A, caches
''',
    "compute_cost": '''def compute_costs(AL, Y):
    tiny = 1e-12
    q = np.clip(AL, tiny, 1 - tiny)
    s = np.where(Y > 0.5, np.log(q), np.log1p(-q)).sum()
    return float(-s / Y.shape[-1])
''',
    "linear_backward": '''def Linear_Backward(dZ, cache):
    A_prev, W, b = cache
    m = float(dZ.shape[-1])
    dW = np.einsum("ij,kj->ik", dZ, A_prev) / m
    db = dZ.mean(axis=-1, keepdims=True)
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    return dA_prev, dW, db
''',
    "update_parameters": '''def update_params(parameters, grads, learning_rate):
    new = {}
    for name in sorted(parameters):
        new[name] = parameters[name] - learning_rate * grads["d" + name]
    return new
''',
}

# An older version of the answer key, cell by cell: the cost clipped otherwise, update_parameters not written.
OLDER_FORK = {
    "linear_forward": '''def linear_forward(A, W, b):
    pre = W.dot(A)
    pre = pre + b.reshape(-1, 1)
    return pre, (A, W, b)
''',
    "L_model_forward": '''def L_model_forward(X, parameters):
    depth = len([k for k in parameters if k.startswith("W")])
    out, memo = X, []
    for layer in range(1, depth + 1):
        kind = "sigmoid" if layer == depth else "relu"
        out, step = linear_activation_forward(out, parameters["W%d" % layer], parameters["b%d" % layer], kind)
        memo.append(step)
    return out, memo
''',
    "compute_cost": '''def compute_cost(AL, Y):
    eps = 1e-8
    p = np.clip(AL, eps, 1 - eps)
    total = np.where(Y > 0.5, np.log(p), np.log1p(-p)).sum()
    return float(-total / Y.shape[-1])
''',
    "linear_backward": '''def linear_backward(dZ, cache):
    A_prev, W, b = cache
    count = float(dZ.shape[-1])
    grad_W = np.einsum("ij,kj->ik", dZ, A_prev) / count
    grad_b = dZ.mean(axis=-1, keepdims=True)
    back = np.einsum("ji,jk->ik", W, dZ)
    return back, grad_W, grad_b
''',
}
