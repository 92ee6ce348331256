"""Copies disguised by hand, the way issue 30's tester did it, and independent work the template makes alike.

Unlike :mod:`.disguises` (generators that rewrite text mechanically), every
copy here was edited by hand, as a student hiding a copy would: independent
statements swapped, dead code and an extra local that is read added, all of
it at once with new names, the same wrong formula written another way, a
known source's code reordered with ``x / m`` written ``(1 / m) * x``, a
byte-identical notebook and a renamed one. The origin (``ORIGIN``) writes four
functions its own way, with a mistake of its own in ``compute_cost``
(``m + 1``); every copy takes those four and writes the other six the
course's way. ``TEMPLATE_ALIKE`` are independent students who fill the
release's template the way its hints lead, each with small choices of their
own: what a class has plenty of and must not be flagged.
"""

ORIGIN = {
    "compute_cost": '''\
def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (-1 / (m + 1)) * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    cost = np.squeeze(cost)
    return cost
''',
    "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    n_samples = A_prev.shape[1]
    dW = np.einsum("ij,kj->ik", dZ, A_prev) / n_samples
    db = np.mean(dZ, axis=1).reshape(-1, 1)
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    return dA_prev, dW, db
''',
    "L_model_forward": '''\
def L_model_forward(X, parameters):
    caches = []
    depth = len(parameters) // 2
    activations = X
    for layer in range(1, depth):
        weights, bias = parameters["W%d" % layer], parameters["b%d" % layer]
        activations, cache = linear_activation_forward(activations, weights, bias, activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(activations, parameters["W%d" % depth], parameters["b%d" % depth],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches
''',
    "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    dA, dW, db = linear_activation_backward(dAL, caches[-1], activation="sigmoid")
    grads["dA%d" % L], grads["dW%d" % L], grads["db%d" % L] = dA, dW, db
    for l in range(L - 2, -1, -1):
        dA, dW, db = linear_activation_backward(grads["dA%d" % (l + 2)], caches[l], activation="relu")
        grads["dA%d" % (l + 1)] = dA
        grads["dW%d" % (l + 1)] = dW
        grads["db%d" % (l + 1)] = db
    return grads
''',
}

# Each copy: {function: its code}; a function not listed is the origin's, unchanged.
COPIES = {
    "reordered": {
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    db = np.mean(dZ, axis=1).reshape(-1, 1)
    n_samples = A_prev.shape[1]
    dW = np.einsum("ij,kj->ik", dZ, A_prev) / n_samples
    return dA_prev, dW, db
''',
        "L_model_forward": '''\
def L_model_forward(X, parameters):
    activations = X
    depth = len(parameters) // 2
    caches = []
    for layer in range(1, depth):
        bias = parameters["b%d" % layer]
        weights = parameters["W%d" % layer]
        activations, cache = linear_activation_forward(activations, weights, bias, activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(activations, parameters["W%d" % depth], parameters["b%d" % depth],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    L = len(caches)
    Y = Y.reshape(AL.shape)
    grads = {}
    dAL = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    dA, dW, db = linear_activation_backward(dAL, caches[-1], activation="sigmoid")
    grads["db%d" % L], grads["dA%d" % L], grads["dW%d" % L] = db, dA, dW
    for l in range(L - 2, -1, -1):
        dA, dW, db = linear_activation_backward(grads["dA%d" % (l + 2)], caches[l], activation="relu")
        grads["dW%d" % (l + 1)] = dW
        grads["db%d" % (l + 1)] = db
        grads["dA%d" % (l + 1)] = dA
    return grads
''',
    },
    "dead_code": {
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    shapes = [A_prev.shape, W.shape, b.shape]  # shapes of everything, kept for debugging: A_prev is (n_prev, m), W is (n, n_prev), b is (n, 1), dZ is (n, m)
    n_samples = A_prev.shape[1]
    check = n_samples * 2
    dW = np.einsum("ij,kj->ik", dZ, A_prev) / n_samples
    db = np.mean(dZ, axis=1).reshape(-1, 1)
    log = []
    log.append(db.shape)
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    return dA_prev, dW, db
''',
        "L_model_forward": '''\
def L_model_forward(X, parameters):
    caches = []
    sizes = []
    depth = len(parameters) // 2
    activations = X
    for layer in range(1, depth):
        weights, bias = parameters["W%d" % layer], parameters["b%d" % layer]
        sizes.append(weights.shape[0])
        activations, cache = linear_activation_forward(activations, weights, bias, activation="relu")
        caches.append(cache)
    total = sum(sizes)
    AL, cache = linear_activation_forward(activations, parameters["W%d" % depth], parameters["b%d" % depth],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    m = AL.shape[1]
    Y = Y.reshape(AL.shape)
    dAL = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    seen = {}
    dA, dW, db = linear_activation_backward(dAL, caches[-1], activation="sigmoid")
    grads["dA%d" % L], grads["dW%d" % L], grads["db%d" % L] = dA, dW, db
    for l in range(L - 2, -1, -1):
        dA, dW, db = linear_activation_backward(grads["dA%d" % (l + 2)], caches[l], activation="relu")
        seen[l] = True
        grads["dA%d" % (l + 1)] = dA
        grads["dW%d" % (l + 1)] = dW
        grads["db%d" % (l + 1)] = db
    return grads
''',
    },
    "extra_local": {
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    n_samples = A_prev.shape[1]
    product = np.einsum("ij,kj->ik", dZ, A_prev)
    dW = product / n_samples
    averaged = np.mean(dZ, axis=1)
    db = averaged.reshape(-1, 1)
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    return dA_prev, dW, db
''',
        "compute_cost": '''\
def compute_cost(AL, Y):
    m = Y.shape[1]
    scale = -1 / (m + 1)
    cost = scale * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    cost = np.squeeze(cost)
    return cost
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    last = caches[-1]
    dA, dW, db = linear_activation_backward(dAL, last, activation="sigmoid")
    grads["dA%d" % L], grads["dW%d" % L], grads["db%d" % L] = dA, dW, db
    for l in range(L - 2, -1, -1):
        upstream = grads["dA%d" % (l + 2)]
        dA, dW, db = linear_activation_backward(upstream, caches[l], activation="relu")
        grads["dA%d" % (l + 1)] = dA
        grads["dW%d" % (l + 1)] = dW
        grads["db%d" % (l + 1)] = db
    return grads
''',
    },
    "combined": {
        "compute_cost": '''\
def compute_cost(AL, Y):
    # функция потерь
    count = Y.shape[1]
    inner = np.log(AL) * Y + (1 - Y) * np.log(1 - AL)
    unused = inner.shape
    cost = np.squeeze(np.sum(inner) * (-1 / (count + 1)))
    return cost
''',
        "linear_backward": '''\
def linear_backward(dZ, cache):
    """Градиенты линейной части."""
    prev, weight, bias = cache
    grad_prev = np.einsum("ji,jk->ik", weight, dZ)
    mean_db = np.mean(dZ, axis=1)
    size = prev.shape[1]
    grad_w = np.einsum("ij,kj->ik", dZ, prev) / size
    tmp = size + 1
    grad_b = mean_db.reshape(-1, 1)
    return grad_prev, grad_w, grad_b
''',
        "L_model_forward": '''\
def L_model_forward(X, parameters):
    n_layers = len(parameters) // 2
    store = []
    out = X
    trace = []
    for i in range(1, n_layers):
        b_i = parameters["b%d" % i]
        w_i = parameters["W%d" % i]
        out, c = linear_activation_forward(out, w_i, b_i, activation="relu")
        trace.append(i)
        store.append(c)
    w_last = parameters["W%d" % n_layers]
    final, c = linear_activation_forward(out, w_last, parameters["b%d" % n_layers], activation="sigmoid")
    store.append(c)
    return final, store
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    n = len(caches)
    Y = Y.reshape(AL.shape)
    g = {}
    start = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    a_grad, w_grad, b_grad = linear_activation_backward(start, caches[-1], activation="sigmoid")
    g["dW%d" % n] = w_grad
    g["dA%d" % n] = a_grad
    g["db%d" % n] = b_grad
    for k in range(n - 2, -1, -1):
        incoming = g["dA%d" % (k + 2)]
        a_grad, w_grad, b_grad = linear_activation_backward(incoming, caches[k], activation="relu")
        g["db%d" % (k + 1)] = b_grad
        g["dA%d" % (k + 1)] = a_grad
        g["dW%d" % (k + 1)] = w_grad
    return g
''',
    },
    "same_bug_rewritten": {
        "compute_cost": '''\
def compute_cost(AL, Y):
    m = Y.shape[1]
    total = np.sum((1 - Y) * np.log(1 - AL) + np.log(AL) * Y)
    cost = np.squeeze(-total / (1 + m))
    return cost
''',
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    dW = np.einsum("ij,kj->ik", dZ, A_prev) * (1 / A_prev.shape[1])
    db = np.mean(dZ, axis=1).reshape(-1, 1)
    return dA_prev, dW, db
''',
    },
}

# A known source (tests/similarity_corpus/public.py's py_export) copied: statements reordered, x / m as (1 / m) * x.
PUBLIC_REORDERED = {
    "compute_cost": '''\
def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = np.squeeze((-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T)) / m)
    return cost
''',
    "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    dA_prev = np.dot(W.T, dZ)
    m = A_prev.shape[1]
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dW = (1 / m) * np.dot(dZ, A_prev.T)
    return dA_prev, dW, db
''',
    "L_model_forward": '''\
def L_model_forward(X, parameters):
    L = len(parameters) // 2
    A = X
    caches = []
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters['W{:d}'.format(l)], parameters['b{:d}'.format(l)],
                                             activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters['W{:d}'.format(L)], parameters['b{:d}'.format(L)],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches
''',
    "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    L = len(caches)
    grads = {}
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads['dA{:d}'.format(L)], grads['dW{:d}'.format(L)], grads['db{:d}'.format(L)] = \\
        linear_activation_backward(dAL, caches[L - 1], activation="sigmoid")
    for l in reversed(range(L - 1)):
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads['dA{:d}'.format(l + 2)], caches[l],
                                                                    activation="relu")
        grads['dW{:d}'.format(l + 1)] = dW_temp
        grads['db{:d}'.format(l + 1)] = db_temp
        grads['dA{:d}'.format(l + 1)] = dA_prev_temp
    return grads
''',
}

# Independent students filling the release's template the way its hints lead, each with choices of their own.
TEMPLATE_ALIKE = {
    "hints_a": {
        "compute_cost": ["cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m"],
        "linear_backward": ["dW = np.dot(dZ, A_prev.T) / m", "db = np.sum(dZ, axis=1, keepdims=True) / m",
                            "dA_prev = np.dot(W.T, dZ)"],
    },
    "hints_b": {
        "compute_cost": ["cost = -(1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))"],
        "linear_backward": ["dW = 1 / m * np.dot(dZ, A_prev.T)", "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)",
                            "dA_prev = np.dot(W.T, dZ)"],
    },
    "hints_c": {
        "compute_cost": ["cost = -1 / m * (np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T))"],
        "linear_backward": ["dW = (dZ @ A_prev.T) / m", "db = dZ.sum(axis=1, keepdims=True) / m",
                            "dA_prev = W.T @ dZ"],
    },
    "hints_d": {
        "compute_cost": ["cost = np.sum(-Y * np.log(AL) - (1 - Y) * np.log(1 - AL)) / m"],
        "linear_backward": ["dW = np.matmul(dZ, A_prev.T) / m", "db = np.mean(dZ, axis=1, keepdims=True)",
                            "dA_prev = np.matmul(W.T, dZ)"],
    },
    "hints_e": {
        "compute_cost": ["cost = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))"],
        "linear_backward": ["dW = 1. / m * np.dot(dZ, A_prev.T)", "db = 1. / m * np.sum(dZ, axis=1, keepdims=True)",
                            "dA_prev = np.dot(W.T, dZ)"],
    },
}
