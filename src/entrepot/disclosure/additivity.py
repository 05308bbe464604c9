"""Secondary suppression for a two-way table published with its margins.

The table is a grid of (R+1) × (C+1) cells: the interior, the row totals in the last
column, the column totals in the last row and the grand total in the corner. Every row of
the grid sums to its last cell and every column to its last cell: R+C+2 linear equations.
A reader who knows the published cells can solve these equations for the masked ones.

A masked cell is *determined* when its value follows from the published cells whatever the
other masked cells hold: exactly when its unit vector lies in the row space of the
equations restricted to the masked cells. `determined` tests that with numpy.

Seen as a graph, each cell is an edge between its grid row and its grid column (every cell
appears in exactly those two equations), and a masked cell is determined exactly when it is
a bridge of the graph of masked cells. `secondary_suppression` uses that to choose what to
mask: for a determined cell, the cheapest path between its row and its column through cells
other than itself closes a cycle around it. The cost of a path is the total count it masks
(published cells that are masked already cost nothing), so the least information is lost.
A path always exists: the non-zero cells of an additive table form a circulation, in which
every non-zero cell lies on a cycle of non-zero cells, so zeros never need masking.
"""

from __future__ import annotations

import heapq

import numpy as np

#: Singular values and projections below this are zero: the equations have coefficients
#: 0, 1 and -1, so rounding errors sit many orders of magnitude below it.
TOLERANCE = 1e-8


def equations(shape: tuple[int, int]) -> np.ndarray:
    """The additivity equations of a grid of `shape` (margins included), one per row.

    Columns are the grid's cells in row-major order.
    """
    rows, columns = shape
    matrix = np.zeros((rows + columns, rows * columns))
    cells = np.arange(rows * columns).reshape(shape)
    for i in range(rows):
        matrix[i, cells[i, :-1]] = 1
        matrix[i, cells[i, -1]] = -1
    for j in range(columns):
        matrix[rows + j, cells[:-1, j]] = 1
        matrix[rows + j, cells[-1, j]] = -1
    return matrix


def determined(masked: np.ndarray) -> np.ndarray:
    """Which masked cells of the grid the published ones and the equations determine.

    `masked` is a boolean grid; the answer is a boolean grid, True only on masked cells.
    """
    answer = np.zeros(masked.shape, dtype=bool)
    unknowns = np.flatnonzero(masked)
    if unknowns.size == 0:
        return answer
    restricted = equations(masked.shape)[:, unknowns]
    _, singular, right = np.linalg.svd(restricted, full_matrices=False)
    row_space = right[singular > TOLERANCE]
    # A unit vector lies in the row space when its projection on it keeps its full length.
    projection = (row_space**2).sum(axis=0)
    answer.flat[unknowns] = projection > 1 - TOLERANCE
    return answer


def secondary_suppression(grid: np.ndarray, primary: np.ndarray) -> np.ndarray:
    """The cells to mask so that no masked cell is determined, starting from `primary`.

    `grid` holds the counts with their margins; `primary` must mask only non-zero cells.
    Determined cells are protected one at a time, the first in row-major order each time,
    until none is left.
    """
    masked = primary.copy()
    while (fixed := np.argwhere(determined(masked))).size:
        row, column = fixed[0]
        path = _cheapest_cycle(grid, masked, row, column)
        if not path or all(masked[cell] for cell in path):
            # Cannot happen for an additive table of non-negative counts (see above).
            raise RuntimeError(f"no new cell can protect cell {(row, column)}")
        for cell in path:
            masked[cell] = True
    return masked


def _cheapest_cycle(
    grid: np.ndarray, masked: np.ndarray, row: int, column: int
) -> list[tuple[int, int]]:
    """The cells of the cheapest path from grid row `row` to grid column `column` that
    avoids the cell between them; empty if there is none.

    Nodes are ("r", i) and ("c", j); a cell (i, j) joins them. Its cost is (count, 1) when
    published and non-zero, (0, 0) when masked; zeros are not used. Costs compare count
    first, then the number of newly masked cells, then the path's cells, so ties resolve the
    same way on every run.
    """
    start, goal = ("r", row), ("c", column)
    best: dict[tuple[str, int], tuple[int, int]] = {start: (0, 0)}
    queue: list[tuple[int, int, list[tuple[int, int]], tuple[str, int]]] = [(0, 0, [], start)]
    while queue:
        count, cells, path, node = heapq.heappop(queue)
        if node == goal:
            return path
        if best.get(node, (count, cells)) < (count, cells):
            continue
        kind, index = node
        neighbours = range(grid.shape[1]) if kind == "r" else range(grid.shape[0])
        for other in neighbours:
            cell = (index, other) if kind == "r" else (other, index)
            if cell == (row, column) or (not masked[cell] and grid[cell] == 0):
                continue
            step = (0, 0) if masked[cell] else (int(grid[cell]), 1)
            cost = (count + step[0], cells + step[1])
            target = ("c", other) if kind == "r" else ("r", other)
            if cost < best.get(target, (np.iinfo(np.int64).max, 0)):
                best[target] = cost
                heapq.heappush(queue, (*cost, [*path, cell], target))
    return []
