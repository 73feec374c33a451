"""Metric projection for distances and areas.

Longitude/latitude are stored; metres are computed in the CGCS2000 3-degree
Gauss-Kruger zone whose central meridian is nearest the geometry (EPSG:4534
... 4554, central meridians 75°E ... 135°E, false easting 500 km without a
zone prefix).  Within ±1.5° of the central meridian the scale error stays
below about 0.03 %, which is why surveys in China use 3-degree zones.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
import shapely

WGS84 = pyproj.CRS.from_epsg(4490)  # CGCS2000 geographic; equal to WGS84 at metre level


def gk_central_meridian(lon: float) -> int:
    """Central meridian (degrees) of the 3-degree zone containing ``lon``."""
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is out of range")
    zone = int(np.floor((lon + 1.5) / 3.0))
    return 3 * zone


def gk_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree GK CRS (no zone prefix) for ``lon``."""
    cm = gk_central_meridian(lon)
    if not 75 <= cm <= 135:
        raise ValueError(f"longitude {lon} lies outside China's 3-degree zones (75°E-135°E)")
    return 4534 + (cm - 75) // 3


@lru_cache(maxsize=32)
def _transformers(epsg: int) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    crs = pyproj.CRS.from_epsg(epsg)
    fwd = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    inv = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    return fwd, inv


def to_metric(geom: shapely.Geometry, epsg: int | None = None) -> tuple[shapely.Geometry, int]:
    """Project a lon/lat geometry to metres; returns the geometry and the EPSG used."""
    if epsg is None:
        c = geom.centroid if not geom.is_empty else None
        epsg = gk_epsg(c.x if c is not None else 114.0)
    fwd, _inv = _transformers(epsg)
    projected = shapely.transform(geom, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
    return projected, epsg


def lonlat_to_metric(lon: np.ndarray, lat: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    fwd, _inv = _transformers(epsg)
    return fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def metric_to_lonlat(x: np.ndarray, y: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    _fwd, inv = _transformers(epsg)
    return inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def area_m2(geom: shapely.Geometry) -> float:
    if geom.is_empty:
        return 0.0
    projected, _epsg = to_metric(geom)
    return float(projected.area)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance on the CGCS2000 ellipsoid (GRS80), in metres."""
    geod = pyproj.Geod(ellps="GRS80")
    _az1, _az2, dist = geod.inv(lon1, lat1, lon2, lat2)
    return float(dist)
