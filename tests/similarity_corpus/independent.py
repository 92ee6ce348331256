"""Independent solutions of the lab, each written on its own, in styles of its own.

Three fill in the release's template (``FILLED``: the lines that replace each
stub ``X = None``, in order), as most students do; five are rewritten from
scratch (``REWRITTEN``: whole answer cells). Some make a mistake of their own,
so that copies share wrong results: ``filled_b`` stabilises the log of the
cost, ``filled_g`` takes the wrong cache in the backward loop, ``loops_d``
reseeds the generator inside its initialisation loop.
"""

FILLED = {
    "filled_a": {
        "initialize_parameters": ["W1 = np.random.randn(n_h, n_x) / 100", "b1 = np.zeros(shape=(n_h, 1))",
                                  "W2 = np.random.randn(n_y, n_h) / 100", "b2 = np.zeros(shape=(n_y, 1))"],
        "initialize_parameters_deep": ["parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l-1]) / 100",
                                       "parameters['b' + str(l)] = np.zeros(shape=(layer_dims[l], 1))"],
        "linear_forward": ["Z = np.matmul(W, A) + b"],
        "linear_activation_forward": ["Z, linear_cache = linear_forward(A_prev, W, b)",
                                      "A, activation_cache = sigmoid(Z)",
                                      "Z, linear_cache = linear_forward(A_prev, W, b)",
                                      "A, activation_cache = relu(Z)"],
        "L_model_forward": ["A, cache = linear_activation_forward(A_prev, parameters['W%s' % l], "
                            "parameters['b%s' % l], 'relu')\ncaches += [cache]",
                            "AL, cache = linear_activation_forward(A, parameters['W%s' % L], parameters['b%s' % L], "
                            "'sigmoid')\ncaches += [cache]"],
        "compute_cost": ["cost = -np.sum(np.log(AL) * Y + np.log(1 - AL) * (1 - Y)) / m"],
        "linear_backward": ["dW = np.matmul(dZ, A_prev.T) / m", "db = dZ.sum(axis=1, keepdims=True) / m",
                            "dA_prev = np.matmul(W.T, dZ)"],
        "linear_activation_backward": ["dZ = relu_backward(dA, activation_cache)",
                                       "dA_prev, dW, db = linear_backward(dZ, linear_cache)",
                                       "dZ = sigmoid_backward(dA, activation_cache)",
                                       "dA_prev, dW, db = linear_backward(dZ, linear_cache)"],
        "L_model_backward": ["dAL = (1 - Y) / (1 - AL) - Y / AL",
                             "current_cache = caches[-1]",
                             "grads['dA%s' % L], grads['dW%s' % L], grads['db%s' % L] = "
                             "linear_activation_backward(dAL, current_cache, 'sigmoid')",
                             "current_cache = caches[l]",
                             "dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads['dA%s' % (l + 2)], "
                             "current_cache, 'relu')",
                             "grads['dA%s' % (l + 1)] = dA_prev_temp",
                             "grads['dW%s' % (l + 1)] = dW_temp",
                             "grads['db%s' % (l + 1)] = db_temp"],
        "update_parameters": ["parameters['W%s' % (l + 1)] = parameters['W%s' % (l + 1)] - "
                              "np.multiply(learning_rate, grads['dW%s' % (l + 1)])",
                              "parameters['b%s' % (l + 1)] = parameters['b%s' % (l + 1)] - "
                              "np.multiply(learning_rate, grads['db%s' % (l + 1)])"],
    },
    "filled_b": {
        "initialize_parameters": ["W1 = 0.01 * np.random.randn(n_h, n_x)", "b1 = np.zeros([n_h, 1])",
                                  "W2 = 0.01 * np.random.randn(n_y, n_h)", "b2 = np.zeros([n_y, 1])"],
        "initialize_parameters_deep": ["parameters['W' + str(l)] = 0.01 * np.random.randn(*(layer_dims[l], "
                                       "layer_dims[l - 1]))",
                                       "parameters['b' + str(l)] = np.zeros([layer_dims[l], 1])"],
        "linear_forward": ["Z = W.dot(A) + b"],
        "linear_activation_forward": ["Z, linear_cache = linear_forward(A_prev, W, b)",
                                      "A, activation_cache = sigmoid(Z)",
                                      "Z, linear_cache = linear_forward(A_prev, W, b)",
                                      "A, activation_cache = relu(Z)"],
        "L_model_forward": ["A, cache = linear_activation_forward(A_prev, W=parameters.get('W' + str(l)), "
                            "b=parameters.get('b' + str(l)), activation='relu')\ncaches.append(cache)",
                            "AL, cache = linear_activation_forward(A, W=parameters.get('W' + str(L)), "
                            "b=parameters.get('b' + str(L)), activation='sigmoid')\ncaches.append(cache)"],
        "compute_cost": ["eps = 1e-4\ncost = -(1 / m) * np.sum(Y * np.log(AL + eps) + (1 - Y) * np.log(1 - AL + eps))"],
        "linear_backward": ["dW = (1. / m) * dZ.dot(A_prev.T)", "db = (1. / m) * np.sum(dZ, axis=1, keepdims=True)",
                            "dA_prev = W.T.dot(dZ)"],
        "linear_activation_backward": ["dZ = relu_backward(dA, activation_cache)",
                                       "dA_prev, dW, db = linear_backward(dZ, linear_cache)",
                                       "dZ = sigmoid_backward(dA, activation_cache)",
                                       "dA_prev, dW, db = linear_backward(dZ, linear_cache)"],
        "L_model_backward": ["dAL = -(Y / AL - (1 - Y) / (1 - AL))",
                             "current_cache = caches[L - 1]",
                             'grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = '
                             'linear_activation_backward(dAL, current_cache, activation="sigmoid")',
                             "current_cache = caches[l]",
                             'dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 2)], '
                             'current_cache, activation="relu")',
                             'grads["dA" + str(l + 1)] = dA_prev_temp',
                             'grads["dW" + str(l + 1)] = dW_temp',
                             'grads["db" + str(l + 1)] = db_temp'],
        "update_parameters": ['parameters["W" + str(l+1)] -= learning_rate * grads["dW" + str(l+1)]',
                              'parameters["b" + str(l+1)] -= learning_rate * grads["db" + str(l+1)]'],
    },
    "filled_g": {
        "initialize_parameters": ["W1 = np.random.randn(n_h, n_x) * 0.01", "b1 = np.zeros((n_h, 1), dtype=float)",
                                  "W2 = np.random.randn(n_y, n_h) * 0.01", "b2 = np.zeros((n_y, 1), dtype=float)"],
        "initialize_parameters_deep": ["parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l-1]) * 0.01",
                                       "parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))"],
        "linear_forward": ["Z = W @ A + b"],
        "linear_activation_forward": ["Z, linear_cache = linear_forward(A_prev, W, b)",
                                      "A, activation_cache = sigmoid(Z)",
                                      "Z, linear_cache = linear_forward(A_prev, W, b)",
                                      "A, activation_cache = relu(Z)"],
        "L_model_forward": ['A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], '
                            'parameters["b" + str(l)], activation = "relu")\ncaches.insert(len(caches), cache)',
                            'AL, cache = linear_activation_forward(A, parameters["W" + str(L)], '
                            'parameters["b" + str(L)], activation = "sigmoid")\ncaches.insert(len(caches), cache)'],
        "compute_cost": ["cost = -1 / m * (np.dot(Y, np.log(AL.T)) + np.dot(1 - Y, np.log(1 - AL.T)))"],
        "linear_backward": ["dW = 1 / m * dZ @ A_prev.T", "db = 1 / m * np.sum(dZ, axis = 1, keepdims = True)",
                            "dA_prev = W.T @ dZ"],
        "linear_activation_backward": ["dZ = relu_backward(dA, activation_cache)",
                                       "dA_prev, dW, db = linear_backward(dZ, linear_cache)",
                                       "dZ = sigmoid_backward(dA, activation_cache)",
                                       "dA_prev, dW, db = linear_backward(dZ, linear_cache)"],
        "L_model_backward": ["dAL = - (Y / AL - (1 - Y) / (1 - AL))",
                             "current_cache = caches[L-1]",
                             'grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = '
                             'linear_activation_backward(dAL, current_cache, activation = "sigmoid")',
                             "current_cache = caches[l + 1]",
                             'dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 2)], '
                             'current_cache, activation = "relu")',
                             'grads["dA" + str(l + 1)] = dA_prev_temp',
                             'grads["dW" + str(l + 1)] = dW_temp',
                             'grads["db" + str(l + 1)] = db_temp'],
        "update_parameters": ['parameters["W" + str(l+1)] = parameters["W" + str(l+1)] - learning_rate * grads["dW" + str(l+1)]',
                              'parameters["b" + str(l+1)] = parameters["b" + str(l+1)] - learning_rate * grads["db" + str(l+1)]'],
    },
}

REWRITTEN = {
    "functional_c": {
        "initialize_parameters": '''\
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    sizes = [(n_h, n_x), (n_y, n_h)]
    weights = [np.random.randn(rows, cols) * 0.01 for rows, cols in sizes]
    return {**{f"W{i}": w for i, w in enumerate(weights, 1)},
            **{f"b{i}": np.zeros((rows, 1)) for i, (rows, _) in enumerate(sizes, 1)}}
''',
        "initialize_parameters_deep": '''\
def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    out = {}
    for idx, (fan_out, fan_in) in enumerate(zip(layer_dims[1:], layer_dims), start=1):
        out[f"W{idx}"] = np.random.randn(fan_out, fan_in) * 0.01
        out[f"b{idx}"] = np.zeros((fan_out, 1))
    return out
''',
        "linear_forward": '''\
def linear_forward(A, W, b):
    return W @ A + b, (A, W, b)
''',
        "linear_activation_forward": '''\
def linear_activation_forward(A_prev, W, b, activation):
    Z, lin = linear_forward(A_prev, W, b)
    A, act = {"sigmoid": sigmoid, "relu": relu}[activation](Z)
    return A, (lin, act)
''',
        "L_model_forward": '''\
def L_model_forward(X, parameters):
    depth = len(parameters) // 2
    caches = []
    A = X
    for layer in range(1, depth + 1):
        kind = "relu" if layer < depth else "sigmoid"
        A, cache = linear_activation_forward(A, parameters[f"W{layer}"], parameters[f"b{layer}"], kind)
        caches.append(cache)
    return A, caches
''',
        "compute_cost": '''\
def compute_cost(AL, Y):
    losses = Y * np.log(AL) + (1 - Y) * np.log(1 - AL)
    return float(-losses.mean())
''',
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, _ = cache
    count = dZ.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / count, dZ.mean(axis=1, keepdims=True)
''',
        "linear_activation_backward": '''\
def linear_activation_backward(dA, cache, activation):
    lin, act = cache
    grad = {"relu": relu_backward, "sigmoid": sigmoid_backward}[activation]
    return linear_backward(grad(dA, act), lin)
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    Y = Y.reshape(AL.shape)
    grads = {}
    upstream = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for layer in range(len(caches), 0, -1):
        kind = "sigmoid" if layer == len(caches) else "relu"
        upstream, dW, db = linear_activation_backward(upstream, caches[layer - 1], kind)
        grads.update({f"dA{layer}": upstream, f"dW{layer}": dW, f"db{layer}": db})
    return grads
''',
        "update_parameters": '''\
def update_parameters(parameters, grads, learning_rate):
    return {key: value - learning_rate * grads["d" + key] for key, value in parameters.items()}
''',
    },
    "loops_d": {
        "initialize_parameters": '''\
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x)
    W1 = W1 * 0.01
    W2 = np.random.randn(n_y, n_h)
    W2 = W2 * 0.01
    b1 = np.zeros(n_h).reshape(n_h, 1)
    b2 = np.zeros(n_y).reshape(n_y, 1)
    parameters = dict()
    parameters["W1"] = W1
    parameters["b1"] = b1
    parameters["W2"] = W2
    parameters["b2"] = b2
    return parameters
''',
        "initialize_parameters_deep": '''\
def initialize_parameters_deep(layer_dims):
    parameters = dict()
    number_of_layers = len(layer_dims)
    layer = 1
    while layer < number_of_layers:
        np.random.seed(3)
        rows = layer_dims[layer]
        cols = layer_dims[layer - 1]
        parameters["W" + str(layer)] = np.random.randn(rows, cols) * 0.01
        parameters["b" + str(layer)] = np.zeros(rows).reshape(rows, 1)
        layer = layer + 1
    return parameters
''',
        "linear_forward": '''\
def linear_forward(A, W, b):
    rows, cols = W.shape[0], A.shape[1]
    Z = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            Z[i, j] = np.sum(W[i, :] * A[:, j]) + b[i, 0]
    cache = (A, W, b)
    return Z, cache
''',
        "linear_activation_forward": '''\
def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A = 1 / (1 + np.exp(-Z))
    if activation == "relu":
        A = Z.copy()
        A[A < 0] = 0
    activation_cache = Z
    return A, (linear_cache, activation_cache)
''',
        "L_model_forward": '''\
def L_model_forward(X, parameters):
    caches = list()
    number_of_layers = len(parameters) // 2
    A = X
    layer = 1
    while layer <= number_of_layers:
        if layer == number_of_layers:
            activation = "sigmoid"
        else:
            activation = "relu"
        A, cache = linear_activation_forward(A, parameters["W" + str(layer)], parameters["b" + str(layer)],
                                             activation)
        caches.append(cache)
        layer = layer + 1
    return A, caches
''',
        "compute_cost": '''\
def compute_cost(AL, Y):
    m = Y.shape[1]
    total = 0.0
    for j in range(m):
        y, a = Y[0, j], AL[0, j]
        total = total + y * np.log(a) + (1 - y) * np.log(1 - a)
    return -total / m
''',
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.zeros((dZ.shape[0], 1))
    for j in range(m):
        db[:, 0] = db[:, 0] + dZ[:, j]
    db = db / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
''',
        "linear_activation_backward": '''\
def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA.copy()
        dZ[Z <= 0] = 0
    if activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * s * (1 - s)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    grads = dict()
    number_of_layers = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -Y / AL + (1 - Y) / (1 - AL)
    layer = number_of_layers
    while layer >= 1:
        if layer == number_of_layers:
            activation = "sigmoid"
        else:
            activation = "relu"
        dA, dW, db = linear_activation_backward(dA, caches[layer - 1], activation)
        grads["dA" + str(layer)] = dA
        grads["dW" + str(layer)] = dW
        grads["db" + str(layer)] = db
        layer = layer - 1
    return grads
''',
        "update_parameters": '''\
def update_parameters(parameters, grads, learning_rate):
    number_of_layers = len(parameters) // 2
    layer = 1
    while layer <= number_of_layers:
        parameters["W" + str(layer)] = parameters["W" + str(layer)] - learning_rate * grads["dW" + str(layer)]
        parameters["b" + str(layer)] = parameters["b" + str(layer)] - learning_rate * grads["db" + str(layer)]
        layer = layer + 1
    return parameters
''',
    },
    "routines_e": {
        "initialize_parameters": '''\
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.standard_normal((n_h, n_x)) * 1e-2
    W2 = np.random.standard_normal((n_y, n_h)) * 1e-2
    return {"W1": W1, "b1": np.zeros_like(W1[:, :1]), "W2": W2, "b2": np.zeros_like(W2[:, :1])}
''',
        "initialize_parameters_deep": '''\
def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    dims = np.asarray(layer_dims)
    params = {}
    for position in np.arange(1, dims.size):
        params["W" + str(position)] = 1e-2 * np.random.standard_normal((dims[position], dims[position - 1]))
        params["b" + str(position)] = np.zeros((dims[position], 1))
    return params
''',
        "linear_forward": '''\
def linear_forward(A, W, b):
    Z = np.tensordot(W, A, axes=1) + b
    return Z, (A, W, b)
''',
        "linear_activation_forward": '''\
def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = np.where(Z > 0, Z, 0.0) if activation == "relu" else np.exp(-np.logaddexp(0, -Z))
    return A, (linear_cache, Z)
''',
        "L_model_forward": '''\
def L_model_forward(X, parameters):
    L = len(parameters) // 2
    A, caches = X, []
    for l in np.arange(1, L + 1):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                             ["relu", "sigmoid"][int(l == L)])
        caches.append(cache)
    return A, caches
''',
        "compute_cost": '''\
def compute_cost(AL, Y):
    m = AL.shape[-1]
    cost = -np.add(Y @ np.log(AL).T, (1 - Y) @ np.log1p(-AL).T) / m
    return np.squeeze(cost)
''',
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[-1]
    dW = np.tensordot(dZ, A_prev, axes=(1, 1)) / m
    db = np.add.reduce(dZ, axis=1, keepdims=True) / m
    dA_prev = np.tensordot(W, dZ, axes=(0, 0))
    return dA_prev, dW, db
''',
        "linear_activation_backward": '''\
def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "sigmoid":
        s = np.exp(-np.logaddexp(0, -Z))
        dZ = dA * s * (1 - s)
    else:
        dZ = np.where(Z > 0, dA, 0)
    return linear_backward(dZ, linear_cache)
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    L = len(caches)
    Y = Y.reshape(AL.shape)
    grads = {}
    dA = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    for l in np.arange(L, 0, -1):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, caches[l - 1], ["relu", "sigmoid"][int(l == L)])
        grads["dA" + str(l)] = dA
    return grads
''',
        "update_parameters": '''\
def update_parameters(parameters, grads, learning_rate):
    for key in list(parameters):
        parameters[key] = parameters[key] - np.multiply(learning_rate, grads["d" + key])
    return parameters
''',
    },
    "recursive_f": {
        "initialize_parameters": '''\
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    shapes = {"1": (n_h, n_x), "2": (n_y, n_h)}
    parameters = {}
    for suffix in sorted(shapes):
        rows, cols = shapes[suffix]
        parameters["W" + suffix] = np.random.randn(rows, cols) * 0.01
        parameters["b" + suffix] = np.zeros((rows, 1))
    return parameters
''',
        "initialize_parameters_deep": '''\
def _layer_shapes(layer_dims):
    for index in range(1, len(layer_dims)):
        yield index, layer_dims[index], layer_dims[index - 1]


def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    for index, rows, cols in _layer_shapes(layer_dims):
        parameters["W{}".format(index)] = np.random.randn(rows, cols) * 0.01
        parameters["b{}".format(index)] = np.zeros((rows, 1))
    return parameters
''',
        "linear_forward": '''\
def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    assert Z.shape == (W.shape[0], A.shape[1]), "shape mismatch"
    return Z, (A, W, b)
''',
        "linear_activation_forward": '''\
def linear_activation_forward(A_prev, W, b, activation):
    if activation not in ("sigmoid", "relu"):
        raise ValueError(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = (sigmoid if activation == "sigmoid" else relu)(Z)
    return A, (linear_cache, activation_cache)
''',
        "L_model_forward": '''\
def _forward(A, parameters, layer, last):
    if layer > last:
        return A, []
    activation = "sigmoid" if layer == last else "relu"
    A_next, cache = linear_activation_forward(A, parameters["W{}".format(layer)], parameters["b{}".format(layer)],
                                              activation)
    AL, rest = _forward(A_next, parameters, layer + 1, last)
    return AL, [cache] + rest


def L_model_forward(X, parameters):
    return _forward(X, parameters, 1, len(parameters) // 2)
''',
        "compute_cost": '''\
def compute_cost(AL, Y):
    m = Y.shape[1]
    log_likelihood = np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)
    return np.squeeze(-log_likelihood / m)
''',
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    inv_m = 1.0 / A_prev.shape[1]
    return np.dot(W.T, dZ), inv_m * np.dot(dZ, A_prev.T), inv_m * np.sum(dZ, axis=1, keepdims=True)
''',
        "linear_activation_backward": '''\
def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    backward = sigmoid_backward if activation == "sigmoid" else relu_backward
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
''',
        "L_model_backward": '''\
def _backward(dA, caches, layer, grads):
    if layer == 0:
        return grads
    activation = "sigmoid" if layer == len(caches) else "relu"
    dA_prev, dW, db = linear_activation_backward(dA, caches[layer - 1], activation)
    grads["dA{}".format(layer)], grads["dW{}".format(layer)], grads["db{}".format(layer)] = dA_prev, dW, db
    return _backward(dA_prev, caches, layer - 1, grads)


def L_model_backward(AL, Y, caches):
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    return _backward(dAL, caches, len(caches), {})
''',
        "update_parameters": '''\
def update_parameters(parameters, grads, learning_rate):
    updated = dict(parameters)
    for layer in range(1, len(parameters) // 2 + 1):
        for name in ("W", "b"):
            key = "{}{}".format(name, layer)
            updated[key] = parameters[key] - learning_rate * grads["d" + key]
    return updated
''',
    },
    "typed_helpers_h": {
        "initialize_parameters": '''\
def _gaussian(rows: int, cols: int, scale: float = 0.01) -> np.ndarray:
    return scale * np.random.randn(rows, cols)


def initialize_parameters(n_x: int, n_h: int, n_y: int) -> dict:
    np.random.seed(1)
    first = _gaussian(n_h, n_x)
    second = _gaussian(n_y, n_h)
    return {"W1": first, "b1": np.zeros((n_h, 1)), "W2": second, "b2": np.zeros((n_y, 1))}
''',
        "initialize_parameters_deep": '''\
def _gaussian(rows: int, cols: int, scale: float = 0.01) -> np.ndarray:
    return scale * np.random.randn(rows, cols)


def initialize_parameters_deep(layer_dims: list) -> dict:
    np.random.seed(3)
    params: dict = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = _gaussian(layer_dims[l], layer_dims[l - 1])
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
''',
        "linear_forward": '''\
def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray):
    Z = np.inner(W, A.T) + b
    return Z, (A, W, b)
''',
        "linear_activation_forward": '''\
def _apply(Z: np.ndarray, activation: str):
    table = {"sigmoid": sigmoid, "relu": relu}
    return table[activation](Z)


def linear_activation_forward(A_prev, W, b, activation: str):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = _apply(Z, activation)
    return A, (linear_cache, activation_cache)
''',
        "L_model_forward": '''\
def L_model_forward(X: np.ndarray, parameters: dict):
    n_layers = len(parameters) // 2
    activations = ["relu" for _ in range(n_layers - 1)] + ["sigmoid"]
    caches, A = [], X
    for l, act in zip(range(1, n_layers + 1), activations):
        A, c = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], act)
        caches.append(c)
    return A, caches
''',
        "compute_cost": '''\
def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    cross_entropy = np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL))
    return float(-cross_entropy.sum() / m)
''',
        "linear_backward": '''\
def linear_backward(dZ: np.ndarray, cache: tuple):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.inner(dZ, A_prev) / m
    db = np.sum(dZ, axis=1).reshape(b.shape) / m
    dA_prev = np.inner(W.T, dZ.T)
    return dA_prev, dW, db
''',
        "linear_activation_backward": '''\
def linear_activation_backward(dA: np.ndarray, cache: tuple, activation: str):
    linear_cache, activation_cache = cache
    if activation == "relu":
        return linear_backward(relu_backward(dA, activation_cache), linear_cache)
    return linear_backward(sigmoid_backward(dA, activation_cache), linear_cache)
''',
        "L_model_backward": '''\
def L_model_backward(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict:
    n_layers = len(caches)
    Y = Y.reshape(AL.shape)
    grads: dict = {}
    current = np.divide(AL - Y, AL * (1 - AL))
    for l in reversed(range(1, n_layers + 1)):
        current, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            current, caches[l - 1], "sigmoid" if l == n_layers else "relu")
        grads[f"dA{l}"] = current
    return grads
''',
        "update_parameters": '''\
def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> dict:
    new_parameters = {}
    for key, value in parameters.items():
        new_parameters[key] = value - learning_rate * grads[f"d{key}"]
    return new_parameters
''',
    },
}
