"""Group nearby points into places: "the same spot" as a walk group would point it out.

Used by the gender and age lens to find places that several participant groups marked
(docs/decisions/0104-gender-age-lens.md). Complete linkage, not single linkage: a place never grows into a
chain along a street where observations lie every 20 m, because every two points of a place are at most
``2 * radius_m`` apart.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.cluster.hierarchy import fcluster, linkage


def places(x: ArrayLike, y: ArrayLike, *, radius_m: float) -> NDArray[np.int64]:
    """Label points (metres, e.g. SWEREF 99 TM) so that points with one label lie within ``2 * radius_m``
    of each other (complete linkage). Labels run 0, 1, 2, … in order of first appearance.

    Parameters
    ----------
    x, y
        Coordinates in a projected CRS, metres.
    radius_m
        Half the largest distance between two points of one place.

    Returns
    -------
    numpy.ndarray
        One integer label per point.

    Examples
    --------
    Three points 20 m apart in a row and one 500 m away: with a 25 m radius the row is one place. Four
    points 20 m apart span 60 m, more than 50 m, so they do not chain into one place but split in two.

    >>> places([0, 20, 40, 500], [0, 0, 0, 0], radius_m=25).tolist()
    [0, 0, 0, 1]
    >>> places([0, 20, 40, 60], [0, 0, 0, 0], radius_m=25).tolist()
    [0, 0, 1, 1]
    >>> places([], [], radius_m=25).tolist(), places([5], [5], radius_m=25).tolist()
    ([], [0])
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("x and y must be one-dimensional and of the same length")
    if radius_m <= 0:
        raise ValueError("radius_m must be positive")
    n = xs.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    tree = linkage(np.column_stack([xs, ys]), method="complete", metric="euclidean")
    raw = fcluster(tree, t=2 * radius_m, criterion="distance")
    # Renumber in order of first appearance, so labels do not depend on scipy's numbering.
    order: dict[int, int] = {}
    return np.array([order.setdefault(int(r), len(order)) for r in raw], dtype=np.int64)
