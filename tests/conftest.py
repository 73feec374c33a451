"""Shared fixtures: named personas for each role, on a small org tree."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses
# synchronous ORM calls there unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Zhili-test-2026"
pytest_plugins = ["tests.fixtures_places", "tests.fixtures_cases"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Production hashing costs ~0.2 s a password; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture
def english(client):
    """Run a test in English: direct calls and the test client's pages.

    The interface is Chinese by default; tests that match message texts
    read them in the msgid language."""
    from django.conf import settings as dj_settings
    from django.utils import translation

    client.cookies[dj_settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


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


CHROMIUM = "/usr/bin/chromium"
# Flags for a closed network: without the background-networking switches
# Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, settings):
    # The live server shares one in-memory SQLite database between threads,
    # where concurrent writes fail at once ("database table is locked")
    # instead of waiting; a page's parallel fetches must not each save the
    # session.  Production runs on a file or PostgreSQL, where they wait.
    settings.SESSION_SAVE_EVERY_REQUEST = False
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def demo_district(transactional_db):
    """The synthetic demo district, loaded as ``zhili demo`` loads it."""
    from zhili.demo.load import load_demo
    from zhili.places.services import clear_cache

    clear_cache()
    district = load_demo(2017)
    yield district
    clear_cache()


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
