"""Conversions between WGS84/CGCS2000, GCJ-02 and BD-09 longitude/latitude.

Chinese web maps do not report WGS84.  Amap (Gaode), Tencent and WeChat's
location API return GCJ-02, the datum mandated by the 2002 surveying rules,
which adds a smooth, deliberately non-linear offset of a few hundred metres;
Baidu adds its own BD-09 twist on top of GCJ-02.  Citizen reports arrive in
all three, while our geometries are stored in CGCS2000, which agrees with
WGS84 to well under a metre, so both names map to the same datum here.

The GCJ-02 forward formula is the one reverse-engineered from the leaked
reference implementation and used by every open-source converter
(eviltransform, coordtransform): Krasovsky 1940 ellipsoid constants and a
sum of sines around (105°E, 35°N).  BD-09 is GCJ-02 rotated and scaled
slightly about the origin and shifted by (0.0065°, 0.006°).

Neither has a closed-form inverse.  The usual one-step approximation
(``2*g - f(g)``) is off by up to a few metres, so the inverses here solve
``f(w) = g`` by fixed-point iteration ``w <- w - (f(w) - g)``: the offset's
Jacobian is of order 1e-3, so each step gains about three digits and a few
steps reach 1e-10° (about 10 µm).

Outside mainland China the offset is not applied.  We use the rectangle in
coordtransform (wandergis/coordtransform ``out_of_china``): a point is
outside when ``lon < 72.004 or lon > 137.8347 or lat < 0.8293 or lat >
55.8271``.  It is a bounding box, not a border, so it treats e.g. Seoul or
Hanoi as "China" exactly as Amap's converters do; the BD-09 step is always
applied, as Baidu does.  For the inverse the box is tested on the GCJ-02
input, so a point within a few hundred metres inside the box edge may not
round-trip; the box edges lie in Russia, Kazakhstan and the open sea.

All functions take scalars or array-likes of any (broadcastable) shape and
return float64 arrays; ``convert_point`` is the scalar convenience wrapper.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = [
    "DATUMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert",
    "convert_point",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
Pair = tuple[FloatArray, FloatArray]
_Transform = Callable[[FloatArray, FloatArray], Pair]

# Krasovsky 1940 ellipsoid, as in the GCJ-02 reference implementation.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# coordtransform's box (see module docstring).
CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)

# Convergence threshold of the inverses, in degrees (1e-10° ≈ 11 µm).
_TOL = 1e-10
_MAX_ITER = 40

DATUMS = frozenset({"wgs84", "cgcs2000", "gcj02", "bd09"})


def _as_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x, y


def out_of_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where the point lies outside coordtransform's China rectangle."""
    x, y = _as_arrays(lon, lat)
    w, s, e, n = CHINA_BOX
    # Written so that NaN counts as outside and is passed through unchanged.
    return ~((x >= w) & (x <= e) & (y >= s) & (y <= n))


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> Pair:
    """GCJ-02 minus WGS84 at a WGS84 point, in degrees, with no box test."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _fixed_point(
    forward: _Transform, x: FloatArray, y: FloatArray, x0: FloatArray, y0: FloatArray
) -> Pair:
    """Solve ``forward(w) = (x, y)`` for w, starting from (x0, y0)."""
    wx, wy = x0.copy(), y0.copy()
    active = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    fx, fy = x.ravel(), y.ravel()
    ox, oy = wx.reshape(-1), wy.reshape(-1)
    for _ in range(_MAX_ITER):
        if active.size == 0:
            break
        gx, gy = forward(ox[active], oy[active])
        rx = gx - fx[active]
        ry = gy - fy[active]
        ox[active] -= rx
        oy[active] -= ry
        # A point stops once its residual is below tolerance; the step just
        # taken only improves it further.
        active = active[(np.abs(rx) > _TOL) | (np.abs(ry) > _TOL)]
    return ox.reshape(x.shape), oy.reshape(y.shape)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    x, y = _as_arrays(lon, lat)
    dlon, dlat = _gcj_offset(x, y)
    outside = out_of_china(x, y)
    return np.where(outside, x, x + dlon), np.where(outside, y, y + dlat)


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    """Exact inverse of :func:`wgs84_to_gcj02` (to 1e-10°), by iteration."""
    x, y = _as_arrays(lon, lat)
    dlon, dlat = _gcj_offset(x, y)
    wx, wy = _fixed_point(wgs84_to_gcj02, x, y, x - dlon, y - dlat)
    outside = out_of_china(x, y)
    return np.where(outside, x, wx), np.where(outside, y, wy)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    x, y = _as_arrays(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(x: FloatArray, y: FloatArray) -> Pair:
    # Baidu's published one-step inverse; off by up to ~1e-6°, hence refined.
    x = x - 0.0065
    y = y - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    """Exact inverse of :func:`gcj02_to_bd09` (to 1e-10°), by iteration."""
    x, y = _as_arrays(lon, lat)
    x0, y0 = _bd09_to_gcj02_approx(x, y)
    return _fixed_point(gcj02_to_bd09, x, y, x0, y0)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Pair:
    x, y = _as_arrays(lon, lat)
    return x.copy(), y.copy()


_CANONICAL = {"wgs84": "wgs84", "cgcs2000": "wgs84", "gcj02": "gcj02", "bd09": "bd09"}
_ROUTES: dict[tuple[str, str], Callable[[npt.ArrayLike, npt.ArrayLike], Pair]] = {
    ("wgs84", "wgs84"): _identity,
    ("gcj02", "gcj02"): _identity,
    ("bd09", "bd09"): _identity,
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}


def _canonical(name: str) -> str:
    try:
        return _CANONICAL[name.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"unknown datum {name!r}; expected one of {sorted(DATUMS)}") from None


def convert(lon: npt.ArrayLike, lat: npt.ArrayLike, src: str, dst: str) -> Pair:
    """Convert between "wgs84", "cgcs2000", "gcj02" and "bd09" (case-insensitive)."""
    return _ROUTES[_canonical(src), _canonical(dst)](lon, lat)


def convert_point(lon: float, lat: float, src: str, dst: str) -> tuple[float, float]:
    """Scalar convenience wrapper around :func:`convert`."""
    x, y = convert(lon, lat, src, dst)
    return float(x), float(y)
