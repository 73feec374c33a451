"""Organisation units and people: roles, access, actions, pages, lockout, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from zhili.accounts import actions
from zhili.accounts.access import (
    access_org_unit,
    access_user,
    can_manage_users,
    visible_org_units,
    visible_users,
)
from zhili.accounts.models import OrgUnit, User
from zhili.accounts.roles import ROLE_PERMISSIONS, Role, sync_roles
from zhili.core.models import AuditEntry

# The personas' password from conftest.py (not imported: whether tests/ is a
# package or not changes the module name).
PASSWORD = "Zhili-test-2026"
NEW_PASSWORD = "Qiang-mima-2026!"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is slow on purpose; these tests log in dozens of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- extra personas, only for these tests ------------------------------------


@pytest.fixture
def cgj_squad(org):
    """A squad below the enforcement bureau, to test 'his unit and below'."""
    return OrgUnit.objects.create(
        code="CGJ-1", name="城管执法一中队", kind=OrgUnit.Kind.OTHER, parent=org["cgj"]
    )


@pytest.fixture
def dept_leader_he(make_user, org):
    return make_user("he.buzhang", "dept_leader", org_unit=org["cgj"], first_name="何部长")


@pytest.fixture
def handler_ma(make_user, cgj_squad):
    return make_user("ma.zhongdui", "handler", org_unit=cgj_squad, first_name="马队员")


@pytest.fixture
def handler_wu(make_user, org):
    return make_user("wu.zhujian", "handler", org_unit=org["zjj"], first_name="吴住建")


def _same_404(fn) -> str:
    with pytest.raises(Http404) as exc:
        fn()
    return str(exc.value)


# --- roles -------------------------------------------------------------------


def test_sync_roles_makes_one_group_per_role_with_declared_permissions(db):
    sync_roles()
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    for role, declared in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        have = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        existing = {
            name
            for name in declared
            if Permission.objects.filter(
                content_type__app_label=name.split(".")[0], codename=name.split(".")[1]
            ).exists()
        }
        assert have == existing, role


def test_declared_accounts_and_core_permissions_exist(db):
    # sync_roles skips permissions of apps not yet installed; for the apps
    # that are, a skipped name is a typo.
    for declared in ROLE_PERMISSIONS.values():
        for name in declared:
            app_label, codename = name.split(".")
            if app_label in ("accounts", "core", "auth"):
                assert Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).exists(), name


def test_sync_roles_removes_permissions_added_by_hand(db):
    sync_roles()
    group = Group.objects.get(name=Role.INSPECTOR.value)
    group.permissions.add(Permission.objects.get(codename="manage_roles"))
    sync_roles()
    assert not group.permissions.filter(codename="manage_roles").exists()
    assert Group.objects.filter(name=Role.INSPECTOR.value).count() == 1


def test_role_flags(inspector_li, leader_zhou, resident_liu, admin_qian):
    assert inspector_li.is_government_staff and not inspector_li.reads_all
    assert leader_zhou.is_government_staff and leader_zhou.reads_all
    assert not resident_liu.is_government_staff and not resident_liu.reads_all
    assert admin_qian.has_perm("accounts.manage_roles")
    assert not leader_zhou.has_perm("accounts.manage_roles")


# --- access ------------------------------------------------------------------


def test_access_org_unit_staff_allowed_resident_denied(org, inspector_li, resident_liu):
    assert access_org_unit(inspector_li, org["cgj"].pk) == org["cgj"]
    forbidden = _same_404(lambda: access_org_unit(resident_liu, org["cgj"].pk))
    missing = _same_404(lambda: access_org_unit(resident_liu, 999_999))
    missing_for_staff = _same_404(lambda: access_org_unit(inspector_li, 999_999))
    assert forbidden == missing == missing_for_staff


def test_access_org_unit_for_change(org, office_sun, inspector_li):
    assert access_org_unit(office_sun, org["cgj"].pk, for_change=True) == org["cgj"]
    with pytest.raises(PermissionDenied):
        access_org_unit(inspector_li, org["cgj"].pk, for_change=True)


def test_visible_org_units(org, inspector_li, resident_liu):
    from django.contrib.auth.models import AnonymousUser

    assert visible_org_units(inspector_li).count() == len(org)
    assert visible_org_units(resident_liu).count() == 0
    assert visible_org_units(AnonymousUser()).count() == 0


def test_access_user_read_all_role_sees_everyone(leader_zhou, handler_chen, resident_liu):
    assert access_user(leader_zhou, handler_chen.pk) == handler_chen
    assert access_user(leader_zhou, resident_liu.pk) == resident_liu


def test_access_user_department_leader_sees_his_unit_and_below(
    dept_leader_he, handler_chen, handler_ma, handler_wu
):
    assert access_user(dept_leader_he, handler_chen.pk) == handler_chen
    assert access_user(dept_leader_he, handler_ma.pk) == handler_ma  # squad below the bureau
    forbidden = _same_404(lambda: access_user(dept_leader_he, handler_wu.pk))
    missing = _same_404(lambda: access_user(dept_leader_he, 999_999))
    assert forbidden == missing
    assert set(visible_users(dept_leader_he)) == {dept_leader_he, handler_chen, handler_ma}


def test_access_user_ordinary_staff_and_residents_see_only_themselves(
    inspector_li, intake_wang, resident_liu
):
    assert access_user(inspector_li, inspector_li.pk) == inspector_li
    assert access_user(resident_liu, resident_liu.pk) == resident_liu
    forbidden = _same_404(lambda: access_user(inspector_li, intake_wang.pk))
    missing = _same_404(lambda: access_user(inspector_li, 999_999))
    assert forbidden == missing
    _same_404(lambda: access_user(resident_liu, inspector_li.pk))


def test_access_user_for_change(admin_qian, leader_zhou, handler_chen):
    assert access_user(admin_qian, handler_chen.pk, for_change=True) == handler_chen
    with pytest.raises(PermissionDenied):
        access_user(leader_zhou, handler_chen.pk, for_change=True)


def test_inactive_user_sees_nothing(make_user, org):
    gone = make_user("gone", "district_leader", org_unit=org["gov"], is_active=False)
    assert visible_users(gone).count() == 0
    assert visible_org_units(gone).count() == 0


def test_can_manage_users(admin_qian, office_sun, leader_zhou, resident_liu):
    assert can_manage_users(admin_qian)
    assert not can_manage_users(office_sun)
    assert not can_manage_users(leader_zhou)
    assert not can_manage_users(resident_liu)


# --- actions: organisation units ---------------------------------------------


def test_org_unit_create_writes_audit(org, office_sun):
    unit = actions.org_unit_create(
        actor=office_sun,
        code="HBJ",
        name="区环保局",
        kind=OrgUnit.Kind.DEPARTMENT,
        parent=org["gov"],
    )
    assert unit.parent == org["gov"]
    entry = AuditEntry.objects.get(action="org_unit.create")
    assert entry.actor == office_sun
    assert entry.object_id == str(unit.pk)
    assert entry.after["code"] == "HBJ" and entry.after["parent"] == "GOV"


def test_org_unit_create_refused_without_permission(org, inspector_li):
    with pytest.raises(PermissionDenied):
        actions.org_unit_create(
            actor=inspector_li, code="HBJ", name="区环保局", kind=OrgUnit.Kind.DEPARTMENT
        )
    assert not OrgUnit.objects.filter(code="HBJ").exists()
    assert not AuditEntry.objects.exists()


def test_org_unit_create_validates(org, office_sun):
    with pytest.raises(ValidationError):
        actions.org_unit_create(actor=office_sun, code="CGJ", name="重复", kind="department")
    with pytest.raises(ValidationError):
        actions.org_unit_create(actor=office_sun, code="X1", name="坏类型", kind="nonsense")


def test_org_unit_move_writes_audit(org, cgj_squad, office_sun):
    actions.org_unit_move(actor=office_sun, unit=cgj_squad, new_parent=org["street"])
    cgj_squad.refresh_from_db()
    assert cgj_squad.parent == org["street"]
    entry = AuditEntry.objects.get(action="org_unit.move")
    assert entry.before["parent"] == "CGJ" and entry.after["parent"] == "ST1"


def test_org_unit_move_refuses_cycles(org, cgj_squad, office_sun):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        actions.org_unit_move(actor=office_sun, unit=org["gov"], new_parent=cgj_squad)
    message = exc.value.messages[0]
    assert "示范区人民政府" in message and "城管执法一中队" in message and "loop" in message
    with pytest.raises(ValidationError) as exc:
        actions.org_unit_move(actor=office_sun, unit=org["cgj"], new_parent=org["cgj"])
    assert "循环" in exc.value.messages[0]  # Chinese by default
    org["gov"].refresh_from_db()
    assert org["gov"].parent is None
    assert not AuditEntry.objects.filter(action="org_unit.move").exists()


def test_org_unit_move_refused_without_permission(org, cgj_squad, dispatcher_zhao):
    with pytest.raises(PermissionDenied):
        actions.org_unit_move(actor=dispatcher_zhao, unit=cgj_squad, new_parent=org["zjj"])


def test_org_unit_clean_refuses_cycles_for_the_admin(org, cgj_squad):
    gov = org["gov"]
    gov.parent = cgj_squad
    with pytest.raises(ValidationError):
        gov.full_clean()


# --- actions: people ---------------------------------------------------------


def test_user_create_with_roles(org, admin_qian):
    user = actions.user_create(
        actor=admin_qian,
        username="zheng.paiqian",
        password=NEW_PASSWORD,
        display_name="郑派遣",
        org_unit=org["office"],
        roles=[Role.DISPATCHER, "intake"],
    )
    user = User.objects.get(pk=user.pk)
    assert user.roles == {Role.DISPATCHER, Role.INTAKE}
    assert user.check_password(NEW_PASSWORD)
    assert user.get_full_name() == "郑派遣"
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.actor == admin_qian
    assert entry.after["roles"] == ["dispatcher", "intake"]
    assert NEW_PASSWORD not in str(entry.after)


def test_user_create_refusals(org, admin_qian, office_sun):
    with pytest.raises(PermissionDenied):
        actions.user_create(
            actor=office_sun,
            username="x",
            password=NEW_PASSWORD,
            display_name="某",
            org_unit=None,
            roles=[],
        )
    with pytest.raises(ValidationError):  # weak password
        actions.user_create(
            actor=admin_qian,
            username="x",
            password="123456",
            display_name="某",
            org_unit=None,
            roles=[],
        )
    with pytest.raises(ValidationError):
        actions.user_create(
            actor=admin_qian,
            username="x",
            password=NEW_PASSWORD,
            display_name="某",
            org_unit=None,
            roles=["emperor"],
        )
    assert not User.objects.filter(username="x").exists()
    assert not AuditEntry.objects.exists()


def test_user_set_roles(admin_qian, handler_chen):
    group = Group.objects.create(name="newsletter")  # not a role: left alone
    handler_chen.groups.add(group)
    actions.user_set_roles(actor=admin_qian, user=handler_chen, roles=[Role.DEPT_LEADER])
    assert handler_chen.roles == {Role.DEPT_LEADER}
    assert handler_chen.groups.filter(name="newsletter").exists()
    entry = AuditEntry.objects.get(action="user.set_roles")
    assert entry.before["roles"] == ["handler"] and entry.after["roles"] == ["dept_leader"]


def test_user_set_roles_refusals(admin_qian, leader_zhou, handler_chen):
    with pytest.raises(PermissionDenied):
        actions.user_set_roles(actor=leader_zhou, user=handler_chen, roles=[Role.SYSADMIN])
    with pytest.raises(ValidationError):
        actions.user_set_roles(actor=admin_qian, user=admin_qian, roles=[Role.INSPECTOR])
    assert User.objects.get(pk=handler_chen.pk).roles == {Role.HANDLER}
    assert not AuditEntry.objects.exists()


def test_user_set_password(admin_qian, office_sun, handler_chen):
    actions.user_set_password(actor=handler_chen, user=handler_chen, password=NEW_PASSWORD)
    actions.user_set_password(actor=admin_qian, user=handler_chen, password=NEW_PASSWORD + "x")
    assert User.objects.get(pk=handler_chen.pk).check_password(NEW_PASSWORD + "x")
    assert AuditEntry.objects.filter(action="user.set_password").count() == 2
    with pytest.raises(PermissionDenied):
        actions.user_set_password(actor=office_sun, user=handler_chen, password=NEW_PASSWORD)


def test_user_deactivate_ends_sessions(client, admin_qian, office_sun, handler_chen):
    client.force_login(handler_chen)
    assert client.get("/accounts/me/").status_code == 200
    with pytest.raises(PermissionDenied):
        actions.user_deactivate(actor=office_sun, user=handler_chen)
    with pytest.raises(ValidationError):
        actions.user_deactivate(actor=admin_qian, user=admin_qian)
    actions.user_deactivate(actor=admin_qian, user=handler_chen)
    assert AuditEntry.objects.get(action="user.deactivate").before["active"] is True
    r = client.get("/accounts/me/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


# --- pages -------------------------------------------------------------------


def test_org_tree_for_staff(client, org, cgj_squad, inspector_li, handler_chen, handler_ma):
    client.force_login(inspector_li)
    r = client.get("/accounts/org/")
    assert r.status_code == 200
    html = r.content.decode()
    for unit in [*org.values(), cgj_squad]:
        assert unit.name in html
    assert "职能部门" in html  # kind, in Chinese
    assert "1 人" in html  # member counts
    # Nested: the squad's list sits inside the bureau's item.
    assert html.index("区城管执法局") < html.index("城管执法一中队") < html.index("区住建局")


def test_org_tree_hidden_from_residents(client, org, resident_liu):
    client.force_login(resident_liu)
    assert client.get("/accounts/org/").status_code == 404
    assert client.get(f"/accounts/org/{org['gov'].pk}/").status_code == 404


def test_org_pages_need_login(client, org):
    r = client.get("/accounts/org/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_org_tree_query_count(client, org, inspector_li, django_assert_max_num_queries):
    for i in range(30):
        OrgUnit.objects.create(
            code=f"C{i:02}", name=f"社区{i}", kind=OrgUnit.Kind.COMMUNITY, parent=org["street"]
        )
    client.force_login(inspector_li)
    with django_assert_max_num_queries(8):
        assert client.get("/accounts/org/").status_code == 200


def test_org_unit_page_members_respect_access(
    client, org, leader_zhou, inspector_li, handler_chen, dept_leader_he
):
    client.force_login(leader_zhou)
    r = client.get(f"/accounts/org/{org['cgj'].pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "陈处置" in html and "何部长" in html
    assert "处置人员" in html and "部门领导" in html  # role names in Chinese

    client.force_login(inspector_li)
    html = client.get(f"/accounts/org/{org['cgj'].pk}/").content.decode()
    assert "区城管执法局" in html
    assert "陈处置" not in html and "何部长" not in html
    assert "您无权查看名单" in html

    assert client.get("/accounts/org/999999/").status_code == 404


def test_org_unit_page_query_count(
    client, org, make_user, leader_zhou, django_assert_max_num_queries
):
    for i in range(20):
        make_user(f"h{i}", "handler", "inspector", org_unit=org["cgj"])
    client.force_login(leader_zhou)
    with django_assert_max_num_queries(14):
        r = client.get(f"/accounts/org/{org['cgj'].pk}/")
    assert r.content.decode().count("处置人员") == 20


def test_me_page_and_password_change(client, handler_chen):
    client.force_login(handler_chen)
    r = client.get("/accounts/me/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "陈处置" in html and "区城管执法局" in html and "处置人员" in html

    r = client.post(
        "/accounts/me/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert r.status_code == 200 and r.context["form"].errors
    assert not AuditEntry.objects.exists()

    r = client.post(
        "/accounts/me/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert r.status_code == 302 and r["Location"] == "/accounts/me/"
    assert User.objects.get(pk=handler_chen.pk).check_password(NEW_PASSWORD)
    assert AuditEntry.objects.get(action="user.set_password").actor == handler_chen
    # The session survives its own password change.
    assert client.get("/accounts/me/").status_code == 200


def test_me_page_for_resident(client, resident_liu):
    client.force_login(resident_liu)
    r = client.get("/accounts/me/")
    assert r.status_code == 200 and "刘居民" in r.content.decode()


# --- login, lockout, session timeout -------------------------------------------


def _login(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_lockout_is_on_by_default(settings):
    assert settings.AXES_ENABLED is True
    assert settings.AXES_FAILURE_LIMIT == 5


def test_login_works(client, handler_chen):
    r = _login(client, "chen.chuzhi", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.session["_auth_user_id"] == str(handler_chen.pk)


def test_wrong_password_shows_login_form(client, handler_chen):
    r = _login(client, "chen.chuzhi", "wrong")
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session


def _lock_out(client) -> None:
    for _ in range(5):
        _login(client, "chen.chuzhi", "wrong")


def test_lockout_after_five_failures_refuses_right_password(client, handler_chen):
    _lock_out(client)
    r = _login(client, "chen.chuzhi", PASSWORD)
    assert r.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in r.templates]
    html = r.content.decode()
    assert "账号已锁定" in html and "15 分钟后再试" in html
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, handler_chen):
    for _ in range(4):
        _login(client, "chen.chuzhi", "wrong")
    assert _login(client, "chen.chuzhi", PASSWORD).status_code == 302


def test_lockout_ends_after_cool_off(client, handler_chen):
    from axes.models import AccessAttempt

    _lock_out(client)
    assert _login(client, "chen.chuzhi", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, "chen.chuzhi", PASSWORD).status_code == 302


def test_lockout_reset_by_axes(client, handler_chen):
    from axes.utils import reset

    _lock_out(client)
    reset(username="chen.chuzhi")
    assert _login(client, "chen.chuzhi", PASSWORD).status_code == 302


def test_user_unlock_action(client, admin_qian, office_sun, handler_chen):
    _lock_out(client)
    with pytest.raises(PermissionDenied):
        actions.user_unlock(actor=office_sun, user=handler_chen)
    assert actions.user_unlock(actor=admin_qian, user=handler_chen) == 1
    assert AuditEntry.objects.filter(action="user.unlock").exists()
    assert _login(client, "chen.chuzhi", PASSWORD).status_code == 302


def test_session_settings(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_each_request_extends_the_session(client, handler_chen):
    client.force_login(handler_chen)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert client.get("/accounts/me/").status_code == 200
    left = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_expired_session_redirects_to_login(client, handler_chen):
    client.force_login(handler_chen)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    r = client.get("/accounts/me/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")


# --- admin -------------------------------------------------------------------


def test_admin_pages(client, org, admin_qian, handler_chen):
    client.force_login(admin_qian)
    assert client.get("/admin/accounts/user/").status_code == 200
    r = client.get(f"/admin/accounts/user/{handler_chen.pk}/change/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="org_unit"' in html and 'name="post"' in html and 'name="phone"' in html
    assert 'name="is_superuser"' not in html  # only superusers make superusers
    assert client.get("/admin/accounts/user/add/").status_code == 200
    assert client.get("/admin/accounts/orgunit/?kind__exact=department").status_code == 200
    assert client.get(f"/admin/accounts/orgunit/{org['cgj'].pk}/change/").status_code == 200


def test_admin_org_unit_change_is_audited_and_refuses_cycles(client, org, make_user):
    boss = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(boss)
    url = f"/admin/accounts/orgunit/{org['gov'].pk}/change/"
    data = {"code": "GOV", "name": "示范区人民政府", "kind": "government", "active": "on"}
    r = client.post(url, {**data, "parent": org["cgj"].pk})
    assert r.status_code == 200 and r.context["adminform"].form.errors  # cycle
    r = client.post(url, {**data, "name": "示范区政府"})
    assert r.status_code == 302
    entry = AuditEntry.objects.get(action="org_unit.admin_change")
    assert entry.before["name"] == "示范区人民政府" and entry.after["name"] == "示范区政府"
