"""Residents' reports for the demo district.

So that the public pages (lookup, nearby reports, "me too"), the moderation
queue and the Open311 read methods show something on the first visit, the
demo files a handful of synthetic resident reports through the same action
the report page uses, moderates them as an intake operator would (one with
a phone number edited out of the public text, one hidden, two left
waiting), adds "me too"s, and moves some along the lifecycle, one to
closure.  All text is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from zhili.cases import actions as case_actions
from zhili.cases.demo import advance, demo_user
from zhili.cases.models import Source
from zhili.places.models import UnitGrid
from zhili.workcal.clock import CalendarDataMissing

from .actions import Open311Error, report_moderate, report_support, request_submit
from .models import ServiceRequest


@dataclass(frozen=True)
class _Report:
    service: str
    text: str
    attributes: dict[str, str]
    moderation: str  # approved / hidden / pending
    public_text: str | None = None
    stage: str = "reported"  # a cases.demo.STAGES entry, or "closed"
    supports: int = 0


_REPORTS: list[_Report] = [
    _Report(
        "bl-garbage",
        "小区东门外绿化带有人倾倒生活垃圾，已经好几天了，气味很大。",
        {"amount": "medium"},
        "approved",
        supports=3,
    ),
    _Report(
        "manhole",
        "人行道上的井盖缺失，晚上看不清，很危险！",
        {"hazard": "yes"},
        "approved",
        stage="to_dispatch",
        supports=5,
    ),
    _Report(
        "street-vending",
        "学校门口每天早上有流动摊贩占用人行道。",
        {"times": "morning"},
        "approved",
        stage="to_file",
    ),
    _Report(
        "street-light", "公园北侧三盏路灯晚上都不亮。", {}, "approved", stage="to_check", supports=1
    ),
    _Report(
        "noise",
        "工地夜间施工噪声扰民，凌晨还在作业。我的电话 13800000000，可以联系我。",
        {},
        "approved",
        public_text="工地夜间施工噪声扰民，凌晨还在作业。",
        stage="verifying",
    ),
    _Report("car-parking", "小区消防通道被私家车长期占用。", {}, "approved", stage="closed"),
    _Report("ads", "路口电线杆上贴满了办证小广告。", {}, "pending"),
    _Report("bike-parking", "地铁站出口共享单车堆放混乱，挡住盲道。", {}, "pending"),
    _Report(
        "fly-tipping", "楼道里堆满杂物，物业根本不管，全是骗子！", {}, "hidden", public_text=""
    ),
]


def load_demo_reports(now: datetime | None = None) -> list[ServiceRequest]:
    """File, moderate and move the demo's resident reports (empty without the demo)."""
    now = now or timezone.now()
    intake, lead, dispatcher, inspector = (
        demo_user(u) for u in ("shouli1", "zhiban1", "paiqian1", "jiandu1")
    )
    if None in (intake, lead, dispatcher, inspector):
        return []
    # Spread over the district: every k-th current grid, in code order.
    grids = list(UnitGrid.objects.current().order_by("code"))
    if not grids:
        return []
    step = max(1, len(grids) // (len(_REPORTS) + 1))
    out: list[ServiceRequest] = []
    for i, r in enumerate(_REPORTS):
        point = grids[(i + 1) * step % len(grids)].geometry.representative_point()
        # Filed between 1 and 9 hours ago, a little apart.
        at = now - timedelta(hours=9 - i, minutes=7 * i)
        # A form's data, as the report page hands it over.
        data = QueryDict(mutable=True)
        data.update(
            {
                "service_code": r.service,
                "description": r.text,
                "lat": f"{point.y:.7f}",
                "long": f"{point.x:.7f}",
                "device_id": f"demo-device-{i + 1}",
                **{f"attribute[{k}]": v for k, v in r.attributes.items()},
            }
        )
        try:
            with transaction.atomic():
                sr = request_submit(api_key=None, data=data, source=Source.RESIDENT, now=at).request
                if r.moderation != "pending":
                    report_moderate(
                        actor=intake, request=sr, decision=r.moderation, public_text=r.public_text
                    )
                case = sr.case
                for n in range(r.supports):
                    report_support(case=case, device=f"demo-neighbour-{i + 1}-{n + 1}")
                if r.stage == "closed":
                    case = advance(case, "to_close", at, inspector, intake, lead, dispatcher)
                    # Six steps of 40 minutes, then closed 20 minutes later.
                    case_actions.case_close(
                        actor=lead,
                        case_id=case.pk,
                        note="已处置完毕，结案。",
                        now=at + timedelta(minutes=260),
                    )
                elif r.stage != "reported":
                    advance(case, r.stage, at, inspector, intake, lead, dispatcher)
        except (CalendarDataMissing, Open311Error):
            # Late in a year whose successor's holidays are not entered yet a
            # deadline cannot be computed: that report is left out.
            continue
        out.append(sr)
    return out
