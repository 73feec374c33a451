"""Load the synthetic demo district into the database.

Everything goes through the same action functions real data uses (boundary
import with all its checks, responsibility grids), so the demo also proves
those paths.  Demo rows are marked ``synthetic`` and can be removed with
:func:`remove_demo` without touching anything else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.contrib.auth.models import Group
from django.db import transaction

from zhili.accounts.models import OrgUnit, User
from zhili.accounts.roles import sync_roles
from zhili.core.models import record
from zhili.places.actions import boundaries_import, responsibility_grid_save
from zhili.places.boundaries import RawFeature
from zhili.places.models import Dataset, Division, Facility, ResponsibilityGrid, UnitGrid
from zhili.places.services import locate_many

from .generator import DemoDistrict, generate

log = logging.getLogger(__name__)
DEMO_VALID_FROM = date(2024, 1, 1)
RESP_PREFIX = "DEMO-R"
DEMO_JURISDICTION = "minghu.demo.zhili"


@dataclass
class DemoLogin:
    username: str
    display_name: str
    role: str
    org: str
    password: str
    password_changed: bool


def demo_password(username: str) -> str:
    # Published on purpose: these are demo accounts on synthetic data.
    return f"zhili-{username}"


def demo_loaded() -> bool:
    return Division.objects.filter(synthetic=True).exists()


@transaction.atomic
def remove_demo() -> None:
    from zhili.cases.models import Case, DispatchRule

    # Demo cases and rules point at demo units (protected): remove them first.
    Case.objects.filter(assigned_unit__code__startswith="DEMO-").update(assigned_unit=None)
    Case.objects.filter(district_code__in=Division.objects.filter(synthetic=True, level="district").values("code")).delete()
    DispatchRule.objects.filter(unit__code__startswith="DEMO-").delete()
    from zhili.open311.models import Jurisdiction

    Jurisdiction.objects.filter(jurisdiction_id=DEMO_JURISDICTION).delete()
    from zhili.access.demo import remove_demo_analyses

    remove_demo_analyses()
    from zhili.plans.demo import remove_demo_plan

    remove_demo_plan()
    ResponsibilityGrid.objects.filter(code__startswith=RESP_PREFIX).delete()
    Facility.objects.filter(synthetic=True).delete()
    Dataset.objects.filter(synthetic=True).delete()
    UnitGrid.objects.filter(synthetic=True).delete()
    Division.objects.filter(synthetic=True).delete()
    User.objects.filter(username__in=_demo_usernames()).delete()
    # Children before parents (PROTECT on parent).
    units = list(OrgUnit.objects.filter(code__startswith="DEMO-"))
    for unit in sorted(units, key=lambda u: -len(u.ancestors())):
        unit.delete()
    from zhili.places.actions import _bump_version

    _bump_version()


def _demo_usernames() -> list[str]:
    return [p.username for p in generate().personas]


def load_demo(seed: int = 2017) -> DemoDistrict:
    """Create the demo district (idempotent only through :func:`remove_demo`)."""
    d = generate(seed)
    sync_roles()
    with transaction.atomic():
        units = _load_org_units(d)
        _load_people(d, units)
        _load_boundaries(d)
        for spec in d.org_units:
            if spec.division_code:
                Division.objects.current().filter(code=spec.division_code).update(org_unit=units[spec.code])
        _load_responsibility_grids(d)
        _load_case_setup(units)
        _load_facilities(d)
        _load_datasets(d)
        record(
            actor=None,
            action="demo.load",
            object_type="demo.district",
            object_id=d.code,
            summary=f"synthetic demo district {d.name}, seed {seed}",
            after=d.summary(),
        )
    return d


def _unit_code(code: str) -> str:
    return f"DEMO-{code}"


def _load_org_units(d: DemoDistrict) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    pending = list(d.org_units)
    while pending:
        progressed = False
        for spec in list(pending):
            if spec.parent_code and spec.parent_code not in units:
                continue
            units[spec.code] = OrgUnit.objects.create(
                code=_unit_code(spec.code),
                name=spec.name,
                short_name=spec.short_name,
                kind=spec.kind,
                parent=units.get(spec.parent_code),
                division_code=spec.division_code,
            )
            pending.remove(spec)
            progressed = True
        if not progressed:
            raise ValueError(f"org units with unknown parents: {[s.code for s in pending]}")
    return units


def _load_people(d: DemoDistrict, units: dict[str, OrgUnit]) -> None:
    groups = {g.name: g for g in Group.objects.all()}
    for p in d.personas:
        user = User(
            username=p.username,
            first_name=p.display_name,
            org_unit=units.get(p.org_code),
            post=p.post,
            is_staff=p.role == "sysadmin",
            is_superuser=p.role == "sysadmin",
        )
        user.set_password(demo_password(p.username))
        user.save()
        user.groups.add(groups[p.role])


def _features(specs) -> list[RawFeature]:
    out = []
    for i, s in enumerate(specs, start=1):
        props = {"code": s.code, "name": s.name}
        if getattr(s, "population", None) is not None:
            props["population"] = s.population
        out.append(RawFeature(i, props, s.polygon))
    return out


def _load_boundaries(d: DemoDistrict) -> None:
    boundaries_import(
        actor=None, kind="divisions", features=_features(d.divisions()), valid_from=DEMO_VALID_FROM, synthetic=True
    )
    boundaries_import(actor=None, kind="grids", features=_features(d.grids), valid_from=DEMO_VALID_FROM, synthetic=True)


def _load_responsibility_grids(d: DemoDistrict) -> None:
    """One responsibility grid per community, shared round-robin among the
    demo inspectors (a real centre draws them by patrol workload)."""
    inspectors = list(User.objects.filter(username__in=[p.username for p in d.personas if p.role == "inspector"]).order_by("username"))
    by_community: dict[str, list[str]] = {}
    for g in d.grids:
        by_community.setdefault(g.community_code, []).append(g.code)
    names = {c.code: c.name for c in d.communities}
    for i, (community, codes) in enumerate(sorted(by_community.items())):
        responsibility_grid_save(
            actor=None,
            code=f"{RESP_PREFIX}{community}",
            name=f"{names.get(community, community)}责任网格",
            grid_codes=codes,
            inspector=inspectors[i % len(inspectors)] if inspectors else None,
        )


# Which department handles which major of the national catalogue in the demo
# (a plausible 权责清单; a real district enters its own).
DEMO_RESPONSIBILITY = {
    "01": "SZGS",  # 市政公用设施 → municipal maintenance contractor
    "02": "JTJ",  # 交通设施 → transport bureau
    "03": "HWGS",  # 市容环卫设施 → sanitation contractor
    "04": "YLGS",  # 园林绿化设施 → landscaping contractor
    "06": "HWGS",  # 市容环境 → sanitation contractor
    "07": "CGJ",  # 宣传广告 → city management
    "08": "ZJJ",  # 施工管理 → housing and construction
    "09": "CGJ",  # 街面秩序 → city management
}


def _load_case_setup(units: dict[str, OrgUnit]) -> None:
    """The national catalogue and a responsibility list, so cases can flow."""
    from zhili.cases.actions_catalogue import catalogue_load_gbt
    from zhili.cases.models import Catalogue, DispatchRule

    if Catalogue.objects.filter(is_default=True).first() is None:
        catalogue_load_gbt(actor=None)
    catalogue = Catalogue.objects.get(is_default=True)
    rules = [DispatchRule(category=None, area_code="", unit=units["CGJ"], priority=-1, note="demo: default")]
    for cat in catalogue.categories.filter(active=True):
        unit = units.get(DEMO_RESPONSIBILITY.get(cat.major_code, ""))
        if unit is not None:
            rules.append(DispatchRule(category=cat, area_code="", unit=unit, note="demo"))
    DispatchRule.objects.bulk_create(rules)

    # The public side: the default services and this district as a jurisdiction.
    from zhili.open311.actions import services_load
    from zhili.open311.models import Jurisdiction

    services_load(actor=None)
    Jurisdiction.objects.update_or_create(
        jurisdiction_id=DEMO_JURISDICTION, defaults={"name": "明湖区（合成示范）", "district_code": "440699", "is_default": True}
    )


def _load_facilities(d: DemoDistrict) -> None:
    lon = np.array([f.lon for f in d.facilities])
    lat = np.array([f.lat for f in d.facilities])
    grids = locate_many(lon, lat)["grid"] if len(lon) else []
    Facility.objects.bulk_create(
        [
            Facility(
                code=f.code,
                name=f.name,
                kind=f.kind,
                lon=f.lon,
                lat=f.lat,
                capacity=f.capacity,
                opening_hours=f.opening_hours,
                grid_code=str(grids[i]),
                synthetic=True,
            )
            for i, f in enumerate(d.facilities)
        ]
    )


def _load_datasets(d: DemoDistrict) -> None:
    n = d.network
    Dataset.objects.create(
        name=f"{d.code}-walk-network",
        kind=Dataset.Kind.NETWORK,
        rows=int(n.n_edges),
        data=Dataset.pack(lon=n.lon, lat=n.lat, u=n.u, v=n.v, length_m=n.length_m, kind=n.kind, epsg=np.array([n.epsg])),
        source="synthetic demo (zhili.demo.generator)",
        synthetic=True,
    )
    p = d.population_points
    Dataset.objects.create(
        name=f"{d.code}-population",
        kind=Dataset.Kind.POPULATION,
        rows=len(p.lon),
        data=Dataset.pack(lon=p.lon, lat=p.lat, weight=p.weight, community_code=p.community_code),
        source="synthetic demo (zhili.demo.generator)",
        synthetic=True,
    )


def demo_logins(seed: int = 2017) -> list[DemoLogin]:
    d = generate(seed)
    users = {u.username: u for u in User.objects.filter(username__in=[p.username for p in d.personas]).select_related("org_unit")}
    out = []
    for p in d.personas:
        user = users.get(p.username)
        pw = demo_password(p.username)
        out.append(
            DemoLogin(
                username=p.username,
                display_name=p.display_name,
                role=p.role,
                org=user.org_unit.name if user and user.org_unit else "",
                password=pw,
                password_changed=bool(user and not user.check_password(pw)),
            )
        )
    return out
