"""Shared fixtures: named personas for each role, on a small org tree."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses
# synchronous ORM calls there unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Zhili-test-2026"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    from zhili.accounts.models import OrgUnit

    gov = OrgUnit.objects.create(code="GOV", name="示范区人民政府", kind=OrgUnit.Kind.GOVERNMENT)
    office = OrgUnit.objects.create(code="ZLB", name="区城市治理办", kind=OrgUnit.Kind.OFFICE, parent=gov)
    cgj = OrgUnit.objects.create(code="CGJ", name="区城管执法局", kind=OrgUnit.Kind.DEPARTMENT, parent=gov)
    zjj = OrgUnit.objects.create(code="ZJJ", name="区住建局", kind=OrgUnit.Kind.DEPARTMENT, parent=gov)
    street = OrgUnit.objects.create(code="ST1", name="荷城街道办", kind=OrgUnit.Kind.STREET, parent=gov)
    return {"gov": gov, "office": office, "cgj": cgj, "zjj": zjj, "street": street}


@pytest.fixture
def make_user(db):
    from django.contrib.auth.models import Group

    from zhili.accounts.models import User
    from zhili.accounts.roles import sync_roles

    sync_roles()

    def make(username: str, *roles: str, org_unit=None, **extra) -> User:
        user = User.objects.create_user(username=username, password=PASSWORD, org_unit=org_unit, **extra)
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


# Named personas, one per role (names are how the tests talk about them).
@pytest.fixture
def inspector_li(make_user, org):
    return make_user("li.jiandu", "inspector", org_unit=org["office"], first_name="李监督")


@pytest.fixture
def intake_wang(make_user, org):
    return make_user("wang.shouli", "intake", org_unit=org["office"], first_name="王受理")


@pytest.fixture
def dispatcher_zhao(make_user, org):
    return make_user("zhao.paiqian", "dispatcher", org_unit=org["office"], first_name="赵派遣")


@pytest.fixture
def handler_chen(make_user, org):
    return make_user("chen.chuzhi", "handler", org_unit=org["cgj"], first_name="陈处置")


@pytest.fixture
def leader_zhou(make_user, org):
    return make_user("zhou.quling", "district_leader", org_unit=org["gov"], first_name="周区领导")


@pytest.fixture
def office_sun(make_user, org):
    return make_user("sun.zhiliban", "office_staff", org_unit=org["office"], first_name="孙治理办")


@pytest.fixture
def admin_qian(make_user, org):
    return make_user("qian.admin", "sysadmin", org_unit=org["office"], first_name="钱管理员", is_staff=True)


@pytest.fixture
def resident_liu(make_user):
    return make_user("liu.jumin", "resident", first_name="刘居民")
