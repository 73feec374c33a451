"""Point -> unit grid lookup: PlaceIndex against a naive per-point Shapely loop.

Run from the repository root:

    .venv/bin/python bench/grid_lookup.py [--points 1000000] [--repeats 5]

Two cases: the demo district's unit grids (zhili.demo.generator) and 20,000
synthetic grids (Voronoi cells of random seeds over a 30 km square, clipped
to it).  Query points are 90 % uniform over the union of the grids and
10 % uniform over its bounding box widened by 10 % on each side, so some fall
outside every grid.  The naive loop asks an
STRtree for each point in turn (``tree.query(Point, predicate="within")``),
as a view handling one report at a time would; it runs on a sample and its
rate is extrapolated.  The fast answers must equal the naive ones on that
sample.  For context the bulk, vectorised ``STRtree.query`` is timed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zhili.places.lookup import PlaceIndex  # noqa: E402

SEED = 2017


def synthetic_grids(n: int, seed: int, km: float = 30.0) -> tuple[list[str], np.ndarray]:
    """Voronoi cells of ``n`` random points over a ``km`` square near Foshan."""
    rng = np.random.default_rng(seed)
    lon0, lat0 = 112.9, 22.8
    w = km / (111.32 * np.cos(np.radians(lat0)))
    h = km / 110.57
    frame = shapely.box(lon0, lat0, lon0 + w, lat0 + h)
    seeds = shapely.multipoints(
        np.c_[rng.uniform(lon0, lon0 + w, n), rng.uniform(lat0, lat0 + h, n)]
    )
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame
    )
    # 6 county + 3 street + 3 community + 3 sequence, 100 grids a community.
    codes = [
        f"440699{1 + i // 2000:03d}{1 + (i // 100) % 20:03d}{1 + i % 100:03d}" for i in range(n)
    ]
    return codes, cells


def demo_grids() -> tuple[list[str], list[shapely.Geometry]] | str:
    """The demo district's grids, or why they are not available."""
    try:
        from zhili.demo.generator import generate
    except ImportError as exc:
        return f"zhili.demo.generator is not available ({exc})"
    district = generate(SEED)
    return [g.code for g in district.grids], [g.polygon for g in district.grids]


def query_points(polys, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """90 % uniform over the grids' union, 10 % over its box widened by 10 %."""
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    rng = np.random.default_rng(seed)
    union = shapely.coverage_union_all(polys)
    shapely.prepare(union)
    n_in = int(n * 0.9)
    xs, ys, got = [], [], 0
    while got < n_in:
        x, y = rng.uniform(x0, x1, n_in), rng.uniform(y0, y1, n_in)
        keep = shapely.contains_xy(union, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        got += int(keep.sum())
    mx, my = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
    xs.append(rng.uniform(x0 - mx, x1 + mx, n - n_in))
    ys.append(rng.uniform(y0 - my, y1 + my, n - n_in))
    x, y = np.concatenate(xs)[-n:], np.concatenate(ys)[-n:]
    order = rng.permutation(n)
    return x[order], y[order]


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def naive_loop(tree: shapely.STRtree, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.full(x.size, -1, dtype=np.intp)
    for i, (px, py) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
        hits = tree.query(shapely.Point(px, py), predicate="within")
        if hits.size:
            out[i] = hits[0]
    return out


def bench(label: str, codes, polys, n_points: int, repeats: int, sample: int) -> bool:
    polys = np.asarray(polys, dtype=object)
    t = time.perf_counter()
    index = PlaceIndex.build(codes, polys)
    build = time.perf_counter() - t
    info = index.describe()

    x, y = query_points(polys, n_points, seed=len(polys))
    index.lookup(x[:1000], y[:1000])  # warm-up
    fast_s = median_time(lambda: index.lookup(x, y), repeats)
    result = index.lookup(x, y)
    fast_rate = n_points / fast_s
    outside = float(np.mean(result < 0))

    tree = shapely.STRtree(polys)
    sx, sy = x[:sample], y[:sample]
    naive_loop(tree, sx[:200], sy[:200])  # warm-up (prepares the geometries)
    t = time.perf_counter()
    naive = naive_loop(tree, sx, sy)
    naive_rate = sample / (time.perf_counter() - t)

    bulk_n = min(n_points, 200_000)
    bulk_pts = shapely.points(x[:bulk_n], y[:bulk_n])
    bulk_s = median_time(lambda: tree.query(bulk_pts, predicate="within"), max(1, repeats // 2))
    bulk_rate = bulk_n / bulk_s

    agree = int(np.sum(naive == result[:sample]))
    ok = agree == sample
    print(
        f"{label} ({len(polys):,}): {fast_rate:,.0f} points/s (median of {repeats}, "
        f"{n_points:,} points, {outside:.0%} outside), naive loop {naive_rate:,.0f} points/s, "
        f"ratio {fast_rate / naive_rate:,.0f}x"
    )
    print(
        f"    build {build:.2f} s; raster {info['nx']}x{info['ny']} cells, "
        f"{info['boundary_share']:.0%} boundary, "
        f"{info['candidates_per_boundary_cell']:.1f} candidates per boundary cell; "
        f"bulk STRtree.query {bulk_rate:,.0f} points/s ({fast_rate / bulk_rate:,.0f}x slower than PlaceIndex)"
    )
    print(
        f"    naive loop on a {sample:,}-point sample agrees with PlaceIndex: "
        f"{agree:,}/{sample:,} {'OK' if ok else 'MISMATCH'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sample", type=int, default=20_000, help="points for the naive loop")
    ap.add_argument("--synthetic", type=int, default=20_000, help="number of synthetic grids")
    args = ap.parse_args(argv)

    print(
        f"grid lookup bench: Python {platform.python_version()}, NumPy {np.__version__}, "
        f"Shapely {shapely.__version__}, {os.cpu_count()} CPUs, single thread"
    )
    ok = True
    t = time.perf_counter()
    demo = demo_grids()
    if isinstance(demo, str):
        print(f"demo grids: SKIPPED, {demo}")
    else:
        print(f"demo district generated in {time.perf_counter() - t:.1f} s (seed {SEED})")
        ok &= bench("demo grids", *demo, args.points, args.repeats, args.sample)

    codes, polys = synthetic_grids(args.synthetic, seed=1)
    ok &= bench("synthetic grids", codes, polys, args.points, args.repeats, args.sample)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
