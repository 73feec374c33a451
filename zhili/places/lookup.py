"""Point -> unit grid lookup for millions of points per second.

MapIt keeps point-in-area fast by pre-splitting large polygons; we do the
same with a regular raster laid over the grids' bounding box:

* Every cell that some polygon edge passes through (or comes within a hair
  of) is a *boundary* cell and keeps a short list of candidate polygons:
  those with an edge in it.
* Every other cell lies wholly inside one polygon or wholly outside all of
  them.  Such cells form connected regions (4-neighbourhood) that no edge
  crosses, so one point-in-polygon test per region settles all its cells.

A query turns lon/lat into a cell number with integer arithmetic, reads the
answer for interior and outside cells, and settles points in boundary cells
with Shapely's exact ``contains_xy`` against the cell's candidates, the one
holding the cell's centre first.  Cells are sized so a median polygon's box
spans ``cells_across`` (10) cells each way, which leaves a fifth to a third of
the points for the exact test (about 2 candidates per boundary cell); finer
cells gain speed slowly while build time and memory grow with their square.

Edges are assigned to cells in NumPy (each edge is cut into pieces no longer
than a cell; a cell is marked when a piece's padded box overlaps it and the
edge's line crosses it), so building for 20,000 grids takes about a second.
See bench/grid_lookup.py for the figures.

Assumption: the polygons do not overlap, as unit grids tile their district
without gaps or overlaps (GB/T 30428.1).  Under that assumption every
polygon that meets a boundary cell has an edge in it, so the candidate
lists are complete.  Points on an edge shared by two grids go to one of
them; points on the outer boundary of the union may be -1 or not.

This module is pure: no Django, so it can be loaded by workers and benches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy import ndimage

__all__ = ["PlaceIndex"]

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

# Lengths of the code prefixes (see places.models): county 6, street 9,
# community 12, unit grid 15.
_PREFIXES = {"district": 6, "street": 9, "community": 12}

# Padding of every cell, in cell widths, when deciding which cells an edge
# touches.  It only has to exceed the rounding of the cell arithmetic
# (~1e-12 cell for rasters of a few thousand cells a side); anything larger
# merely turns a few more cells into boundary cells.
_PAD = 1e-6


@dataclass(frozen=True)
class _Raster:
    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int
    # Bounds of the union of the polygons; outside them every answer is -1.
    minx: float
    miny: float
    maxx: float
    maxy: float


class PlaceIndex:
    """Which polygon (unit grid) contains each point; see the module docstring."""

    def __init__(
        self,
        codes: npt.NDArray[np.object_],
        polygons: npt.NDArray[np.object_],
        raster: _Raster | None,
        cell_value: npt.NDArray[np.int32],
        cand_start: IntArray,
        cand_poly: IntArray,
    ) -> None:
        # Use PlaceIndex.build(); this stores precomputed arrays.
        self._codes = codes
        self._polygons = polygons
        self._raster = raster
        # >= 0: inside that polygon; -1: outside all; <= -2: boundary cell
        # number -2 - value, whose candidates are
        # cand_poly[cand_start[b]:cand_start[b + 1]].
        self._cell_value = cell_value
        self._cand_start = cand_start
        self._cand_poly = cand_poly
        # The answer arrays carry an extra '' at the end, so index -1 reads it.
        self._grid = np.array([*codes.tolist(), ""], dtype=object)
        self._levels = {
            level: np.array(
                [c[:n] if len(c) >= n else "" for c in codes.tolist()] + [""], dtype=object
            )
            for level, n in _PREFIXES.items()
        }

    # -- building ------------------------------------------------------------

    @classmethod
    def build(
        cls,
        codes: Sequence[str],
        polygons: Sequence[shapely.Polygon | shapely.MultiPolygon],
        *,
        cells_across: float = 10.0,
        max_cells: int = 4_000_000,
    ) -> PlaceIndex:
        """Index ``polygons`` (lon/lat), answering with their position and ``codes``.

        ``cells_across`` is the number of raster cells across a median
        polygon; ``max_cells`` bounds the raster (4 bytes a cell).
        """
        code_arr = np.array([str(c) for c in codes], dtype=object)
        polys = np.empty(len(polygons), dtype=object)
        polys[:] = list(polygons)
        if len(code_arr) != len(polys):
            raise ValueError(f"{len(code_arr)} codes for {len(polys)} polygons")
        kinds = shapely.get_type_id(polys) if len(polys) else np.empty(0, dtype=int)
        bad = ~np.isin(kinds, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise TypeError(f"geometry {i} ({code_arr[i]}) is not a Polygon or MultiPolygon")
        shapely.prepare(polys)

        live = np.flatnonzero(~shapely.is_empty(polys)) if len(polys) else np.empty(0, np.intp)
        empty_index = cls(
            code_arr, polys, None, np.empty(0, np.int32), np.zeros(1, np.intp), np.empty(0, np.intp)
        )
        if live.size == 0:
            return empty_index

        bounds = shapely.bounds(polys[live])
        minx, miny = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        maxx, maxy = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        width, height = maxx - minx, maxy - miny
        span = max(width, height, 1e-9)
        # Cell size from the median polygon's box, so a typical polygon is
        # `cells_across` cells wide and high whatever its aspect.
        dx = float(np.median(bounds[:, 2] - bounds[:, 0])) / cells_across
        dy = float(np.median(bounds[:, 3] - bounds[:, 1])) / cells_across
        dx = max(dx, span * 1e-7)
        dy = max(dy, span * 1e-7)
        nx, ny = max(1, int(np.ceil(width / dx))), max(1, int(np.ceil(height / dy)))
        if nx * ny > max_cells:
            scale = float(np.sqrt(nx * ny / max_cells))
            dx, dy = dx * scale, dy * scale
            nx, ny = max(1, int(np.ceil(width / dx))), max(1, int(np.ceil(height / dy)))
            while nx * ny > max_cells:
                dx, dy = dx * 1.01, dy * 1.01
                nx, ny = max(1, int(np.ceil(width / dx))), max(1, int(np.ceil(height / dy)))
        raster = _Raster(minx, miny, dx, dy, nx, ny, minx, miny, maxx, maxy)

        ax, ay, bx, by, edge_poly = _edges(polys)
        cells, cell_poly = _cells_touched(raster, ax, ay, bx, by, edge_poly)

        n_cells = nx * ny
        boundary = np.zeros(n_cells, dtype=bool)
        boundary[cells] = True
        cell_value = np.full(n_cells, -1, dtype=np.int32)

        # Regions of edge-free cells: one test per region.
        labels, n_regions = ndimage.label(~boundary.reshape(ny, nx))
        labels = labels.ravel()
        if n_regions:
            uniq, first = np.unique(labels, return_index=True)
            keep = uniq > 0
            uniq, first = uniq[keep], first[keep]
            cx = minx + (first % nx + 0.5) * dx
            cy = miny + (first // nx + 0.5) * dy
            tree = shapely.STRtree(polys)
            pt_i, poly_i = tree.query(shapely.points(cx, cy), predicate="within")
            region_value = np.full(n_regions + 1, -1, dtype=np.int32)
            region_value[uniq[pt_i]] = poly_i
            cell_value = region_value[labels]

        # Candidates of boundary cells: (cell, polygon) pairs, deduplicated,
        # the polygon containing the cell centre first (it most often wins).
        b_cells = np.flatnonzero(boundary)
        b_number = np.full(n_cells, -1, dtype=np.intp)
        b_number[b_cells] = np.arange(b_cells.size)
        key = np.unique(b_number[cells] * len(polys) + cell_poly)
        pair_b, pair_poly = key // len(polys), key % len(polys)
        pcell = b_cells[pair_b]
        pcx = minx + (pcell % nx + 0.5) * dx
        pcy = miny + (pcell // nx + 0.5) * dy
        centre_in = shapely.contains_xy(polys[pair_poly], pcx, pcy)
        order = np.lexsort((~centre_in, pair_b))
        pair_b, pair_poly = pair_b[order], pair_poly[order]
        cand_start = np.zeros(b_cells.size + 1, dtype=np.intp)
        np.cumsum(np.bincount(pair_b, minlength=b_cells.size), out=cand_start[1:])
        cell_value[b_cells] = -2 - np.arange(b_cells.size, dtype=np.int32)
        return cls(code_arr, polys, raster, cell_value, cand_start, pair_poly.astype(np.intp))

    # -- queries ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._polygons)

    @property
    def codes(self) -> npt.NDArray[np.object_]:
        return self._codes

    @property
    def polygons(self) -> npt.NDArray[np.object_]:
        return self._polygons

    def lookup(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> IntArray:
        """Index of the polygon containing each point, -1 where none does."""
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        if x.shape != y.shape:
            x, y = np.broadcast_arrays(x, y)
        shape = x.shape
        x, y = x.ravel(), y.ravel()
        r = self._raster
        if r is None or x.size == 0:
            return np.full(shape, -1, dtype=np.intp)

        inside = (x >= r.minx) & (x <= r.maxx) & (y >= r.miny) & (y <= r.maxy)
        # fmax/fmin (unlike clip) also send NaN to a valid cell; such points
        # are dropped by `inside` below.
        fx = (x - r.x0) * (1.0 / r.dx)
        np.fmin(np.fmax(fx, 0.0, out=fx), r.nx - 1, out=fx)
        fy = (y - r.y0) * (1.0 / r.dy)
        np.fmin(np.fmax(fy, 0.0, out=fy), r.ny - 1, out=fy)
        cell = fy.astype(np.intp)
        cell *= r.nx
        cell += fx.astype(np.intp)
        result = self._cell_value[cell].astype(np.intp)
        result[~inside] = -1

        pts = np.flatnonzero(result <= -2)
        if pts.size:
            result[pts] = self._resolve(pts, -2 - result[pts], x, y)
        return result.reshape(shape)

    def _resolve(self, pts: IntArray, bcell: IntArray, x: FloatArray, y: FloatArray) -> IntArray:
        """Exact answers for points in boundary cells, candidates in turn."""
        start = self._cand_start[bcell]
        count = self._cand_start[bcell + 1] - start
        out = np.full(pts.size, -1, dtype=np.intp)
        px, py = x[pts], y[pts]
        todo = np.flatnonzero(count > 0)
        rank = 0
        while todo.size:
            cand = self._cand_poly[start[todo] + rank]
            hit = shapely.contains_xy(self._polygons[cand], px[todo], py[todo])
            out[todo[hit]] = cand[hit]
            rank += 1
            todo = todo[~hit & (count[todo] > rank)]

        # A point exactly on an edge is contained by neither neighbour; with
        # two or more candidates it may lie on a shared edge, so take the
        # first candidate whose closure holds it.  (With one candidate the
        # edge is on the outside of the union.)
        todo = np.flatnonzero((out < 0) & (count > 1))
        rank = 0
        while todo.size:
            cand = self._cand_poly[start[todo] + rank]
            hit = shapely.intersects_xy(self._polygons[cand], px[todo], py[todo])
            out[todo[hit]] = cand[hit]
            rank += 1
            todo = todo[~hit & (count[todo] > rank)]
        return out

    def codes_for(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Grid code of the containing polygon for each point, '' where none."""
        return self._grid[self.lookup(lon, lat)]

    def hierarchy_for(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> dict[str, npt.NDArray[np.object_]]:
        """Grid, community, street and district codes ('' where none).

        The levels are the code's prefixes (6 county + 3 street + 3
        community + 3 sequence); a code too short for a level gives ''.
        """
        idx = self.lookup(lon, lat)
        out = {"grid": self._grid[idx]}
        for level in ("community", "street", "district"):
            out[level] = self._levels[level][idx]
        return out

    def lookup_one(self, lon: float, lat: float) -> str | None:
        """Code of the polygon containing one point, or None."""
        i = int(self.lookup(np.array([lon]), np.array([lat]))[0])
        return None if i < 0 else str(self._codes[i])

    def describe(self) -> dict[str, float]:
        """Raster size and shares, for benches and logs."""
        r = self._raster
        if r is None:
            return {"polygons": len(self), "cells": 0}
        v = self._cell_value
        return {
            "polygons": len(self),
            "cells": int(v.size),
            "nx": r.nx,
            "ny": r.ny,
            "boundary_share": float(np.mean(v <= -2)),
            "interior_share": float(np.mean(v >= 0)),
            "candidates_per_boundary_cell": float(
                self._cand_poly.size / max(1, self._cand_start.size - 1)
            ),
        }


def _edges(
    polys: npt.NDArray[np.object_],
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """All ring edges as endpoint arrays, with the index of their polygon."""
    parts, part_poly = shapely.get_parts(polys, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[:-1] == ring_of[1:]
    a = xy[:-1][same]
    b = xy[1:][same]
    edge_poly = part_poly[ring_part[ring_of[:-1][same]]]
    return a[:, 0], a[:, 1], b[:, 0], b[:, 1], edge_poly.astype(np.intp)


def _cells_touched(
    r: _Raster, ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray, edge_poly: IntArray
) -> tuple[IntArray, IntArray]:
    """(cell, polygon) for every cell an edge touches, cells padded by _PAD.

    The list may hold extra cells (it is conservative) but never misses one.
    """
    # Work in cell units.
    u0, v0 = (ax - r.x0) / r.dx, (ay - r.y0) / r.dy
    u1, v1 = (bx - r.x0) / r.dx, (by - r.y0) / r.dy
    du, dv = u1 - u0, v1 - v0
    # Pieces no longer than one cell along either axis.
    n_pieces = (np.floor(np.maximum(np.abs(du), np.abs(dv))) + 1).astype(np.intp)
    edge = np.repeat(np.arange(du.size), n_pieces)
    first = np.cumsum(n_pieces) - n_pieces
    k = np.arange(edge.size) - np.repeat(first, n_pieces)
    n = n_pieces[edge]
    t0, t1 = k / n, (k + 1) / n
    pu0, pu1 = u0[edge] + t0 * du[edge], u0[edge] + t1 * du[edge]
    pv0, pv1 = v0[edge] + t0 * dv[edge], v0[edge] + t1 * dv[edge]
    # The pieces' end points are rounded, so pad by more than that rounding.
    i_lo = np.floor(np.minimum(pu0, pu1) - _PAD).astype(np.intp)
    i_hi = np.floor(np.maximum(pu0, pu1) + _PAD).astype(np.intp)
    j_lo = np.floor(np.minimum(pv0, pv1) - _PAD).astype(np.intp)
    j_hi = np.floor(np.maximum(pv0, pv1) + _PAD).astype(np.intp)
    np.clip(i_lo, 0, r.nx - 1, out=i_lo)
    np.clip(i_hi, 0, r.nx - 1, out=i_hi)
    np.clip(j_lo, 0, r.ny - 1, out=j_lo)
    np.clip(j_hi, 0, r.ny - 1, out=j_hi)
    wi, wj = i_hi - i_lo + 1, j_hi - j_lo + 1
    per = wi * wj
    piece = np.repeat(np.arange(per.size), per)
    off = np.arange(piece.size) - np.repeat(np.cumsum(per) - per, per)
    ci = i_lo[piece] + off % wi[piece]
    cj = j_lo[piece] + off // wi[piece]
    e = edge[piece]
    # Drop cells the edge's line misses: all four padded corners on one side.
    eu, ev, edu, edv = u0[e], v0[e], du[e], dv[e]
    lo_u, hi_u = ci - _PAD - eu, ci + 1 + _PAD - eu
    lo_v, hi_v = cj - _PAD - ev, cj + 1 + _PAD - ev
    s1 = edu * lo_v - edv * lo_u
    s2 = edu * lo_v - edv * hi_u
    s3 = edu * hi_v - edv * lo_u
    s4 = edu * hi_v - edv * hi_u
    smin = np.minimum(np.minimum(s1, s2), np.minimum(s3, s4))
    smax = np.maximum(np.maximum(s1, s2), np.maximum(s3, s4))
    hit = (smin <= 0) & (smax >= 0)
    cell = cj[hit] * r.nx + ci[hit]
    return cell, edge_poly[e[hit]]
