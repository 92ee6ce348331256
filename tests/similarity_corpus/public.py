"""Known sources: solutions in the English original's form, as public repositories hold them.

Written for these tests (none is copied from anywhere): a ``.py`` export of a
solved notebook (``py_export``), an nbformat-3 notebook (``nb3``) and a blog
post in Markdown (``markdown``). Each has habits of its own, and the blog
post's ``update_parameters`` forgets the last layer, a mistake copies keep.
"""

import json

PY_EXPORT = '''\
#!/usr/bin/env python
# coding: utf-8

# # Building your Deep Neural Network: Step by Step

# In[1]:


import numpy as np
import h5py
import matplotlib.pyplot as plt
from testCases_v2 import *
from dnn_utils_v2 import sigmoid, sigmoid_backward, relu, relu_backward

get_ipython().run_line_magic('matplotlib', 'inline')
np.random.seed(1)


# In[2]:


# GRADED FUNCTION: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    """Parameters of a two-layer network."""
    np.random.seed(1)
    ### START CODE HERE ### (~ 4 lines of code)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1), dtype=np.float64)
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1), dtype=np.float64)
    ### END CODE HERE ###
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


# In[3]:


parameters = initialize_parameters(3, 2, 1)
print("W1 = " + str(parameters["W1"]))


# In[4]:


# GRADED FUNCTION: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)            # number of layers in the network
    for l in range(1, L):
        ### START CODE HERE ### (~ 2 lines of code)
        parameters['W{:d}'.format(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters['b{:d}'.format(l)] = np.zeros((layer_dims[l], 1), dtype=np.float64)
        ### END CODE HERE ###
    return parameters


# In[5]:


# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    ### START CODE HERE ### (~ 1 line of code)
    Z = np.dot(W, A) + b
    ### END CODE HERE ###
    cache = (A, W, b)
    return Z, cache


# In[6]:


# GRADED FUNCTION: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        A, activation_cache = relu(Z)
    cache = (linear_cache, activation_cache)
    return A, cache


# In[7]:


# GRADED FUNCTION: L_model_forward

def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters['W{:d}'.format(l)], parameters['b{:d}'.format(l)],
                                             activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters['W{:d}'.format(L)], parameters['b{:d}'.format(L)],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches


# In[8]:


# GRADED FUNCTION: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (1. / m) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T))
    cost = np.squeeze(cost)
    return cost


# In[9]:


# GRADED FUNCTION: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


# In[10]:


# GRADED FUNCTION: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db


# In[11]:


# GRADED FUNCTION: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    grads['dA{:d}'.format(L)], grads['dW{:d}'.format(L)], grads['db{:d}'.format(L)] = \\
        linear_activation_backward(dAL, current_cache, activation="sigmoid")
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads['dA{:d}'.format(l + 2)], current_cache,
                                                                    activation="relu")
        grads['dA{:d}'.format(l + 1)] = dA_prev_temp
        grads['dW{:d}'.format(l + 1)] = dW_temp
        grads['db{:d}'.format(l + 1)] = db_temp
    return grads


# In[12]:


# GRADED FUNCTION: update_parameters

def update_parameters(parameters, grads, learning_rate):
    for key in parameters.keys():
        parameters[key] = parameters[key] - learning_rate * grads['d' + key]
    return parameters


# In[13]:


parameters, grads = update_parameters_test_case()
parameters = update_parameters(parameters, grads, 0.1)
print("W1 = " + str(parameters["W1"]))
'''

NB3_CELLS = [
    ("markdown", "# Building your Deep Neural Network: Step by Step\n\nMy solutions, week 4."),
    ("code", "import numpy as np\nimport copy\nfrom dnn_utils_v2 import sigmoid, sigmoid_backward, relu, relu_backward\n"
             "%matplotlib inline"),
    ("code", '''\
# GRADED FUNCTION: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.multiply(np.random.randn(n_h, n_x), 0.01)
    b1 = np.zeros((n_h, 1))
    W2 = np.multiply(np.random.randn(n_y, n_h), 0.01)
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
'''),
    ("code", '''\
# GRADED FUNCTION: initialize_parameters_deep

def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_l, n_prev = layer_dims[l], layer_dims[l - 1]
        parameters["W" + str(l)] = np.multiply(np.random.randn(n_l, n_prev), 0.01)
        parameters["b" + str(l)] = np.zeros((n_l, 1))
    return parameters
'''),
    ("code", '''\
# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    Z = np.add(np.dot(W, A), b)
    cache = (A, W, b)
    return Z, cache
'''),
    ("code", '''\
# GRADED FUNCTION: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    Z, cache_lin = linear_forward(A_prev, W, b)
    if activation == "relu":
        A, cache_act = relu(Z)
    else:
        A, cache_act = sigmoid(Z)
    return A, (cache_lin, cache_act)
'''),
    ("code", '''\
# GRADED FUNCTION: L_model_forward

def L_model_forward(X, parameters):
    caches = []
    A = X
    n_layers = len(parameters) // 2
    for l in range(1, n_layers):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches = caches + [cache]
    AL, cache = linear_activation_forward(A, parameters["W" + str(n_layers)], parameters["b" + str(n_layers)],
                                          "sigmoid")
    caches = caches + [cache]
    return AL, caches
'''),
    ("code", '''\
# GRADED FUNCTION: compute_cost

def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -np.nansum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL))) / m
    return np.squeeze(cost)
'''),
    ("code", '''\
# GRADED FUNCTION: linear_backward

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.multiply(1 / m, np.dot(dZ, A_prev.T))
    db = np.multiply(1 / m, np.sum(dZ, axis=1, keepdims=True))
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
'''),
    ("code", '''\
# GRADED FUNCTION: linear_activation_backward

def linear_activation_backward(dA, cache, activation):
    cache_lin, cache_act = cache
    if activation == "relu":
        dZ = relu_backward(dA, cache_act)
    else:
        dZ = sigmoid_backward(dA, cache_act)
    return linear_backward(dZ, cache_lin)
'''),
    ("code", '''\
# GRADED FUNCTION: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    n_layers = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    dA = dAL
    for l in range(n_layers, 0, -1):
        activation = "sigmoid" if l == n_layers else "relu"
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], activation)
        grads["dA" + str(l)], grads["dW" + str(l)], grads["db" + str(l)] = dA_prev, dW, db
        dA = dA_prev
    return grads
'''),
    ("code", '''\
# GRADED FUNCTION: update_parameters

def update_parameters(parameters, grads, learning_rate):
    params = copy.deepcopy(parameters)
    n_layers = len(params) // 2
    for l in range(1, n_layers + 1):
        params["W" + str(l)] = params["W" + str(l)] - np.multiply(learning_rate, grads["dW" + str(l)])
        params["b" + str(l)] = params["b" + str(l)] - np.multiply(learning_rate, grads["db" + str(l)])
    return params
'''),
]

MARKDOWN = '''\
# Deep network from scratch — my week 4 notes

Everything below passes the notebook's tests (well, almost).

```python
import numpy as np
from dnn_utils import sigmoid, relu, sigmoid_backward, relu_backward
```

## Initialisation

```python
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return dict(W1=W1, b1=np.zeros((n_h, 1)), W2=W2, b2=np.zeros((n_y, 1)))
```

```python
def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = dict()
    l = 1
    while l < len(layer_dims):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
        l += 1
    return parameters
```

## Forward

```python
def linear_forward(A, W, b):
    Z = np.matmul(W, A) + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters):
    caches = []
    L = len(parameters) // 2
    A = X
    l = 1
    while l < L:
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
        l += 1
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches
```

## Cost

```python
def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=1)
    return np.squeeze(cost)
```

## Backward

```python
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.matmul(dZ, A_prev.T) / m
    db = np.mean(dZ, axis=1, keepdims=True)
    dA_prev = np.matmul(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    dZ = sigmoid_backward(dA, activation_cache) if activation == "sigmoid" else relu_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    l = L
    while l > 0:
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu")
        grads["dA" + str(l)] = dA
        l -= 1
    return grads
```

## Update

```python
def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters
```
'''


def nbformat3(cells):
    """An nbformat-3 notebook (worksheets, ``input``) of (type, source) cells, as JSON text."""
    made = []
    for kind, source in cells:
        lines = source.splitlines(keepends=True)
        made.append({"cell_type": kind, "input": lines, "language": "python", "metadata": {}, "outputs": []}
                    if kind == "code" else {"cell_type": kind, "source": lines, "metadata": {}})
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
                       "worksheets": [{"cells": made, "metadata": {}}]}, indent=1)


def write_sources(folder):
    """The three known sources as files in ``folder``: {name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"py_export": folder / "github-user1" / "Deep_Neural_Network_Step_by_Step.py",
             "nb3": folder / "github-user2" / "week4" / "Building_your_Deep_Neural_Network.ipynb",
             "markdown": folder / "blog" / "deep-network-notes.md"}
    texts = {"py_export": PY_EXPORT, "nb3": nbformat3(NB3_CELLS), "markdown": MARKDOWN}
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[name], encoding="utf-8")
    return files
