"""Duplicate suggestions: the pure ranking over arrays, and the query on hand-made cases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest

from tests.fixtures_cases import T0
from tests.fixtures_places import X0, Y0
from zhili.cases import actions as A
from zhili.cases.duplicates import haversine_m, nearby_candidates, suggest_duplicates
from zhili.cases.models import Category, DuplicateRule
from zhili.places.geo import distance_m

pytestmark = pytest.mark.usefixtures("english")

# Near the toy district: 1e-4° of latitude ≈ 11.1 m, of longitude ≈ 10.3 m.
LON, LAT = X0 + 0.005, Y0 + 0.005
DLAT_10M = 10 / 111_195


def test_haversine_agrees_with_the_ellipsoid_at_street_scale():
    for dlon, dlat in [(0.0004, 0), (0, 0.0004), (0.0003, 0.0003), (0.01, 0.01)]:
        exact = distance_m(LON, LAT, LON + dlon, LAT + dlat)
        assert float(haversine_m(LON, LAT, LON + dlon, LAT + dlat)) == pytest.approx(
            exact, rel=5e-3
        )


def test_nearby_candidates_filters_and_ranks():
    t0 = T0.timestamp()
    day = 86400.0
    lons = np.array([LON, LON, LON, LON, LON, LON])
    lats = LAT + DLAT_10M * np.array(
        [3.0, 1.0, 6.0, 2.0, 1.0, 1.0]
    )  # 30 m, 10 m, 60 m, 20 m, 10 m, 10 m
    times = np.array([t0, t0 - 6 * day, t0, t0 + 2 * day, t0 - 8 * day, t0])
    cats = [7, 7, 7, None, 7, 8]
    idx, dist = nearby_candidates(
        LON, LAT, t0, 7, lons, lats, times, cats, radius_m=50, window=timedelta(days=7)
    )
    # 60 m too far, 8 days too old, category 8 another problem; None matches.
    assert idx.tolist() == [1, 3, 0]
    assert dist == pytest.approx([10, 20, 30], abs=0.1)
    # An uncategorised case matches every category.
    idx, _ = nearby_candidates(
        LON, LAT, T0, None, lons, lats, times, cats, radius_m=50, window=timedelta(days=7)
    )
    assert idx.tolist() == [5, 1, 3, 0]  # equal distance: the same day first
    # Equal distance: the one closer in time first.
    idx, _ = nearby_candidates(
        LON,
        LAT,
        t0,
        8,
        lons[[1, 5]],
        lats[[1, 5]],
        times[[1, 5]],
        [None, 8],
        radius_m=50,
        window=timedelta(days=7),
    )
    assert idx.tolist() == [1, 0]
    empty = nearby_candidates(
        LON, LAT, t0, 7, [], [], [], [], radius_m=50, window=timedelta(days=7)
    )
    assert empty[0].size == 0


@pytest.fixture
def cats(garbage):
    cat = garbage[0]
    other = Category.objects.filter(kind="event").exclude(pk=cat.pk).order_by("code").first()
    return cat, other


def make(
    people, dy_m: float = 0.0, *, days: float = 0, category=None, lon=None, lat=None, address=""
):
    return A.case_report(
        actor=people["inspector"],
        source="inspector",
        description="路边暴露垃圾",
        lon=LON if lon is None and not address else lon,
        lat=(LAT + dy_m / 111_195) if lat is None and not address else lat,
        address=address,
        category=category,
        now=T0 + timedelta(days=days),
    )


def test_suggestions_on_hand_made_cases(district, people, cats):
    cat, other = cats
    case = make(people, category=cat)
    near = make(people, 20, category=cat)
    nearest = make(people, -5, days=-3, category=cat)
    uncategorised = make(people, 30)
    make(people, 60, category=cat)  # too far
    make(people, 10, category=other)  # another problem
    make(people, 10, days=-8, category=cat)  # too old
    closed = make(people, 3, category=cat)
    A.case_void(actor=people["lead"], case_id=closed.pk, note="重复")  # not open
    assert suggest_duplicates(case) == [nearest, near, uncategorised]
    # The other way round, from the older case.
    assert case in suggest_duplicates(nearest)
    # Explicit radius and window win.
    assert suggest_duplicates(case, radius_m=10) == [nearest]
    assert suggest_duplicates(case, window=timedelta(days=1)) == [near, uncategorised]


def test_rules_per_category_and_default(district, people, cats):
    cat, other = cats
    case = make(people, category=cat)
    far = make(people, 80, category=cat)
    near = make(people, 15, category=cat)
    assert suggest_duplicates(case) == [near]
    DuplicateRule.objects.create(category=None, radius_m=10, window_days=Decimal("7"))
    assert suggest_duplicates(case) == []
    DuplicateRule.objects.create(category=cat, radius_m=100, window_days=Decimal("0.5"))
    assert suggest_duplicates(case) == [near, far]
    # The other category still follows the default row.
    o1 = make(people, category=other)
    make(people, 15, category=other)
    assert suggest_duplicates(o1) == []


def test_merged_and_address_only_cases(district, people, cats):
    cat, _other = cats
    case = make(people, category=cat)
    dup = make(people, 8, category=cat)
    assert suggest_duplicates(dup) == [case]
    A.case_merge(actor=people["intake"], case_id=dup.pk, into_id=case.pk)
    assert suggest_duplicates(case) == []
    by_address = make(people, address="荷城街道文华路12号", category=cat)
    assert suggest_duplicates(by_address) == []


def test_suggestions_take_few_queries(district, people, cats, django_assert_max_num_queries):
    cat, _other = cats
    case = make(people, category=cat)
    for i in range(5):
        make(people, 5 + i, category=cat)
    with django_assert_max_num_queries(3):
        assert len(suggest_duplicates(case)) == 5
