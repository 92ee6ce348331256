"""Draw the figures of the lab "Создание Глубокой нейронной сети: Шаг за шагом".

The notebook refers to five images (``images/*.png``) that were not available
to us, so this script draws our own equivalents from the lab text, with
Russian labels.  It uses only matplotlib (Agg backend) and numpy, is
deterministic, and writes:

* ``final_outline.png``           -- Рисунок 1, the overall plan of the lab;
* ``model_architecture_kiank.png`` -- Рисунок 2, [LINEAR -> RELU] x (L-1) ->
  LINEAR -> SIGMOID;
* ``backprop_kiank.png``          -- Рисунок 3, forward/backward blocks of a
  2-layer network (purple = forward, red = backward, as the caption says);
* ``linearback_kiank.png``        -- Рисунок 4, the linear part of one layer;
* ``mn_backward.png``             -- Рисунок 5, the backward pass of an
  L-layer model.

Usage::

    python tools/draw_figures.py [OUTPUT_DIR]

OUTPUT_DIR defaults to ``source/dnn_step_by_step/images`` in the repository.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT_DIR = REPO_ROOT / "source" / "dnn_step_by_step" / "images"
DPI = 120

# Colour scheme shared by all figures.
FORWARD = {"face": "#8e44ad", "edge": "#5b2c6f", "text": "white"}  # purple
BACKWARD = {"face": "#c0392b", "edge": "#7b241c", "text": "white"}  # red
NEUTRAL = {"face": "#eaf0f6", "edge": "#5d6d7e", "text": "#1b2631"}
FORWARD_BAND = "#f4ecf8"
BACKWARD_BAND = "#fbeeec"
ARROW_COLOR = "#2c3e50"
CACHE_COLOR = "#7f8c8d"
TEXT_COLOR = "#1b2631"
CACHE_DASHES = (0, (4, 3))

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "mathtext.fontset": "dejavusans",
    }
)


@dataclass(frozen=True)
class Box:
    """Geometry of a drawn box (centre and size, in inches)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> tuple[float, float]:
        return (self.x - self.w / 2, self.y)

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y)

    @property
    def top(self) -> tuple[float, float]:
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.x, self.y - self.h / 2)


# ---------------------------------------------------------------------------
# Drawing primitives
# ---------------------------------------------------------------------------


def new_canvas(width: float, height: float):
    """Return a figure and axes whose data units are inches of the figure."""
    fig = plt.figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def draw_box(ax, x, y, w, h, text, style, fontsize=10, weight="bold"):
    """Draw a rounded box centred at (x, y) with ``text`` inside."""
    patch = FancyBboxPatch(
        (x - w / 2, y - h / 2),
        w,
        h,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor=style["face"],
        edgecolor=style["edge"],
        linewidth=1.4,
        zorder=3,
    )
    ax.add_patch(patch)
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        fontweight=weight,
        color=style["text"],
        linespacing=1.3,
        zorder=4,
    )
    return Box(x, y, w, h)


def draw_band(ax, x0, y0, x1, y1, color, label=None, label_pos="top"):
    """Draw a pale background band, optionally with a small caption."""
    patch = FancyBboxPatch(
        (x0, y0),
        x1 - x0,
        y1 - y0,
        boxstyle="round,pad=0,rounding_size=0.12",
        facecolor=color,
        edgecolor="none",
        zorder=0,
    )
    ax.add_patch(patch)
    if label:
        y = y1 - 0.1 if label_pos == "top" else y0 + 0.1
        va = "top" if label_pos == "top" else "bottom"
        ax.text(x0 + 0.12, y, label, ha="left", va=va, fontsize=9.5,
                style="italic", color="#566573", zorder=1)


def draw_arrow(ax, start, end, color=ARROW_COLOR, dashed=False, lw=1.5):
    """Draw a straight arrow from ``start`` to ``end``."""
    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>,head_length=0.5,head_width=0.25",
        mutation_scale=14,
        linewidth=lw,
        color=color,
        linestyle=CACHE_DASHES if dashed else "-",
        shrinkA=0,
        shrinkB=0,
        zorder=2,
    )
    ax.add_patch(arrow)


def draw_path_arrow(ax, points, color=ARROW_COLOR, dashed=False, lw=1.5):
    """Draw a polyline through ``points`` ending with an arrow head."""
    xs, ys = zip(*points[:-1])
    ax.plot(xs, ys, color=color, linewidth=lw, zorder=2,
            linestyle=CACHE_DASHES if dashed else "-",
            solid_capstyle="butt")
    draw_arrow(ax, points[-2], points[-1], color=color, dashed=dashed, lw=lw)


def draw_cache_arrow(ax, start, end):
    """Dashed grey arrow: a cache handed from forward to backward pass."""
    draw_arrow(ax, start, end, color=CACHE_COLOR, dashed=True, lw=1.3)


def label(ax, x, y, text, fontsize=10.5, ha="center", va="center",
          color=TEXT_COLOR, background=False, **kwargs):
    """Place a text label, optionally on a white background."""
    bbox = None
    if background:
        bbox = {"boxstyle": "round,pad=0.15", "facecolor": "white",
                "edgecolor": "none"}
    ax.text(x, y, text, fontsize=fontsize, ha=ha, va=va, color=color,
            bbox=bbox, zorder=5, **kwargs)


def brace_curve(x0, x1, y, height, direction=-1, samples=400):
    """Return points of a horizontal curly brace from x0 to x1.

    ``direction=-1`` makes the brace point down (its tip below ``y``).
    The curls have a fixed size in inches, whatever the brace length.
    """
    xs = np.linspace(x0, x1, samples)
    half_width = (x1 - x0) / 2
    dist = half_width - np.abs(xs - (x0 + half_width))  # 0 at the ends
    curl, softness = 0.08, 0.022

    def step(u):
        return 1 / (1 + np.exp(-u / softness))

    shape = step(dist - curl) + step(dist - (half_width - curl))
    shape = (shape - shape.min()) / (shape.max() - shape.min())
    return xs, y + direction * height * shape


def draw_brace(ax, x0, x1, y, height=0.18, direction=-1, color=TEXT_COLOR):
    """Draw a curly brace between x0 and x1 at height y."""
    xs, ys = brace_curve(x0, x1, y, height, direction)
    ax.plot(xs, ys, color=color, linewidth=1.3, zorder=2)


def draw_dots(ax, x, y, vertical=False, color=TEXT_COLOR, step=0.1):
    """Draw an ellipsis standing for the omitted middle layers."""
    offsets = np.array([-step, 0.0, step])
    xs = np.full(3, x) if vertical else x + offsets
    ys = y + offsets if vertical else np.full(3, y)
    ax.plot(xs, ys, linestyle="none", marker="o", markersize=3.2,
            color=color, zorder=3)


def draw_vertical_brace(ax, y0, y1, x, width=0.16, direction=1,
                        color=TEXT_COLOR):
    """Draw a curly brace between y0 and y1 at x (tip to the right)."""
    ys, xs = brace_curve(y0, y1, x, width, direction)
    ax.plot(xs, ys, color=color, linewidth=1.3, zorder=2)


def save(fig, path: Path) -> None:
    """Write the figure as PNG without volatile metadata."""
    fig.savefig(path, dpi=DPI, facecolor="white",
                metadata={"Software": None})
    plt.close(fig)


# ---------------------------------------------------------------------------
# Рисунок 1: overall plan
# ---------------------------------------------------------------------------


def draw_final_outline(path: Path) -> None:
    """Overall plan: forward chain, cost, backward chain and the update."""
    fig, ax = new_canvas(10.0, 6.25)
    y_fwd, y_bwd, y_upd = 4.55, 2.3, 0.5
    block_w, block_h = 1.6, 0.8
    columns = [(1.95, "1"), (4.85, "L−1"), (7.1, "L")]

    draw_band(ax, 0.1, 3.75, 8.1, 5.45, FORWARD_BAND,
              "прямое распространение  →", "top")
    draw_band(ax, 0.1, 1.5, 8.1, 3.1, BACKWARD_BAND,
              "←  обратное распространение", "bottom")

    init = draw_box(ax, 5.2, 5.95, 3.6, 0.42,
                    r"инициализация параметров $W^{[l]}, b^{[l]}$",
                    NEUTRAL, fontsize=10, weight="normal")
    x_in = draw_box(ax, 0.55, y_fwd, 0.6, 0.6, r"$X$", NEUTRAL, fontsize=13)

    forward, backward = [], []
    for x, layer in columns:
        act = "SIGMOID" if layer == "L" else "RELU"
        forward.append(draw_box(
            ax, x, y_fwd, block_w, block_h,
            f"LINEAR → {act}\nслой {layer}", FORWARD, fontsize=10))
        backward.append(draw_box(
            ax, x, y_bwd, block_w, block_h,
            f"LINEAR ← {act}\nслой {layer}", BACKWARD, fontsize=10))

    draw_arrow(ax, init.bottom, (init.x, 5.45))
    _draw_outline_forward_links(ax, x_in, forward, y_fwd)
    _draw_outline_backward_links(ax, backward, y_bwd)
    for fwd, bwd, (_, layer) in zip(forward, backward, columns):
        draw_cache_arrow(ax, fwd.bottom, bwd.top)
        label(ax, fwd.x + 0.1, (fwd.bottom[1] + bwd.top[1]) / 2,
              f"кэш {layer}", fontsize=9.5, ha="left", color="#566573")

    cost = draw_box(ax, 9.05, (y_fwd + y_bwd) / 2, 1.55, 0.95,
                    "функция\nпотерь " + r"$J$", NEUTRAL, fontsize=10.5)
    out = forward[-1].right
    draw_path_arrow(ax, [out, (cost.x, out[1]), cost.top])
    label(ax, 8.45, out[1] + 0.22, r"$A^{[L]} = \hat{Y}$", fontsize=11)
    back_in = backward[-1].right
    draw_path_arrow(ax, [cost.bottom, (cost.x, back_in[1]), back_in])
    label(ax, 8.45, back_in[1] + 0.22, r"$dA^{[L]}$", fontsize=11)

    update = draw_box(
        ax, 4.2, y_upd, 7.6, 0.55,
        "обновление параметров:   "
        r"$W^{[l]} = W^{[l]} - \alpha\, dW^{[l]}$,   "
        r"$b^{[l]} = b^{[l]} - \alpha\, db^{[l]}$",
        NEUTRAL, fontsize=10.5, weight="normal")
    for bwd, (_, layer) in zip(backward, columns):
        draw_arrow(ax, bwd.bottom, (bwd.x, update.top[1]))
        grads = rf"$dW^{{[{_tex(layer)}]}}, db^{{[{_tex(layer)}]}}$"
        label(ax, bwd.x + 0.1, (bwd.bottom[1] + update.top[1]) / 2 - 0.05,
              grads, fontsize=10, ha="left")
    save(fig, path)


def _tex(layer: str) -> str:
    """Layer name for mathtext ("L−1" -> "L-1")."""
    return layer.replace("−", "-")


def _draw_outline_forward_links(ax, x_in, forward, y):
    """Arrows X -> block 1 -> ... -> block L-1 -> block L (Рисунок 1)."""
    draw_arrow(ax, x_in.right, forward[0].left)
    dots_x = (forward[0].right[0] + forward[1].left[0]) / 2
    draw_arrow(ax, forward[0].right, (dots_x - 0.3, y))
    label(ax, forward[0].right[0] + 0.22, y + 0.22, r"$A^{[1]}$", fontsize=10)
    draw_dots(ax, dots_x, y)
    draw_arrow(ax, (dots_x + 0.3, y), forward[1].left)
    label(ax, forward[1].left[0] - 0.3, y + 0.22, r"$A^{[L-2]}$",
          fontsize=10)
    draw_arrow(ax, forward[1].right, forward[2].left)
    label(ax, (forward[1].right[0] + forward[2].left[0]) / 2, y + 0.22,
          r"$A^{[L-1]}$", fontsize=10)


def _draw_outline_backward_links(ax, backward, y):
    """Arrows block L -> block L-1 -> ... -> block 1 (Рисунок 1)."""
    draw_arrow(ax, backward[2].left, backward[1].right)
    label(ax, (backward[1].right[0] + backward[2].left[0]) / 2, y + 0.22,
          r"$dA^{[L-1]}$", fontsize=10)
    dots_x = (backward[0].right[0] + backward[1].left[0]) / 2
    draw_arrow(ax, backward[1].left, (dots_x + 0.3, y))
    label(ax, backward[1].left[0] - 0.3, y + 0.22, r"$dA^{[L-2]}$",
          fontsize=10)
    draw_dots(ax, dots_x, y)
    draw_arrow(ax, (dots_x - 0.3, y), backward[0].right)
    label(ax, backward[0].right[0] + 0.22, y + 0.22, r"$dA^{[1]}$",
          fontsize=10)


# ---------------------------------------------------------------------------
# Рисунок 2: model architecture
# ---------------------------------------------------------------------------


def draw_layer_pair(ax, x_left, y, names, style, widths=(0.7, 0.7),
                    gap=0.22, height=0.6):
    """Draw two linked boxes (e.g. LINEAR -> RELU); return both boxes."""
    first = draw_box(ax, x_left + widths[0] / 2, y, widths[0], height,
                     names[0], style, fontsize=9.5)
    second_x = first.right[0] + gap + widths[1] / 2
    second = draw_box(ax, second_x, y, widths[1], height, names[1], style,
                      fontsize=9.5)
    draw_arrow(ax, first.right, second.left)
    return first, second


def draw_model_architecture(path: Path) -> None:
    """[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, with formulas."""
    fig, ax = new_canvas(8.0, 4.0)
    y = 2.7
    label(ax, 4.0, 3.65,
          "[LINEAR → RELU] × (L − 1)  →  LINEAR → SIGMOID",
          fontsize=12, fontweight="bold")

    x_in = draw_box(ax, 0.35, y, 0.5, 0.5, r"$X$", NEUTRAL, fontsize=13)
    starts = {"1": 0.85, "L−1": 3.2, "L": 5.3}
    pairs = {}
    for layer, x0 in starts.items():
        last = layer == "L"
        pairs[layer] = draw_layer_pair(
            ax, x0, y, ("LINEAR", "SIGMOID" if last else "RELU"), FORWARD,
            widths=(0.7, 0.82 if last else 0.7))
        end = pairs[layer][1].right[0]
        label(ax, (x0 + end) / 2, y + 0.48, f"слой {layer}", fontsize=9.5,
              color="#566573")

    draw_arrow(ax, x_in.right, pairs["1"][0].left)
    x1_end = pairs["1"][1].right[0]
    dots_x = (x1_end + starts["L−1"]) / 2
    draw_arrow(ax, (x1_end, y), (dots_x - 0.22, y))
    draw_dots(ax, dots_x, y)
    draw_arrow(ax, (dots_x + 0.22, y), pairs["L−1"][0].left)
    draw_arrow(ax, pairs["L−1"][1].right, pairs["L"][0].left)
    label(ax, (pairs["L−1"][1].right[0] + starts["L"]) / 2, y + 0.43,
          r"$A^{[L-1]}$", fontsize=9.5)
    out = pairs["L"][1].right
    draw_arrow(ax, out, (out[0] + 0.3, y))
    label(ax, out[0] + 0.36, y, r"$A^{[L]}$" "\n" r"$=\hat{Y}$",
          fontsize=11.5, ha="left", linespacing=1.5)

    relu_end = pairs["L−1"][1].right[0]
    draw_brace(ax, starts["1"], relu_end, y - 0.4, height=0.16)
    mid = (starts["1"] + relu_end) / 2
    label(ax, mid, y - 0.8, "повторить L − 1 раз:  l = 1, …, L − 1",
          fontsize=10)
    _formula_box(ax, mid, 1.05, 3.1,
                 r"$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$" "\n"
                 r"$A^{[l]} = \mathrm{relu}(Z^{[l]})$")
    last_mid = (starts["L"] + pairs["L"][1].right[0]) / 2
    draw_brace(ax, starts["L"], pairs["L"][1].right[0], y - 0.4,
               height=0.16)
    label(ax, last_mid, y - 0.8, "последний слой L", fontsize=10)
    _formula_box(ax, last_mid, 1.05, 3.1,
                 r"$Z^{[L]} = W^{[L]} A^{[L-1]} + b^{[L]}$" "\n"
                 r"$A^{[L]} = \sigma(Z^{[L]})$")
    save(fig, path)


def _formula_box(ax, x, y, w, text):
    """Pale box with two lines of formulas (Рисунок 2)."""
    return draw_box(ax, x, y, w, 1.05, text, NEUTRAL, fontsize=14,
                    weight="normal")


# ---------------------------------------------------------------------------
# Рисунок 3: forward and backward blocks of a 2-layer network
# ---------------------------------------------------------------------------


def draw_backprop(path: Path) -> None:
    """LINEAR->RELU->LINEAR->SIGMOID: purple forward, red backward."""
    fig, ax = new_canvas(7.8, 3.0)
    y_fwd, y_bwd = 2.2, 0.95
    w, h = 1.0, 0.52
    xs = [1.25, 2.75, 4.25, 5.75]
    names = ["LINEAR", "RELU", "LINEAR", "SIGMOID"]
    fwd = [draw_box(ax, x, y_fwd, w, h, n, FORWARD, 10.5)
           for x, n in zip(xs, names)]
    bwd = [draw_box(ax, x, y_bwd, w, h, n, BACKWARD, 10.5)
           for x, n in zip(xs, names)]

    for layer, (a, b) in enumerate([(0, 1), (2, 3)], start=1):
        x0, x1 = fwd[a].left[0], fwd[b].right[0]
        draw_brace(ax, x0, x1, y_fwd + 0.36, height=0.12, direction=1)
        label(ax, (x0 + x1) / 2, y_fwd + 0.66, f"слой {layer}", fontsize=9.5,
              color="#566573")

    label(ax, 0.3, y_fwd, r"$X$", fontsize=13)
    draw_arrow(ax, (0.45, y_fwd), fwd[0].left)
    fwd_labels = [r"$Z^{[1]}$", r"$A^{[1]}$", r"$Z^{[2]}$"]
    bwd_labels = [r"$dZ^{[1]}$", r"$dA^{[1]}$", r"$dZ^{[2]}$"]
    for i in range(3):
        mid = (xs[i] + xs[i + 1]) / 2
        draw_arrow(ax, fwd[i].right, fwd[i + 1].left)
        label(ax, mid, y_fwd + 0.2, fwd_labels[i], fontsize=11)
        draw_arrow(ax, bwd[i + 1].left, bwd[i].right)
        label(ax, mid, y_bwd + 0.2, bwd_labels[i], fontsize=11)
    draw_arrow(ax, bwd[0].left, (0.45, y_bwd))
    label(ax, 0.3, y_bwd + 0.22, r"$dA^{[0]}$", fontsize=9, color="#808b96")

    loss = draw_box(ax, 7.15, (y_fwd + y_bwd) / 2, 1.1, 0.5,
                    r"$\mathcal{L}(A^{[2]}, Y)$", NEUTRAL, fontsize=10.5,
                    weight="normal")
    draw_path_arrow(ax, [fwd[3].right, (loss.x, y_fwd), loss.top])
    label(ax, 6.55, y_fwd + 0.2, r"$A^{[2]}$", fontsize=11)
    draw_path_arrow(ax, [loss.bottom, (loss.x, y_bwd), bwd[3].right])
    label(ax, 6.55, y_bwd + 0.2, r"$dA^{[2]}$", fontsize=11)

    caches = [r"$A^{[0]}, W^{[1]}, b^{[1]}$", r"$Z^{[1]}$",
              r"$A^{[1]}, W^{[2]}, b^{[2]}$", r"$Z^{[2]}$"]
    for f, b, text in zip(fwd, bwd, caches):
        draw_cache_arrow(ax, f.bottom, b.top)
        label(ax, f.x, (f.bottom[1] + b.top[1]) / 2, text, fontsize=9.5,
              background=True, color="#566573")

    for i, layer in ((0, 1), (2, 2)):
        draw_arrow(ax, bwd[i].bottom, (xs[i], 0.38))
        label(ax, xs[i], 0.22,
              rf"$dW^{{[{layer}]}}, db^{{[{layer}]}}$", fontsize=11)
    _cache_legend(ax, 6.55, 0.25)
    save(fig, path)


def _cache_legend(ax, x, y):
    """Small legend explaining the dashed cache arrows."""
    draw_cache_arrow(ax, (x, y), (x + 0.4, y))
    label(ax, x + 0.5, y, "кэш", fontsize=9.5, ha="left", color="#566573")


# ---------------------------------------------------------------------------
# Рисунок 4: linear part of one layer, forward and backward
# ---------------------------------------------------------------------------


def draw_linear_backward(path: Path) -> None:
    """Z = W A + b forward; dZ -> (dW, db, dA_prev) backward."""
    fig, ax = new_canvas(3.0, 3.6)
    fwd = draw_box(ax, 1.5, 2.68, 1.9, 0.7,
                   "LINEAR\n" r"$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$",
                   FORWARD, fontsize=10)
    bwd = draw_box(ax, 1.5, 1.12, 1.9, 0.7, "LINEAR\nbackward",
                   BACKWARD, fontsize=10.5)

    draw_arrow(ax, (fwd.x, 3.55), fwd.top)
    label(ax, fwd.x + 0.1, 3.3, r"$W^{[l]}, b^{[l]}$", fontsize=11,
          ha="left")
    draw_arrow(ax, (0.02, fwd.y), fwd.left)
    label(ax, 0.3, fwd.y + 0.2, r"$A^{[l-1]}$", fontsize=10)
    draw_arrow(ax, fwd.right, (2.98, fwd.y))
    label(ax, 2.72, fwd.y + 0.2, r"$Z^{[l]}$", fontsize=10.5)

    draw_cache_arrow(ax, fwd.bottom, bwd.top)
    label(ax, fwd.x, (fwd.bottom[1] + bwd.top[1]) / 2,
          "кэш\n" r"$(A^{[l-1]}, W^{[l]}, b^{[l]})$",
          fontsize=10, background=True, color="#566573", linespacing=1.3)

    draw_arrow(ax, (2.98, bwd.y), bwd.right)
    label(ax, 2.72, bwd.y + 0.2, r"$dZ^{[l]}$", fontsize=10.5)
    draw_arrow(ax, bwd.left, (0.02, bwd.y))
    label(ax, 0.3, bwd.y + 0.2, r"$dA^{[l-1]}$", fontsize=10)
    for dx, name in ((-0.45, "dW"), (0.45, "db")):
        start = (bwd.x + dx, bwd.bottom[1])
        draw_arrow(ax, start, (start[0], 0.38))
        label(ax, start[0], 0.2, rf"${name}^{{[l]}}$", fontsize=11.5)
    save(fig, path)


# ---------------------------------------------------------------------------
# Рисунок 5: backward pass of an L-layer model
# ---------------------------------------------------------------------------


def draw_model_backward(path: Path) -> None:
    """dAL -> LINEAR<-SIGMOID -> loop of LINEAR<-RELU down to layer 1."""
    fig, ax = new_canvas(6.0, 4.0)
    x_cache, x_block, x_grad = 0.7, 2.65, 3.6
    rows = [(3.15, "L"), (2.1, "L−1"), (0.6, "1")]

    label(ax, x_cache, 3.75, "из прямого\nпрохода", fontsize=10,
          style="italic", color="#566573", linespacing=1.2)
    blocks = []
    for y, layer in rows:
        act = "SIGMOID" if layer == "L" else "RELU"
        cache = draw_box(ax, x_cache, y, 1.1, 0.42, f"кэш {layer}",
                         FORWARD, fontsize=10, weight="normal")
        block = draw_box(ax, x_block, y, 1.9, 0.6,
                         f"LINEAR ← {act}\nслой {layer}", BACKWARD,
                         fontsize=10)
        draw_cache_arrow(ax, cache.right, block.left)
        draw_arrow(ax, block.right, (x_grad + 0.45, y))
        label(ax, x_grad + 0.52, y,
              rf"$dW^{{[{_tex(layer)}]}}, db^{{[{_tex(layer)}]}}$",
              fontsize=11, ha="left")
        blocks.append(block)
    _draw_backward_chain(ax, blocks, x_block)

    relu_top, relu_bottom = blocks[1].top[1], blocks[2].bottom[1]
    draw_vertical_brace(ax, relu_bottom, relu_top, 5.5)
    label(ax, 5.8, (relu_top + relu_bottom) / 2,
          "цикл for:  l = L − 1, …, 1", fontsize=10.5, rotation=90)
    save(fig, path)


def _draw_backward_chain(ax, blocks, x):
    """Vertical arrows dA[L] -> block L -> ... -> block 1 (Рисунок 5)."""
    last, middle, first = blocks
    draw_arrow(ax, (x, 3.95), last.top)
    label(ax, x + 0.1, 3.72, r"$dA^{[L]}$", fontsize=11, ha="left")
    draw_arrow(ax, last.bottom, middle.top)
    label(ax, x + 0.1, (last.bottom[1] + middle.top[1]) / 2,
          r"$dA^{[L-1]}$", fontsize=11, ha="left")
    dots_y = (middle.bottom[1] + first.top[1]) / 2
    draw_arrow(ax, middle.bottom, (x, dots_y + 0.2))
    label(ax, x + 0.1, middle.bottom[1] - 0.12, r"$dA^{[L-2]}$",
          fontsize=10, ha="left")
    draw_dots(ax, x, dots_y, vertical=True, step=0.07)
    draw_arrow(ax, (x, dots_y - 0.2), first.top)
    label(ax, x + 0.1, first.top[1] + 0.12, r"$dA^{[1]}$", fontsize=10,
          ha="left")
    draw_arrow(ax, first.bottom, (x, 0.04), color="#808b96")
    label(ax, x + 0.1, 0.13, r"$dA^{[0]}$", fontsize=9, ha="left",
          color="#808b96")


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

FIGURES = {
    "final_outline.png": draw_final_outline,
    "model_architecture_kiank.png": draw_model_architecture,
    "backprop_kiank.png": draw_backprop,
    "linearback_kiank.png": draw_linear_backward,
    "mn_backward.png": draw_model_backward,
}


def main(argv: list[str]) -> int:
    output_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT_DIR
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        path = output_dir / name
        draw(path)
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
