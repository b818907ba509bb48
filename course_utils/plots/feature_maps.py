"""Pictures of kernels and feature maps for the convolution lessons.

Two small functions, each returning the matplotlib ``Figure`` (call ``plt.show()`` after
them in a notebook):

- :func:`show_kernels` draws small kernels as coloured grids with their numbers written in;
- :func:`show_feature_maps` draws an image next to the feature maps computed from it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from course_utils.core._constraints import Flag, Satisfies, Text, validate_arguments
from course_utils.core._validation import check_numbers, describe
from course_utils.plots._checks import MAX_PICTURES, SIZE, check_names, figure_size, pixel_scale

__all__ = ["show_feature_maps", "show_kernels"]


MAX_ANNOTATED_CELLS = 400
"""The largest kernel (in cells, 20x20) whose weights :func:`show_kernels` writes in."""


def _is_map_list(maps) -> bool:
    """A list of 2-D maps (maybe of different sizes), rather than one map written as nested lists."""
    return (
        isinstance(maps, (list, tuple))
        and bool(maps)
        and all(
            (isinstance(m, np.ndarray) and m.ndim >= 2)
            or (
                isinstance(m, (list, tuple))
                and bool(m)
                and all(isinstance(r, (list, tuple, np.ndarray)) for r in m)
            )
            for m in maps
        )
    )


def _as_maps(name, maps):
    """Return a list of 2-D arrays from a 2-D array, a 3-D (h, w, n) array or a list of 2-D arrays."""
    allowed = (
        f"{name} must be a 2-D array, a (height, width, n) array or a non-empty list of 2-D arrays of numbers"
    )
    if _is_map_list(maps):
        maps = [check_numbers(f"{name}[{i}]", m) for i, m in enumerate(maps)]
    else:
        array = check_numbers(name, maps)
        if array.ndim == 2:  # one map, as an array or a nested list
            maps = [array]
        elif array.ndim == 3:
            maps = [array[:, :, i] for i in range(array.shape[2])]  # a (height, width, n) stack
        else:
            raise ValueError(f"{allowed}, got shape {array.shape}.")
    if any(m.ndim != 2 or 0 in m.shape for m in maps):
        raise ValueError(f"{allowed}, got shapes {[m.shape for m in maps][:8]}.")
    if len(maps) > MAX_PICTURES:
        raise ValueError(f"{name} holds {len(maps)} maps; one figure draws at most {MAX_PICTURES}.")
    return maps


def _maps(name: str) -> Satisfies:
    """The constraint of an argument read by :func:`_as_maps` (``kernels``, ``maps``)."""
    return Satisfies(
        lambda value: _as_maps(name, value),
        "a 2-D array, a (height, width, n) array or a non-empty list of 2-D arrays of numbers",
        valid=lambda: [np.eye(3)],
        invalid=[
            [],
            np.zeros(3),
            np.zeros((2, 2, 2, 2)),
            [np.zeros((2, 0))],
            np.zeros((2, 2, MAX_PICTURES + 1)),
        ],
    )


def _titles(titles, count, default):
    if titles is None:
        return [f"{default} {i}" for i in range(count)]
    return check_names("titles", titles, count, per=f"{default} in {default}s")


@validate_arguments(kernels=_maps("kernels"), annotate=Flag(), cell_size=SIZE)
def show_kernels(kernels, titles=None, annotate=True, cell_size=1.6):
    """Draw 2-D kernels as grids: red for positive weights, blue for negative.

    Parameters
    ----------
    kernels : array_like or list of array_like
        One 2-D kernel, a ``(kh, kw, n)`` stack, or a list of 2-D kernels.
    titles : list of str, optional
        One title per kernel.
    annotate : bool, default=True
        Write each weight in its cell (turn off for kernels larger than about 7x7).
    cell_size : float, default=1.6
        Width in inches of each kernel's picture.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = show_kernels([np.eye(3), -np.eye(3)], titles=["diagonal", "anti"])
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    titles = _titles(titles, len(kernels), "kernel")
    largest = max(kernels, key=np.size)
    if annotate and largest.size > MAX_ANNOTATED_CELLS:
        raise ValueError(
            f"annotate=True writes every weight, which is readable up to {MAX_ANNOTATED_CELLS} cells; "
            f"a kernel has shape {largest.shape}: pass annotate=False."
        )
    fig, axes = plt.subplots(
        1,
        len(kernels),
        figsize=figure_size(cell_size * len(kernels), cell_size + 0.4, "cell_size", cell_size),
        squeeze=False,
    )
    for ax, kernel, title in zip(axes[0], kernels, titles, strict=True):
        # A wider colour range than the weights keeps the colours light and the numbers readable.
        limit = 1.6 * max(float(np.abs(kernel).max()), 1e-12)
        ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        if annotate:
            for (i, j), value in np.ndenumerate(kernel):
                text = f"{value:g}" if float(value).is_integer() else f"{value:.2f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=9)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def _colour_map(cmap):
    import matplotlib

    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise ValueError(
            f"cmap must be the name of a matplotlib colour map such as 'gray', got {describe(cmap)}."
        )
    return cmap


CMAP = Satisfies(
    _colour_map, "the name of a matplotlib colour map such as 'gray'", valid="gray", invalid=["grey scale", 3]
)
"""A colour map's name."""


def _drawn_image(image) -> np.ndarray:
    """An image as drawn: a 2-D map of numbers, or an RGB image scaled to 0-1 (:func:`pixel_scale`)."""
    try:
        shape = np.shape(image)
    except (TypeError, ValueError):
        shape = None
    if (
        shape is None
        or len(shape) not in (2, 3)
        or (len(shape) == 3 and shape[2] not in (1, 3))
        or 0 in shape
    ):
        raise ValueError(
            "image must have shape (height, width) or (height, width, 3), "
            f"got {describe(image) if shape is None else shape}."
        )
    if len(shape) == 3 and shape[2] == 3:
        white = pixel_scale("image", image)
        return np.asarray(image).astype(float) / white
    return _as_maps("image", np.asarray(image).reshape(shape[:2]))[0]


IMAGE = Satisfies(
    _drawn_image,
    "an image of shape (height, width) or (height, width, 3)",
    valid=lambda: np.zeros((6, 6)),
    invalid=[np.zeros(3), np.zeros((2, 2, 2)), np.zeros((0, 2)), np.full((2, 2, 3), 300.0)],
)
"""The image :func:`show_feature_maps` draws first, as drawn (RGB scaled to 0-1)."""


@validate_arguments(image=IMAGE, maps=_maps("maps"), image_title=Text(), size=SIZE, cmap=CMAP)
def show_feature_maps(image, maps, titles=None, image_title="input", size=2.6, cmap="gray"):
    """Draw an image and its feature maps side by side.

    Each map gets its own grey scale (dark = low, light = high), so a map's structure
    shows even when its values are small; the colour bar under each map gives its range.

    Parameters
    ----------
    image : array_like of shape (height, width) or (height, width, 3)
        The input, drawn first. An RGB image with values 0-255 or 0-1 is drawn in colour.
    maps : array_like or list of array_like
        One 2-D map, a ``(height, width, n)`` stack (for example one image of a
        ``conv2d`` output) or a list of 2-D maps.
    titles : list of str, optional
        One title per map.
    image_title : str, default='input'
    size : float, default=2.6
        Width in inches of each picture.
    cmap : str, default='gray'
        Colour map for the feature maps.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((8, 8)); image[:, 4:] = 1
    >>> fig = show_feature_maps(image, np.stack([image, 1 - image], axis=-1), titles=["a", "b"])
    >>> len(fig.axes)  # the image, 2 maps and 3 colour bars (the image's is hidden)
    6
    >>> plt.close(fig)
    >>> show_feature_maps(image, np.zeros((4, 4, 2)), titles=["only one title"])
    Traceback (most recent call last):
    ...
    ValueError: titles must hold 2 names, one per map in maps, got 1.
    """
    titles = _titles(titles, len(maps), "map")
    count = len(maps) + 1
    fig, axes = plt.subplots(
        1, count, figsize=figure_size(size * count, size + 0.6, "size", size), squeeze=False
    )
    axes = axes[0]
    if image.ndim == 3:  # an RGB image
        axes[0].imshow(image)
    else:
        axes[0].imshow(image, cmap="gray")
    axes[0].set_title(image_title, fontsize=10)
    # An invisible colour bar under the image keeps it the same size as the maps.
    spacer = fig.colorbar(axes[0].images[0], ax=axes[0], orientation="horizontal", fraction=0.05, pad=0.04)
    spacer.ax.set_visible(False)
    for ax, feature_map, title in zip(axes[1:], maps, titles, strict=True):
        picture = ax.imshow(feature_map, cmap=cmap)
        fig.colorbar(picture, ax=ax, orientation="horizontal", fraction=0.05, pad=0.04)
        ax.set_title(title, fontsize=10)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
