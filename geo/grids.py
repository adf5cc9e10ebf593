"""Fixed square grids in SWEREF 99 TM.

Cells are aligned to multiples of the cell size from the CRS origin, so a cell is the same for every
user and every request: nobody can move a cell to single out an address (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Grid:
    """A regular grid: lower-left corner (x0, y0), ``nx`` × ``ny`` cells of ``cell_m`` metres.

    Row 0 is the southernmost row (y grows with the row index); rasters written north-up flip it.
    """

    x0: float
    y0: float
    cell_m: float
    nx: int
    ny: int

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], cell_m: float) -> Grid:
        """The smallest grid aligned to multiples of ``cell_m`` that covers ``bounds`` (minx, miny, maxx, maxy).

        >>> g = Grid.covering((1010.0, 2020.0, 1490.0, 2260.0), 250)
        >>> (g.x0, g.y0, g.nx, g.ny)
        (1000.0, 2000.0, 2, 2)
        """
        minx, miny, maxx, maxy = bounds
        if not (maxx >= minx and maxy >= miny) or cell_m <= 0:
            raise ValueError("bounds must be ordered and the cell size positive")
        x0 = np.floor(minx / cell_m) * cell_m
        y0 = np.floor(miny / cell_m) * cell_m
        nx = max(1, int(np.ceil((maxx - x0) / cell_m)))
        ny = max(1, int(np.ceil((maxy - y0) / cell_m)))
        if x0 + nx * cell_m <= maxx:
            nx += 1
        if y0 + ny * cell_m <= maxy:
            ny += 1
        return cls(float(x0), float(y0), float(cell_m), nx, ny)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) = (ny, nx), numpy order."""
        return self.ny, self.nx

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.x0, self.y0, self.x0 + self.nx * self.cell_m, self.y0 + self.ny * self.cell_m

    def cell_index(
        self, x: ArrayLike, y: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
        """Row and column of each point, and whether it falls on the grid.

        >>> g = Grid(0.0, 0.0, 100.0, 3, 2)
        >>> rows, cols, inside = g.cell_index([50, 250, 350], [50, 150, 50])
        >>> rows.tolist(), cols.tolist(), inside.tolist()
        ([0, 1, 0], [0, 2, 3], [True, True, False])
        """
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        cols = np.floor((xa - self.x0) / self.cell_m).astype(np.int64)
        rows = np.floor((ya - self.y0) / self.cell_m).astype(np.int64)
        inside = (cols >= 0) & (cols < self.nx) & (rows >= 0) & (rows < self.ny)
        return rows, cols, inside

    def counts(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """Points per cell, shape (ny, nx)."""
        rows, cols, inside = self.cell_index(x, y)
        flat = rows[inside] * self.nx + cols[inside]
        return (
            np.bincount(flat, minlength=self.nx * self.ny)
            .reshape(self.ny, self.nx)
            .astype(np.int64)
        )

    def window(self, bounds: tuple[float, float, float, float]) -> tuple[Grid, slice, slice] | None:
        """The part of the grid whose cells touch ``bounds`` (minx, miny, maxx, maxy): the sub-grid and the
        row and column slices that cut it from an array of this grid's shape; None when they do not meet.

        >>> g = Grid(0.0, 0.0, 100.0, 10, 8)
        >>> sub, rows, cols = g.window((250.0, 120.0, 420.0, 300.0))
        >>> (sub.x0, sub.y0, sub.nx, sub.ny), (rows.start, rows.stop), (cols.start, cols.stop)
        ((200.0, 100.0, 3, 2), (1, 3), (2, 5))
        >>> g.window((5000.0, 0.0, 6000.0, 10.0)) is None
        True
        """
        minx, miny, maxx, maxy = bounds
        c0 = max(0, int(np.floor((minx - self.x0) / self.cell_m)))
        r0 = max(0, int(np.floor((miny - self.y0) / self.cell_m)))
        c1 = min(self.nx, int(np.ceil((maxx - self.x0) / self.cell_m)))
        r1 = min(self.ny, int(np.ceil((maxy - self.y0) / self.cell_m)))
        if c0 >= c1 or r0 >= r1:
            return None
        sub = Grid(
            self.x0 + c0 * self.cell_m, self.y0 + r0 * self.cell_m, self.cell_m, c1 - c0, r1 - r0
        )
        return sub, slice(r0, r1), slice(c0, c1)

    def cell_centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """x and y of every cell centre, each of shape (ny, nx)."""
        xs = self.x0 + (np.arange(self.nx) + 0.5) * self.cell_m
        ys = self.y0 + (np.arange(self.ny) + 0.5) * self.cell_m
        return np.meshgrid(xs, ys)


def suppress_small(counts: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    """Zero every cell with fewer than ``k`` (but more than 0) points: too few to show without singling someone out.

    >>> suppress_small(np.array([[0, 1, 4], [5, 9, 2]]), 5).tolist()
    [[0, 0, 0], [5, 9, 0]]
    """
    out = counts.copy()
    out[out < k] = 0
    return out
