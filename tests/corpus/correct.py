"""Correct answers written differently from the reference: each style must score 100.

Students rewrite the template freely (other operators, loops, helpers, copies),
so the grader has to accept any correct implementation, not the reference's
spelling. Each style below is a complete set of the ten answer cells.
"""

# --- 1. the @ operator, f-strings, in-place updates ---------------------------

MATMUL_OPERATOR = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = 0.01 * np.random.randn(n_h, n_x)
    W2 = 0.01 * np.random.randn(n_y, n_h)
    return dict(W1=W1, b1=np.zeros((n_h, 1)), W2=W2, b2=np.zeros((n_y, 1)))
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    for l, (n_prev, n) in enumerate(zip(layer_dims[:-1], layer_dims[1:]), start=1):
        parameters[f"W{l}"] = 0.01 * np.random.randn(n, n_prev)
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = W @ A + b
    return Z, (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    else:
        A, activation_cache = relu(Z)
    return A, (linear_cache, activation_cache)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        activation = "sigmoid" if l == L else "relu"
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], activation)
        caches.append(cache)
    return A, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -(Y @ np.log(AL).T + (1 - Y) @ np.log(1 - AL).T) / m
    return cost.item()
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = dZ.sum(axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    backward = {"relu": relu_backward, "sigmoid": sigmoid_backward}[activation]
    return linear_backward(backward(dA, activation_cache), linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(Y / AL) + (1 - Y) / (1 - AL)
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(dA, caches[l - 1], activation)
        grads[f"dA{l}"] = dA
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters[f"W{l}"] -= learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] -= learning_rate * grads[f"db{l}"]
    return parameters
''',
}

# --- 2. np.matmul, np.mean, while loops, inline activations, deepcopy ----------

MATMUL_WHILE = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    parameters = {}
    for i, shape in enumerate([(n_h, n_x), (n_y, n_h)], 1):
        parameters["W%d" % i] = np.random.randn(*shape) * 0.01
        parameters["b%d" % i] = np.zeros(shape=(shape[0], 1))
    return parameters
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    l = 1
    while l < len(layer_dims):
        parameters["W%d" % l] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters["b%d" % l] = np.zeros(shape=(layer_dims[l], 1))
        l += 1
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = np.matmul(W, A) + b
    cache = (A, W, b)
    return Z, cache
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z = np.matmul(W, A_prev) + b
    if activation == "sigmoid":
        A = 1.0 / (1.0 + np.exp(-Z))
    elif activation == "relu":
        A = np.maximum(Z, 0)
    return A, ((A_prev, W, b), Z)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    l = 1
    while l < L:
        A, cache = linear_activation_forward(A, parameters["W%d" % l], parameters["b%d" % l],
                                             activation="relu")
        caches.append(cache)
        l += 1
    AL, cache = linear_activation_forward(A, parameters["W%d" % L], parameters["b%d" % L],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    cost = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return float(cost)
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.matmul(dZ, A_prev.T) / m
    db = np.mean(dZ, axis=1).reshape(-1, 1)
    dA_prev = np.matmul(W.T, dZ)
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    if activation == "relu":
        dZ = np.where(Z > 0, dA, 0.0)
    elif activation == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-Z))
        dZ = dA * s * (1.0 - s)
    m = A_prev.shape[1]
    return np.matmul(W.T, dZ), np.matmul(dZ, A_prev.T) / m, np.mean(dZ, axis=1).reshape(-1, 1)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA%d" % L], grads["dW%d" % L], grads["db%d" % L] = linear_activation_backward(
        dAL, caches[-1], "sigmoid")
    l = L - 1
    while l >= 1:
        grads["dA%d" % l], grads["dW%d" % l], grads["db%d" % l] = linear_activation_backward(
            grads["dA%d" % (l + 1)], caches[l - 1], "relu")
        l -= 1
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters
import copy

def update_parameters(parameters, grads, learning_rate):
    parameters = copy.deepcopy(parameters)
    L = len(parameters) // 2
    l = 1
    while l <= L:
        parameters["W%d" % l] = parameters["W%d" % l] - learning_rate * grads["dW%d" % l]
        parameters["b%d" % l] = parameters["b%d" % l] - learning_rate * grads["db%d" % l]
        l += 1
    return parameters
''',
}

# --- 3. np.einsum, tanh sigmoid, log1p, parameters.update --------------------

EINSUM = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.normal(size=(n_h, n_x)) * 0.01
    W2 = np.random.normal(size=(n_y, n_h)) * 0.01
    parameters = {}
    parameters.update(W1=W1, b1=np.zeros((n_h, 1)))
    parameters.update(W2=W2, b2=np.zeros((n_y, 1)))
    return parameters
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        shape = (layer_dims[l], layer_dims[l - 1])
        parameters.update({"W" + str(l): np.random.standard_normal(shape) * 0.01,
                           "b" + str(l): np.zeros((shape[0], 1))})
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = np.einsum("ij,jk->ik", W, A) + b
    return Z, (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z = np.einsum("ij,jk->ik", W, A_prev) + b
    if activation == "sigmoid":
        A = 0.5 * (1 + np.tanh(Z / 2))
    else:
        A = np.clip(Z, 0, None)
    return A, ((A_prev, W, b), Z)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    L = len(parameters) // 2
    activations = ["relu"] * (L - 1) + ["sigmoid"]
    caches = []
    A = X
    for l, activation in enumerate(activations, start=1):
        A, cache = linear_activation_forward(A_prev=A, W=parameters["W" + str(l)],
                                             b=parameters["b" + str(l)], activation=activation)
        caches.append(cache)
    return A, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    total = np.einsum("ij,ij->", Y, np.log(AL)) + np.einsum("ij,ij->", 1 - Y, np.log1p(-AL))
    return np.squeeze(-total / m)
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.einsum("ik,jk->ij", dZ, A_prev) / m
    db = np.einsum("ik->i", dZ)[:, None] / m
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA * (Z > 0)
    else:
        s, _ = sigmoid(Z)
        dZ = dA * s * (1 - s)
    return linear_backward(dZ, linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    for l, cache in reversed(list(enumerate(caches, start=1))):
        dA, dW, db = linear_activation_backward(dA, cache, "sigmoid" if l == L else "relu")
        grads.update({"dA" + str(l): dA, "dW" + str(l): dW, "db" + str(l): db})
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def update_parameters(parameters, grads, learning_rate):
    parameters.update({key: value - learning_rate * grads["d" + key]
                       for key, value in parameters.items()})
    return parameters
''',
}

# --- 4. boolean masks, np.multiply / np.add / np.subtract ----------------------

MASKS_UFUNCS = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * .01
    b1 = np.zeros((n_h, 1), dtype=float)
    W2 = np.random.randn(n_y, n_h) * .01
    b2 = np.zeros((n_y, 1), dtype=float)
    parameters = {}
    parameters["W1"], parameters["b1"] = W1, b1
    parameters["W2"], parameters["b2"] = W2, b2
    return parameters
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    pairs = list(zip(layer_dims[1:], layer_dims[:-1]))
    weights = [np.random.randn(n, n_prev) * 0.01 for n, n_prev in pairs]
    parameters = {}
    for l, (W, (n, _)) in enumerate(zip(weights, pairs), start=1):
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((n, 1))
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = np.add(np.dot(W, A), b)
    return Z, (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "relu":
        A = Z * (Z > 0)
    elif activation == "sigmoid":
        A = np.reciprocal(1 + np.exp(-Z))
    return A, (linear_cache, Z)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        A, cache = linear_activation_forward(A, W, b, "relu")
        caches.append(cache)
    W, b = parameters["W" + str(L)], parameters["b" + str(L)]
    AL, cache = linear_activation_forward(A, W, b, "sigmoid")
    caches = caches + [cache]
    return AL, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    logprobs = np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL))
    cost = -np.sum(logprobs) / m
    return cost
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    Z = activation_cache
    if activation == "relu":
        dZ = np.multiply(dA, (Z > 0).astype(float))
    elif activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        dZ = np.multiply(dA, np.multiply(s, 1 - s))
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = np.subtract(np.divide(1 - Y, 1 - AL), np.divide(Y, AL))
    current_cache = caches[L - 1]
    dA_prev, dW, db = linear_activation_backward(dAL, current_cache, activation="sigmoid")
    grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = dA_prev, dW, db
    for l in range(L - 2, -1, -1):
        current_cache = caches[l]
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 2)], current_cache,
                                                     activation="relu")
        grads["dA" + str(l + 1)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        parameters["W" + str(l)] = np.subtract(W, np.multiply(learning_rate, grads["dW" + str(l)]))
        parameters["b" + str(l)] = np.subtract(b, np.multiply(learning_rate, grads["db" + str(l)]))
    return parameters
''',
}

# --- 5. the classic course style: 1./m, np.dot cost, deepcopy, prints ----------

CLASSIC_PRINTS = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    print("W1:", W1.shape, "W2:", W2.shape)
    assert W1.shape == (n_h, n_x) and W2.shape == (n_y, n_h)
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
        print("layer", l, parameters['W' + str(l)].shape)
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = W.dot(A) + b
    print("Z =", Z)
    assert Z.shape == (W.shape[0], A.shape[1])
    cache = (A, W, b)
    return Z, cache
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    print("activation:", activation)
    if activation == 'sigmoid':
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = sigmoid(Z)
    elif activation == 'relu':
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = relu(Z)
    cache = (linear_cache, activation_cache)
    return A, cache
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters['W' + str(l)], parameters['b' + str(l)],
                                             'relu')
        caches.append(cache)
        print("layer", l, "A:", A.shape)
    AL, cache = linear_activation_forward(A, parameters['W' + str(L)], parameters['b' + str(L)],
                                          'sigmoid')
    caches.append(cache)
    print("AL =", AL)
    return AL, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (-1. / m) * (np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T))
    cost = float(np.squeeze(cost))
    print("cost =", cost)
    return cost
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1. / m * np.dot(dZ, A_prev.T)
    db = 1. / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    print("dW:", dW.shape, "db:", db.shape)
    assert dA_prev.shape == A_prev.shape and dW.shape == W.shape and db.shape == b.shape
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == 'relu':
        dZ = relu_backward(dA, activation_cache)
    elif activation == 'sigmoid':
        dZ = sigmoid_backward(dA, activation_cache)
    print("dZ =", dZ)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    m = AL.shape[1]
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    print("m =", m, "L =", L)
    current_cache = caches[-1]
    grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = \\
        linear_activation_backward(dAL, current_cache, 'sigmoid')
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 2)],
                                                                    current_cache, 'relu')
        grads["dA" + str(l + 1)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
        print("layer", l + 1, "done")
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters
import copy


def update_parameters(parameters, grads, learning_rate):
    parameters = copy.deepcopy(parameters)
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
    print("updated", L, "layers")
    return parameters
''',
}

# --- 6. the student's own helpers, defined in the answer cells -----------------

OWN_HELPERS = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def _small_random(rows, cols):
    return np.random.randn(rows, cols) * 0.01


def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = _small_random(n_h, n_x)
    W2 = _small_random(n_y, n_h)
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def _layer_init(n, n_prev):
    return np.random.randn(n, n_prev) * 0.01, np.zeros((n, 1))


def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)], parameters["b" + str(l)] = _layer_init(layer_dims[l], layer_dims[l - 1])
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def _affine(W, A, b):
    return np.dot(W, A) + b


def linear_forward(A, W, b):
    return _affine(W, A, b), (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def _activate(Z, activation):
    if activation == "sigmoid":
        return sigmoid(Z)
    if activation == "relu":
        return relu(Z)
    raise ValueError("unknown activation " + activation)


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = _activate(Z, activation)
    return A, (linear_cache, activation_cache)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def _layer_params(parameters, l):
    return parameters["W" + str(l)], parameters["b" + str(l)]


def L_model_forward(X, parameters):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L):
        A, cache = linear_activation_forward(A, *_layer_params(parameters, l), activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, *_layer_params(parameters, L), activation="sigmoid")
    caches.append(cache)
    return AL, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def _cross_entropy(p, y):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = np.sum(_cross_entropy(AL, Y)) / m
    return np.squeeze(cost)
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def _row_means(X):
    return np.sum(X, axis=1, keepdims=True) / X.shape[1]


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = _row_means(dZ)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def _dZ_of(dA, Z, activation):
    if activation == "relu":
        return relu_backward(dA, Z)
    return sigmoid_backward(dA, Z)


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    print("backward through", activation)
    return linear_backward(_dZ_of(dA, activation_cache, activation), linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def _store_grads(grads, l, dA_prev, dW, db):
    grads["dA" + str(l)] = dA_prev
    grads["dW" + str(l)] = dW
    grads["db" + str(l)] = db
    return dA_prev


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA = _store_grads(grads, L, *linear_activation_backward(dAL, caches[L - 1], "sigmoid"))
    for l in range(L - 1, 0, -1):
        dA = _store_grads(grads, l, *linear_activation_backward(dA, caches[l - 1], "relu"))
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def _gd_step(value, gradient, rate):
    return value - rate * gradient


def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for name in ("W", "b"):
            key = name + str(l)
            parameters[key] = _gd_step(parameters[key], grads["d" + key], learning_rate)
    return parameters
''',
}

# --- 7. comprehensions and functools.reduce -------------------------------------

COMPREHENSIONS = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    shapes = [("W1", (n_h, n_x)), ("b1", (n_h, 1)), ("W2", (n_y, n_h)), ("b2", (n_y, 1))]
    return {name: np.random.randn(*shape) * 0.01 if name.startswith("W") else np.zeros(shape)
            for name, shape in shapes}
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    return {key: value
            for l in range(1, len(layer_dims))
            for key, value in (("W" + str(l), np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01),
                               ("b" + str(l), np.zeros((layer_dims[l], 1))))}
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = np.array([[np.dot(w, a) for a in A.T] for w in W]) + b
    return Z, (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = (sigmoid if activation == "sigmoid" else relu)(Z)
    return A, (linear_cache, activation_cache)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward
from functools import reduce


def L_model_forward(X, parameters):
    L = len(parameters) // 2

    def step(state, l):
        A, caches = state
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                             "sigmoid" if l == L else "relu")
        return A, caches + [cache]

    AL, caches = reduce(step, range(1, L + 1), (X, []))
    return AL, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    losses = [y * np.log(a) + (1 - y) * np.log(1 - a) for a, y in zip(AL.ravel(), Y.ravel())]
    return -sum(losses) / len(losses)
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.array([[row.sum() / m] for row in dZ])
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    backward = sigmoid_backward if activation == "sigmoid" else relu_backward
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    L = len(caches)
    Y = Y.reshape(AL.shape)
    grads = {}
    dA = -(Y / AL) + (1 - Y) / (1 - AL)
    for l in reversed(range(1, L + 1)):
        outputs = linear_activation_backward(dA, caches[l - 1], ["relu", "sigmoid"][l == L])
        grads.update({name + str(l): value for name, value in zip(("dA", "dW", "db"), outputs)})
        dA = outputs[0]
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def update_parameters(parameters, grads, learning_rate):
    return {key: value - learning_rate * grads["d" + key] for key, value in parameters.items()}
''',
}

# --- 8. recursion, .dot methods, 1/100, one loop over every key -----------------

RECURSIVE = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) / 100
    W2 = np.random.randn(n_y, n_h) / 100
    b1, b2 = np.zeros((n_h, 1)), np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = dict()
    for l, n in enumerate(layer_dims[1:], start=1):
        parameters["W" + str(l)] = np.random.randn(n, layer_dims[l - 1]) * 1e-2
        parameters["b" + str(l)] = np.zeros([n, 1])
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    return W.dot(A) + b, (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = relu(Z) if activation == "relu" else sigmoid(Z)
    cache = linear_cache, activation_cache
    return A, cache
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    L = len(parameters) // 2

    def forward(A, l):
        if l > L:
            return A, []
        activation = "relu" if l < L else "sigmoid"
        A_next, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                                  activation)
        AL, rest = forward(A_next, l + 1)
        return AL, [cache] + rest

    return forward(X, 1)
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -(np.dot(np.log(AL), Y.T) + np.dot(np.log(1 - AL), (1 - Y).T)) / m
    return cost[0, 0]
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = dZ.shape[1]
    dW = dZ.dot(A_prev.T) / m
    db = dZ.sum(1)[:, np.newaxis] / m
    dA_prev = W.T.dot(dZ)
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    dZ = (relu_backward if activation == "relu" else sigmoid_backward)(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    Y = Y.reshape(AL.shape)
    L = len(caches)
    grads = {}

    def backward(dA, l):
        if l == 0:
            return
        activation = "sigmoid" if l == L else "relu"
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], activation)
        grads["dA" + str(l)], grads["dW" + str(l)], grads["db" + str(l)] = dA_prev, dW, db
        backward(dA_prev, l - 1)

    backward(-(Y / AL - (1 - Y) / (1 - AL)), L)
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def update_parameters(parameters, grads, learning_rate):
    for key in parameters:
        parameters[key] = parameters[key] - learning_rate * grads["d" + key]
    return parameters
''',
}

# --- 9. the template kept, positional calls, str.format, -= in place -----------

POSITIONAL_TEMPLATE = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    """
    Argument:
    n_x -- размер входного слоя
    n_h -- размер скрытого слоя
    n_y -- размер выходного слоя
    """
    np.random.seed(1)

    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 4 строки кода)
    W1 = np.random.randn(n_h, n_x)*0.01
    b1 = np.zeros(shape=(n_h, 1))
    W2 = np.random.randn(n_y, n_h)*0.01
    b2 = np.zeros(shape=(n_y, 1))
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    assert(W1.shape == (n_h, n_x))
    assert(b1.shape == (n_h, 1))
    assert(W2.shape == (n_y, n_h))
    assert(b2.shape == (n_y, 1))

    parameters = {"W1": W1,
                  "b1": b1,
                  "W2": W2,
                  "b2": b2}

    return parameters
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)

    for l in range(1, L):
        ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 2 строки кода)
        parameters['W{}'.format(l)] = np.random.randn(layer_dims[l], layer_dims[l-1])*0.01
        parameters['b{}'.format(l)] = np.zeros((layer_dims[l], 1))
        ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

        assert(parameters['W' + str(l)].shape == (layer_dims[l], layer_dims[l-1]))
        assert(parameters['b' + str(l)].shape == (layer_dims[l], 1))
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 1 line of code)
    Z = np.dot(W,A)+b
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    assert(Z.shape == (W.shape[0], A.shape[1]))
    cache = (A, W, b)

    return Z, cache
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    if activation == "sigmoid":
        ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 2 строки кода)
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = sigmoid(Z)
        ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    elif activation == "relu":
        ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 2 строки кода)
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = relu(Z)
        ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    assert (A.shape == (W.shape[0], A_prev.shape[1]))
    cache = (linear_cache, activation_cache)

    return A, cache
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2

    for l in range(1, L):
        A_prev = A
        ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 2 строки кода)
        W, b = parameters['W{}'.format(l)], parameters['b{}'.format(l)]
        A, cache = linear_activation_forward(A_prev, W, b, 'relu')
        caches.append(cache)
        ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 2 строки кода)
    W, b = parameters['W{}'.format(L)], parameters['b{}'.format(L)]
    AL, cache = linear_activation_forward(A, W, b, 'sigmoid')
    caches.append(cache)
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    assert(AL.shape == (1,X.shape[1]))

    return AL, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]

    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 1 строки кода)
    cost = -1 / m * np.sum(Y*np.log(AL) + (1-Y)*np.log(1-AL), axis=1, keepdims=True)
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    cost = np.squeeze(cost)
    assert(cost.shape == ())

    return cost
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]

    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 3 строки кода)
    dW = (1/m)*np.dot(dZ, A_prev.T)
    db = np.sum(dZ, axis=1, keepdims=True)*(1/m)
    dA_prev = np.dot(W.T, dZ)
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###
    assert (dA_prev.shape == A_prev.shape)
    assert (dW.shape == W.shape)
    assert (db.shape == b.shape)

    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 2 строки кода)
        dA_prev, dW, db = linear_backward(relu_backward(dA, activation_cache), linear_cache)
        ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    elif activation == "sigmoid":
        ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 2 строки кода)
        dA_prev, dW, db = linear_backward(sigmoid_backward(dA, activation_cache), linear_cache)
        ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    return dA_prev, dW, db
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    m = AL.shape[1]
    Y = Y.reshape(AL.shape)

    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (1 строка кода)
    dAL = -(Y/AL) + (1-Y)/(1-AL)
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (approx. 2 lines)
    current_cache = caches[-1]
    grads["dA{}".format(L)], grads["dW{}".format(L)], grads["db{}".format(L)] = \\
        linear_activation_backward(dAL, current_cache, "sigmoid")
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    for l in reversed(range(L-1)):
        ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ###
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA{}".format(l + 2)],
                                                                    current_cache, "relu")
        grads["dA{}".format(l + 1)] = dA_prev_temp
        grads["dW{}".format(l + 1)] = dW_temp
        grads["db{}".format(l + 1)] = db_temp
        ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2

    ### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ### (≈ 3 строки кода)
    for l in range(1, L + 1):
        parameters['W{}'.format(l)] -= learning_rate*grads['dW{}'.format(l)]
        parameters['b{}'.format(l)] -= learning_rate*grads['db{}'.format(l)]
    ### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###

    return parameters
''',
}

# --- 10. tensordot, np.where on binary labels, logaddexp sigmoid ----------------

NUMPY_ROUTINES = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    parameters = {}
    parameters["W1"] = np.multiply(np.random.randn(n_h, n_x), 0.01)
    parameters["b1"] = np.zeros_like(parameters["W1"][:, :1])
    parameters["W2"] = np.multiply(np.random.randn(n_y, n_h), 0.01)
    parameters["b2"] = np.zeros_like(parameters["W2"][:, :1])
    return parameters
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        rows, cols = layer_dims[l], layer_dims[l - 1]
        parameters["W" + str(l)] = np.random.randn(rows, cols) * 0.01
        parameters["b" + str(l)] = np.zeros((rows, 1), dtype=np.float64)
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = np.tensordot(W, A, axes=1) + b
    return Z, (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A = np.exp(-np.logaddexp(0, -Z))
    else:
        A = np.fmax(Z, 0)
    return A, (linear_cache, Z)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    L = len(parameters) // 2
    layers = [(parameters["W" + str(l)], parameters["b" + str(l)]) for l in range(1, L + 1)]
    caches = []
    A = X
    for W, b in layers[:-1]:
        A, cache = linear_activation_forward(A, W, b, activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, *layers[-1], activation="sigmoid")
    caches.append(cache)
    return AL, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    likelihood = np.where(Y == 1, AL, 1 - AL)
    return np.squeeze(-np.log(likelihood).sum() / m)
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.tensordot(dZ, A_prev, axes=([1], [1])) / m
    db = np.add.reduce(dZ, axis=1, keepdims=True) / m
    dA_prev = np.tensordot(W, dZ, axes=([0], [0]))
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "sigmoid":
        s = np.exp(-np.logaddexp(0, -Z))
        dZ = dA * s * (1 - s)
    else:
        dZ = np.where(Z <= 0, 0, dA)
    return linear_backward(dZ, linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = np.where(Y == 1, -1 / AL, 1 / (1 - AL))
    activations = ["relu"] * (L - 1) + ["sigmoid"]
    for l in range(L, 0, -1):
        dA, dW, db = linear_activation_backward(dA, caches[l - 1], activations[l - 1])
        grads["dA" + str(l)] = dA
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters

def update_parameters(parameters, grads, learning_rate):
    for key in list(parameters):
        np.subtract(parameters[key], learning_rate * grads["d" + key], out=parameters[key])
    return parameters
''',
}

# --- 11. match statements, keyword-only helpers, typed dict building -----------

MATCH_STATEMENT = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    sizes = (n_x, n_h, n_y)
    parameters = {}
    for l in (1, 2):
        parameters["W" + str(l)] = np.random.randn(sizes[l], sizes[l - 1]) * 0.01
    for l in (1, 2):
        parameters["b" + str(l)] = np.zeros((sizes[l], 1))
    return {key: parameters[key] for key in ("W1", "b1", "W2", "b2")}
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    L = len(layer_dims) - 1
    weights = {"W" + str(l): np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
               for l in range(1, L + 1)}
    biases = {"b" + str(l): np.zeros((layer_dims[l], 1)) for l in range(1, L + 1)}
    return {**weights, **biases}
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward

def linear_forward(A, W, b):
    Z = np.dot(W, A)
    Z += b
    return Z, (A, W, b)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    match activation:
        case "sigmoid":
            A, activation_cache = sigmoid(Z)
        case "relu":
            A, activation_cache = relu(Z)
        case _:
            raise ValueError(activation)
    return A, (linear_cache, activation_cache)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward

def L_model_forward(X, parameters):
    L = len([key for key in parameters if key.startswith("W")])
    caches = []
    A = X
    for l in range(1, L + 1):
        match l == L:
            case True:
                activation = "sigmoid"
            case False:
                activation = "relu"
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                             activation=activation)
        caches.append(cache)
    return A, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(AL), axis=1) / m - np.sum((1 - Y) * np.log(1 - AL), axis=1) / m
    return cost.item()
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ / m, A_prev.T)
    db = np.sum(dZ / m, axis=1).reshape(b.shape)
    dA_prev = np.dot(dZ.T, W).T
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    match activation:
        case "relu":
            dZ = relu_backward(dA, activation_cache)
        case "sigmoid":
            dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    l = L
    for cache in caches[::-1]:
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, cache, activation="sigmoid" if l == L else "relu")
        grads["dA" + str(l)] = dA
        l -= 1
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters
import copy


def update_parameters(parameters, grads, learning_rate):
    updated = copy.deepcopy(parameters)
    for name, gradient in grads.items():
        key = name[1:]
        if key in updated:
            updated[key] = updated[key] - learning_rate * gradient
    return updated
''',
}

# --- 12. names the lab's cells give, used at a cell's top level ------------------
# Tables of the lab's activations, aliases of graded helpers, a test case
# unpacked for a quick look: outside any def, so the sealed child must offer
# what the notebook's own first cell imports (np, dnn_utils, testCases).

TOP_LEVEL_NAMES = {
    "initialize_parameters": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters
SCALE = np.float64(0.01)


def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * SCALE
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * SCALE
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
''',
    "initialize_parameters_deep": '''\
# ОЦЕНИВАЕМОЕ: initialize_parameters_deep
ZEROS = np.zeros


def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * SCALE
        parameters["b" + str(l)] = ZEROS((layer_dims[l], 1))
    return parameters
''',
    "linear_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_forward
A_example, W_example, b_example = linear_forward_test_case()


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


print(linear_forward(A_example, W_example, b_example)[0].shape)
''',
    "linear_activation_forward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_forward
FORWARD = {"sigmoid": sigmoid, "relu": relu}


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = FORWARD[activation](Z)
    return A, (linear_cache, activation_cache)
''',
    "L_model_forward": '''\
# ОЦЕНИВАЕМОЕ: L_model_forward
layer_forward = linear_activation_forward
LAYERS = {"hidden": "relu", "output": "sigmoid"}


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        kind = "output" if l == L else "hidden"
        A, cache = layer_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], LAYERS[kind])
        caches.append(cache)
    return A, caches
''',
    "compute_cost": '''\
# ОЦЕНИВАЕМОЕ: compute_cost
log = np.log


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -np.sum(Y * log(AL) + (1 - Y) * log(1 - AL)) / m
    return np.squeeze(cost)
''',
    "linear_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_backward
SUM_OVER_EXAMPLES = dict(axis=1, keepdims=True)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, **SUM_OVER_EXAMPLES) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
''',
    "linear_activation_backward": '''\
# ОЦЕНИВАЕМОЕ: linear_activation_backward
BACKWARD = {"sigmoid": (sigmoid_backward, linear_backward), "relu": (relu_backward, linear_backward)}


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    through_activation, through_linear = BACKWARD[activation]
    return through_linear(through_activation(dA, activation_cache), linear_cache)
''',
    "L_model_backward": '''\
# ОЦЕНИВАЕМОЕ: L_model_backward
layer_backward = linear_activation_backward


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(L)):
        activation = "sigmoid" if l == L - 1 else "relu"
        dA, dW, db = layer_backward(dA, caches[l], activation)
        grads["dA" + str(l + 1)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA, dW, db
    return grads
''',
    "update_parameters": '''\
# ОЦЕНИВАЕМОЕ: update_parameters
from copy import deepcopy as fresh_copy


def update_parameters(parameters, grads, learning_rate):
    parameters = fresh_copy(parameters)
    for l in range(1, len(parameters) // 2 + 1):
        parameters["W" + str(l)] -= learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] -= learning_rate * grads["db" + str(l)]
    return parameters
''',
}

CORRECT_STYLES = {
    "matmul_operator": MATMUL_OPERATOR,
    "matmul_while": MATMUL_WHILE,
    "einsum": EINSUM,
    "masks_ufuncs": MASKS_UFUNCS,
    "classic_prints": CLASSIC_PRINTS,
    "own_helpers": OWN_HELPERS,
    "comprehensions": COMPREHENSIONS,
    "recursive": RECURSIVE,
    "positional_template": POSITIONAL_TEMPLATE,
    "numpy_routines": NUMPY_ROUTINES,
    "match_statement": MATCH_STATEMENT,
    "top_level_names": TOP_LEVEL_NAMES,
}
