"""The settings helpers fail loudly on malformed values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from zhili import settings as s


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    assert s.env_bool("X_BOOL", False) is True
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        s.env_bool("X_BOOL", False)
    monkeypatch.setenv("X_INT", "12a")
    with pytest.raises(ImproperlyConfigured, match="X_INT must be an integer"):
        s.env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match=">= 1"):
        s.env_int("X_INT", 1, minimum=1)
    monkeypatch.setenv("X_INT", "")
    assert s.env_int("X_INT", 7) == 7  # empty means unset
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert s.env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_TIME", "8.30")
    with pytest.raises(ImproperlyConfigured, match="HH:MM"):
        s.env_time("X_TIME", "08:30")


def test_database_url_selects_engine(settings):
    import dj_database_url

    pg = dj_database_url.parse("postgres://postgres@127.0.0.1:5432/zhili")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert settings.DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "django.db.backends.postgresql")


def test_postgresql_binds_on_the_server_and_prepares_unless_told_not_to(tmp_path):
    url = "postgres://postgres@127.0.0.1:5432/zhili"
    on = s.database_config(url, conn_max_age=60, prepare_threshold=2)
    assert on["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 2}
    assert on["CONN_MAX_AGE"] == 60
    off = s.database_config(url, conn_max_age=0, prepare_threshold=0)
    assert off["OPTIONS"] == {"server_side_binding": False, "prepare_threshold": None}
    lite = s.database_config(f"sqlite:///{tmp_path / 'x' / 'z.sqlite3'}", conn_max_age=0, prepare_threshold=2)
    assert "server_side_binding" not in lite["OPTIONS"] and (tmp_path / "x").is_dir()
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not a valid"):
        s.database_config("nosuchdb://x", conn_max_age=0, prepare_threshold=2)


def test_security_defaults(settings):
    assert settings.AXES_ENABLED and settings.AXES_FAILURE_LIMIT == 5
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"


def test_language_defaults_to_chinese_and_switches(client, db):
    r = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert r["Content-Language"] == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    r = client.get("/accounts/login/")
    assert r["Content-Language"] == "en"
