"""The metric frame an imported network is measured in.

Inside China: the CGCS2000 3-degree Gauss-Kruger zone of the network's
centre (as the rest of Zhili uses, see :mod:`zhili.places.geo`).  Elsewhere
(the Helsinki test extract, a foreign partner city): the WGS84 UTM zone,
whose scale error within a city (< 0.04 %) is far below what walking times
need.
"""

from __future__ import annotations

import numpy as np

from zhili.places.geo import gk_epsg, lonlat_to_metric, metric_to_lonlat

# The box used for "inside China" here only picks the projection; a point a
# little outside it is measured just as well in UTM.
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)


def metric_epsg(lon: float, lat: float) -> int:
    """EPSG code of the projected CRS used for a network centred at (lon, lat)."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"({lon}, {lat}) is not a longitude/latitude")
    if _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]:
        try:
            return gk_epsg(lon)
        except ValueError:
            pass
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def to_xy(lon: np.ndarray, lat: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = lonlat_to_metric(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), epsg)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_lonlat(x: np.ndarray, y: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = metric_to_lonlat(np.asarray(x, dtype=float), np.asarray(y, dtype=float), epsg)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
