from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management import call_command

from zhili.core.ticks import claim_lease, run_tick

TZ = ZoneInfo("Asia/Shanghai")


def test_tick_runs_handlers_and_records(db):
    run = run_tick(now=datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    assert run is not None and run.ok and run.finished_at
    # 2027 has no library data: a December tick says so.
    assert run.results["workcal.next_year_data"] == {"missing_years": [2027]}
    run = run_tick(now=datetime(2026, 6, 1, 9, 0, tzinfo=TZ))
    assert run.results["workcal.next_year_data"] == {"missing_years": []}


def test_overlapping_tick_is_skipped(db):
    assert claim_lease("tick", seconds=60)
    assert run_tick() is None  # someone holds the lease
    assert not claim_lease("tick", seconds=60)


def test_tick_command_lists_handlers(db, capsys):
    call_command("tick", "--list")
    assert "workcal.next_year_data" in capsys.readouterr().out
