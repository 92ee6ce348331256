"""Тестовые примеры и открытые проверки лабораторной «Создание Глубокой нейронной сети: Шаг за шагом».

Функции ``*_test_case`` возвращают входные данные, на которых получены таблицы
«Ожидаемый результат» в тексте лабораторной. ``public_test(name)`` вызывает
вашу функцию ``name`` на этих данных и сообщает по-русски, совпадает ли
результат с таблицей; при расхождении ячейка проверки завершается ошибкой,
чтобы Validate назвал функцию. Если функция не определена (в её ячейке
синтаксическая ошибка или ячейка не выполнена), проверка скажет, в какой
строке ошибка. Оценку выставляют скрытые проверки.
"""

import numpy as np

# Общие входные данные линейных примеров: A (3x2), W (1x3), b (1x1).
_A = [[-1.02387576, 1.12397796],
      [-1.62328545, 0.64667545],
      [-1.74314104, -0.59664964]]
_W = [[0.74505627, 1.97611078, -1.24412333]]
_B = [[5.0]]
# Z из таблицы linear_forward (округлён до 8 знаков): вход обратных примеров.
_Z = [[3.1980455, 7.85763489]]


def _linear_inputs():
    return np.array(_A), np.array(_W), np.array(_B)


def linear_forward_test_case():
    A, W, b = _linear_inputs()
    return A, W, b


def linear_activation_forward_test_case():
    A_prev, W, b = _linear_inputs()
    return A_prev, W, b


def L_model_forward_test_case():
    X = np.array(_A)
    parameters = {
        "W1": np.array([[1.62434536, -0.61175641, -0.52817175],
                        [-1.07296862, 0.86540763, -2.3015387]]),
        "b1": np.zeros((2, 1)),
        "W2": np.array([[1.74481176, -0.7612069]]),
        "b2": np.zeros((1, 1)),
    }
    return X, parameters


def compute_cost_test_case():
    Y = np.array([[1, 1, 1]])
    AL = np.array([[0.8, 0.9, 0.4]])
    return Y, AL


def linear_backward_test_case():
    dZ = np.array(_Z)
    linear_cache = _linear_inputs()
    return dZ, linear_cache


def linear_activation_backward_test_case():
    dA = np.array(_Z)
    linear_cache = _linear_inputs()
    activation_cache = np.array(_Z)
    return dA, (linear_cache, activation_cache)


def L_model_backward_test_case():
    """Однослойная сеть (LINEAR->SIGMOID): dA1 здесь -- градиент по X."""
    X = np.array([[0.20445225, 0.87811744],
                  [0.02738759, 0.67046751],
                  [0.4173048, 0.55868983]])
    Y = np.array([[1, 1]])
    AL = np.array([[0.60298372, 0.87182628]])
    W1 = np.array([[1.78862847, 0.43650985, 0.09649747]])
    b1 = np.zeros((1, 1))
    Z1 = np.array([[0.41791293, 1.91720367]])
    caches = [((X.copy(), W1, b1), Z1)]
    return X, Y, AL, caches


def update_parameters_test_case():
    parameters = {
        "W1": np.array([[1.78862847, 0.43650985, 0.09649747],
                        [-1.8634927, -0.2773882, -0.35475898],
                        [-0.08274148, -0.62700068, -0.04381817],
                        [-0.47721803, -1.31386475, 0.88462238]]),
        "b1": np.zeros((4, 1)),
        "W2": np.array([[0.88131804, 1.70957306, 0.05003364, -0.40467741],
                        [-0.54535995, -1.54647732, 0.98236743, -1.10106763],
                        [-1.18504653, -0.2056499, 1.48614836, 0.23671627]]),
        "b2": np.zeros((3, 1)),
        "W3": np.array([[-1.02378514, -0.7129932, 0.62524497],
                        [-0.16051336, -0.76883635, -0.23003072]]),
        "b3": np.zeros((2, 1)),
    }
    dW1 = np.zeros((4, 3))
    dW1[0] = [0.63070583, 0.66482653, 0.18308507]
    dW2 = np.zeros((3, 4))
    dW2[0, 0] = 1.62934255
    dW3 = np.zeros((2, 3))
    dW3[:, 0] = -1.40260776
    grads = {
        "dW1": dW1,
        "db1": np.full((4, 1), 0.7593767620441146),
        "dW2": dW2,
        "db2": np.full((3, 1), 0.8616375992281106),
        "dW3": dW3,
        "db3": np.full((2, 1), -0.8416195602233457),
    }
    return parameters, grads


# --- открытые проверки -----------------------------------------------------

def _zeros(n):
    return [[0.0]] * n


_LINEAR_DA_PREV = [[2.38272385, 5.85438014],
                   [6.31969219, 15.52755701],
                   [-3.97876302, -9.77586689]]
_LINEAR_DW = [[2.77870358, -0.05500058, -5.13144969]]
_LINEAR_DB = [[5.52784019]]


def _run_initialize_parameters(f):
    p = f(3, 2, 1)
    return [("W1", p["W1"]), ("b1", p["b1"]), ("W2", p["W2"]), ("b2", p["b2"])]


def _run_initialize_parameters_deep(f):
    p = f([5, 4, 3])
    return [("W1", p["W1"]), ("b1", p["b1"]), ("W2", p["W2"]), ("b2", p["b2"])]


def _run_linear_forward(f):
    Z, _ = f(*linear_forward_test_case())
    return [("Z", Z)]


def _run_linear_activation_forward(f):
    A_s, _ = f(*linear_activation_forward_test_case(), activation="sigmoid")
    A_r, _ = f(*linear_activation_forward_test_case(), activation="relu")
    return [("С sigmoid: A", A_s), ("С ReLU: A", A_r)]


def _run_L_model_forward(f):
    AL, caches = f(*L_model_forward_test_case())
    return [("AL", AL), ("Длина списка caches", len(caches))]


def _run_compute_cost(f):
    Y, AL = compute_cost_test_case()
    return [("cost", f(AL, Y))]


def _run_linear_backward(f):
    return list(zip(("dA_prev", "dW", "db"), f(*linear_backward_test_case())))


def _run_linear_activation_backward(f):
    rows = []
    for activation in ("sigmoid", "relu"):
        dA, cache = linear_activation_backward_test_case()
        grads = f(dA, cache, activation=activation)
        rows += [(activation + ": " + name, value)
                 for name, value in zip(("dA_prev", "dW", "db"), grads)]
    return rows


def _run_L_model_backward(f):
    _, Y, AL, caches = L_model_backward_test_case()
    grads = f(AL, Y, caches)
    return [("dW1", grads["dW1"]), ("db1", grads["db1"]), ("dA1", grads["dA1"])]


def _run_update_parameters(f):
    parameters, grads = update_parameters_test_case()
    p = f(parameters, grads, 0.1)
    return [("W1", p["W1"]), ("b1", p["b1"]), ("W2", p["W2"]), ("b2", p["b2"])]


# Имя функции -> (как её вызвать, значения из таблицы «Ожидаемый результат»).
_PUBLIC_TESTS = {
    "initialize_parameters": (_run_initialize_parameters, [
        [[0.01624345, -0.00611756, -0.00528172],
         [-0.01072969, 0.00865408, -0.02301539]],
        _zeros(2), [[0.01744812, -0.00761207]], _zeros(1)]),
    "initialize_parameters_deep": (_run_initialize_parameters_deep, [
        [[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
         [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
         [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
         [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]],
        _zeros(4),
        [[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
         [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
         [-0.00768836, -0.00230031, 0.00745056, 0.01976111]],
        _zeros(3)]),
    "linear_forward": (_run_linear_forward, [_Z]),
    "linear_activation_forward": (_run_linear_activation_forward, [
        [[0.96076066, 0.99961336]], _Z]),
    "L_model_forward": (_run_L_model_forward, [[[0.0844367, 0.92356858]], 2]),
    "compute_cost": (_run_compute_cost, [0.41493159961539694]),
    "linear_backward": (_run_linear_backward, [_LINEAR_DA_PREV, _LINEAR_DW, _LINEAR_DB]),
    "linear_activation_backward": (_run_linear_activation_backward, [
        [[0.08982777, 0.00226265],
         [0.23824996, 0.00600122],
         [-0.14999783, -0.00377826]],
        [[-0.06001514, -0.09687383, -0.10598695]],
        [[0.06180098]],
        _LINEAR_DA_PREV, _LINEAR_DW, _LINEAR_DB]),
    "L_model_backward": (_run_L_model_backward, [
        [[-0.09686122, -0.04840482, -0.11864308]],
        [[-0.262595]],
        [[-0.71011462, -0.22925516],
         [-0.17330152, -0.05594909],
         [-0.03831107, -0.01236844]]]),
    "update_parameters": (_run_update_parameters, [
        [[1.72555789, 0.3700272, 0.07818896],
         [-1.8634927, -0.2773882, -0.35475898],
         [-0.08274148, -0.62700068, -0.04381817],
         [-0.47721803, -1.31386475, 0.88462238]],
        [[-0.07593768]] * 4,
        [[0.71838378, 1.70957306, 0.05003364, -0.40467741],
         [-0.54535995, -1.54647732, 0.98236743, -1.10106763],
         [-1.18504653, -0.2056499, 1.48614836, 0.23671627]],
        [[-0.08616376]] * 3]),
}


def _matches(got, expected):
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=float)
    # Таблица печатает 8 знаков после запятой: сравниваем с этой точностью.
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=1e-6, atol=1e-8))


# Какие ваши проверяемые функции вызывает функция: её открытый пример зависит от них.
USES = {
    "linear_activation_forward": ("linear_forward",),
    "L_model_forward": ("linear_activation_forward", "linear_forward"),
    "linear_activation_backward": ("linear_backward",),
    "L_model_backward": ("linear_activation_backward", "linear_backward"),
}


class PublicTestFailed(AssertionError):
    """Результат функции не совпадает с таблицей «Ожидаемый результат».

    Вместо трассировки стека Jupyter и ``nbgrader validate`` показывают только
    текст ошибки, короткими строками: что не так и что исправить сначала.
    """

    def _render_traceback_(self):
        return _wrapped(str(self))


# Функции, чьи открытые проверки в этом ядре не пройдены (чтобы сказать, что исправлять сначала).
_FAILED = set()


def public_test(name, function=None):
    """Сверяет функцию с таблицей «Ожидаемый результат», печатает итог по-русски.

    ``function`` -- ваша функция; по умолчанию та, что видит ячейка проверки
    под именем ``name``. Если её нет или последний запуск её ячейки завершился
    синтаксической ошибкой, ячейка проверки называет функцию и строку с
    ошибкой (а не ``NameError``); если нет функции, которую она вызывает, --
    ту функцию. При расхождении (или ошибке при вызове) ячейка завершается
    ошибкой ``PublicTestFailed`` с именем функции, так что кнопка Validate и
    ``nbgrader validate`` называют функцию, которую нужно исправить. На оценку
    это не влияет: баллы выставляют скрытые проверки.
    """
    import sys  # внутри функций: ``from testCases import *`` не добавляет ваших имён

    run, expected = _PUBLIC_TESTS[name]
    _FAILED.discard(name)
    if function is None:
        namespace = sys._getframe(1).f_globals
        problem = _cell_problem(name, namespace)
        if problem:
            _fail(name, problem, "Исправьте {} и выполните её ячейку снова.".format(name))
        function = namespace[name]
    try:
        rows = run(function)
    except Exception as error:
        helper = _undefined_helper(name, error, getattr(function, "__globals__", {}))
        if helper:
            _fail(name, "вызывает {}, а {}".format(*helper),
                  "Исправьте сначала {}; после этого проверьте {} снова.".format(helper[0], name))
        _fail(name, "вызов завершился ошибкой {}: {}".format(type(error).__name__, _said(error)))
    mismatches = []
    for (label, got), want in zip(rows, expected):
        if _matches(got, want):
            print("✔ {} совпадает с ожидаемым результатом".format(label))
        else:
            mismatches.append(label)
            print("✘ {}: ожидалось\n{}\nполучено\n{}".format(label, np.asarray(want), got))
    if mismatches:
        print("Есть расхождения с таблицей «Ожидаемый результат»: исправьте {}.".format(name))
        _FAILED.add(name)
        raise PublicTestFailed(_failure(name, "не совпадает с таблицей «Ожидаемый результат»: " +
                                        ", ".join(mismatches)))
    print("Открытая проверка {} пройдена.".format(name))


def _fail(name, what, advice=None):
    """Печатает, что не так, и завершает ячейку ошибкой ``PublicTestFailed``."""
    print("✘ {}: {}".format(name, what))
    _FAILED.add(name)
    raise PublicTestFailed("{}: {}.\n{}".format(name, what, advice) if advice else _failure(name, what)) from None


# --- функция не определена или её ячейка не выполнилась -----------------------

def _cell_problem(name, namespace):
    """Почему функцию ``name`` нельзя проверить: синтаксическая ошибка в её ячейке или её нет (иначе None)."""
    syntax = _syntax_error(name, namespace.get("In"))
    if syntax:
        return syntax + "\nЯчейка не выполнилась, " + (
            "и функция {} осталась прежней" if callable(namespace.get(name)) else
            "поэтому функция {} не определена").format(name)
    if not callable(namespace.get(name)):
        return ("функция {0} не определена: ячейка с def {0}(...) не выполнена или завершилась ошибкой "
                "раньше, чем дошла до def").format(name)
    return None


def _syntax_error(name, history):
    """Синтаксическая ошибка последнего запуска ячейки функции ``name`` (None, если её нет).

    Jupyter хранит текст каждой выполненной ячейки в списке ``In``; ячейка
    функции -- последняя из них с ``def name(`` или заголовком
    ``# ОЦЕНИВАЕМОЕ: name``. Её текст только компилируется, не выполняется.
    """
    import ast

    source = _last_cell_of(name, history)
    if source is None:
        return None
    try:
        compile(source, "<ячейка>", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as error:
        kind = "ошибка отступа" if isinstance(error, IndentationError) else "синтаксическая ошибка"
        line = (error.text or "").strip()[:120]
        return "в ячейке функции {} {}{}{}".format(name, kind, " в строке {}".format(error.lineno)
                                                   if error.lineno else "", ":\n    " + line if line else "")
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _last_cell_of(name, history):
    import re

    if not isinstance(history, list):
        return None
    header = re.compile(r"^\s*(#\s*ОЦЕНИВАЕМОЕ:\s*{0}\s*$|def\s+{0}\s*\()".format(re.escape(name)), re.M)
    return next((s for s in reversed(history) if isinstance(s, str) and header.search(s)), None)


def _undefined_helper(name, error, namespace):
    """(функция, почему её нет): ваша функция, которую ``name`` вызывает, а её нет; иначе None."""
    missing = _missing_name(error)
    if missing in _PUBLIC_TESTS and missing != name:
        problem = _cell_problem(missing, namespace)
        return (missing, problem) if problem else None
    return None


def _said(error):
    """Текст ошибки; ``NameError`` -- по-русски."""
    if isinstance(error, NameError):
        return "имя {} не определено (опечатка или переменная не задана)".format(_missing_name(error) or "?")
    return error


def _missing_name(error):
    """Имя, которого не нашёл ``NameError`` (в Python до 3.10 -- из текста ошибки), или None."""
    import re

    if not isinstance(error, NameError):
        return None
    found = getattr(error, "name", None) or re.findall(r"'(\w+)'", str(error))
    return found if isinstance(found, str) else next(iter(found), None)


def _failure(name, what):
    """Что не так с функцией и что исправить сначала: её собственную ошибку или ту, что в функциях, которые она вызывает."""
    first = [used for used in USES.get(name, ()) if used in _FAILED]
    if first:
        them = ("её", "её открытая проверка выше не пройдена") if len(first) == 1 else \
            ("их", "их открытые проверки выше не пройдены")
        return ("{}: {}.\nИсправьте сначала {}: {} вызывает {}, а {}; возможно, после этого пройдёт и {}."
                ).format(name, what, ", ".join(first), name, them[0], them[1], name)
    message = "{}: {}.\nИсправьте {}.".format(name, what, name)
    if name in USES:
        message += " Она вызывает ваши {}: их открытые проверки пройдены, значит ошибка в самой {}.".format(
            ", ".join(USES[name]), name)
    return message


def _wrapped(text, width=78):
    """Строки не длиннее ``width``: ``nbgrader validate`` обрезает более длинные."""
    import textwrap

    lines = []
    for paragraph in text.splitlines():
        lines.extend(textwrap.wrap(paragraph, width, subsequent_indent="  ") or [""])
    return lines
