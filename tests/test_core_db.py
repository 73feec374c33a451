"""zhili.core.db: the prepared INSERT and the one-row SELECT of the hot paths.

They must write and read exactly what the ORM writes and reads, on both
databases, and step aside wherever they do not cover the ORM's behaviour.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.signals import pre_save
from django.utils import timezone

from zhili.cases.models import Case, CaseEvent
from zhili.core.db import insert, select_one
from zhili.core.models import AuditEntry
from zhili.open311.models import ApiKey, RequestLog

pytestmark = pytest.mark.django_db

ROW = {
    "action": "test.insert",
    "object_type": "cases.case",
    "object_id": "42",
    "summary": "受理 — 暴露垃圾",
    "before": {"state": "reported", "list": [1, 2.5, None], "文字": "中文"},
    "after": None,
}
COMPARED = ("actor_id", "action", "object_type", "object_id", "summary", "before", "after")


def test_insert_writes_what_save_writes(admin_qian):
    by_orm = AuditEntry(actor=admin_qian, **ROW)
    by_orm.save()
    fast = insert(AuditEntry(actor=admin_qian, **ROW))
    assert fast.pk is not None and fast.pk != by_orm.pk
    assert not fast._state.adding and fast._state.db == "default"
    stored = {e.pk: e for e in AuditEntry.objects.filter(pk__in=[by_orm.pk, fast.pk])}
    for name in COMPARED:
        assert getattr(stored[fast.pk], name) == getattr(stored[by_orm.pk], name), name
    # auto_now_add ran: the object and its row carry the same aware time.
    assert fast.at is not None and timezone.is_aware(fast.at)
    assert stored[fast.pk].at == fast.at


def test_insert_costs_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        insert(RequestLog(api_key=None, method="POST", path="/open311/v2/requests.json", status=201, ip="10.0.0.1"))
    log = RequestLog.objects.get()
    assert (log.method, log.status, log.ip) == ("POST", 201, "10.0.0.1")


def test_inserted_object_then_saves_as_an_update():
    entry = insert(AuditEntry(**ROW))
    entry.summary = "changed"
    entry.save()
    assert AuditEntry.objects.count() == 1
    assert AuditEntry.objects.get().summary == "changed"


def test_insert_refuses_an_unsaved_related_object_like_save():
    with pytest.raises(ValueError, match="unsaved related object"):
        insert(CaseEvent(case=Case(number="X1"), at=timezone.now(), action="report"))
    assert CaseEvent.objects.count() == 0


def test_integrity_errors_are_djangos(district, people):
    from tests.fixtures_cases import report

    case = report(people)
    twin = Case(number=case.number, source=case.source, state=case.state, description="dup", reported_at=case.reported_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(twin)
    assert Case.objects.filter(number=case.number).count() == 1


def test_save_receivers_are_honoured_by_falling_back_to_save():
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.summary)

    pre_save.connect(receiver, sender=AuditEntry)
    try:
        insert(AuditEntry(**{**ROW, "summary": "with receiver"}))
    finally:
        pre_save.disconnect(receiver, sender=AuditEntry)
    assert seen == ["with receiver"]
    assert AuditEntry.objects.get().summary == "with receiver"


def test_expression_values_and_given_keys_fall_back_to_save():
    log = insert(RequestLog(method="GET", path="/x", status=Value(404)))
    assert RequestLog.objects.get(pk=log.pk).status == 404
    given = insert(AuditEntry(pk=987654, **ROW))
    assert given.pk == 987654 and AuditEntry.objects.filter(pk=987654).exists()


def test_select_one_reads_what_the_orm_reads(admin_qian):
    used = timezone.now() - timedelta(minutes=5)
    key = ApiKey.objects.create(
        name="市民通 app", prefix="abcd", key_hash="h" * 64, created_by=admin_qian, last_used_at=used
    )
    got = select_one(ApiKey, "key_hash = %s", ["h" * 64])
    orm = ApiKey.objects.get(pk=key.pk)
    for f in ApiKey._meta.concrete_fields:
        assert getattr(got, f.attname) == getattr(orm, f.attname), f.name
    # Dates come back as aware datetimes on SQLite too (text in the file).
    assert timezone.is_aware(got.created_at) and got.last_used_at == used
    assert got.revoked_at is None
    assert not got._state.adding
    assert select_one(ApiKey, "key_hash = %s", ["missing"]) is None


@pytest.mark.django_db(transaction=True)
def test_readers_follow_the_thread_connection():
    """A gthread worker or a test's live server runs requests on several
    threads, each with its own connection: a reader built on one thread must
    not be used on another (Django refuses to share connections)."""
    import threading

    from django.db import connections

    assert select_one(ApiKey, "key_hash = %s", ["none"]) is None  # builds this thread's reader
    seen = []

    def other_thread():
        try:
            seen.append(select_one(ApiKey, "key_hash = %s", ["none"]))
        except Exception as exc:  # noqa: BLE001 - reported below
            seen.append(exc)
        finally:
            connections.close_all()

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    assert seen == [None]
    assert select_one(ApiKey, "key_hash = %s", ["none"]) is None
