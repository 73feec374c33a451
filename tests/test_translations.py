"""Chinese catalogues: complete, placeholder-safe, compiled; and the language switch works.

Every zhili/**/locale/zh_Hans/LC_MESSAGES/django.po is checked: the project
catalogue (zhili/locale) and each app's own.  Obsolete (#~) entries are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ZHILI = Path(__file__).resolve().parent.parent / "zhili"
CATALOGUES = sorted(ZHILI.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
IDS = [str(p.relative_to(ZHILI.parent)) for p in CATALOGUES]

# %(name)s, %(pct).1f, %(m2).0f ... (named printf placeholders, spec included)
NAMED = re.compile(r"%\([^)]+\)[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
# %%, %s, %d ... (only meaningful in python-format strings)
POSITIONAL = re.compile(r"%%|%[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
# {{ var }} literally, then str.format fields: {}, {0}, {name}, {name!r}, {name:>4}
BRACES = re.compile(r"\{\{\s*[^{}]*?\s*\}\}|\{[\w.\[\]]*(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(text: str, python_format: bool) -> set[str]:
    tokens = set(NAMED.findall(text))
    if python_format:
        tokens |= set(POSITIONAL.findall(NAMED.sub("", text)))
    tokens |= {re.sub(r"\s+", " ", t) for t in BRACES.findall(text)}
    return tokens


def live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def msgstrs(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def pairs(catalogue: polib._BaseFile) -> set[tuple]:
    """(msgctxt, msgid, msgid_plural, translation) for every entry of a .po/.mo."""
    out = set()
    for e in catalogue:
        if getattr(e, "obsolete", False):
            continue
        if e.msgid_plural:
            out.add((e.msgctxt, e.msgid, e.msgid_plural, tuple(sorted(e.msgstr_plural.items()))))
        else:
            out.add((e.msgctxt, e.msgid, None, e.msgstr))
    return out


def short(msgid: str) -> str:
    return msgid if len(msgid) <= 70 else msgid[:67] + "..."


def test_catalogues_found():
    assert ZHILI / "locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=IDS)
def test_no_untranslated_or_fuzzy(po_path):
    po = polib.pofile(str(po_path))
    assert not po.metadata_is_fuzzy, "the header entry is marked fuzzy (msgfmt would drop it)"
    fuzzy = [short(e.msgid) for e in live_entries(po) if "fuzzy" in e.flags]
    untranslated = [short(e.msgid) for e in live_entries(po) if not all(msgstrs(e))]
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy}"
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=IDS)
def test_placeholders_kept(po_path):
    po = polib.pofile(str(po_path))
    bad = []
    for e in live_entries(po):
        fmt = "python-format" in e.flags
        want = placeholders(e.msgid, fmt)
        if e.msgid_plural:
            want |= placeholders(e.msgid_plural, fmt)
        for s in msgstrs(e):
            if not s:
                continue  # reported by test_no_untranslated_or_fuzzy
            got = placeholders(s, fmt)
            if got != want:
                bad.append(f"{short(e.msgid)!r}: expected {sorted(want)}, got {sorted(got)}")
    assert not bad, "placeholders differ:\n" + "\n".join(bad)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=IDS)
def test_mo_up_to_date(po_path, tmp_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.name} missing: compile the catalogue"
    po = polib.pofile(str(po_path))
    fresh = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh))
    expected = polib.mofile(str(fresh))
    actual = polib.mofile(str(mo_path))
    stale = pairs(expected) ^ pairs(actual)
    assert not stale, (
        f"{mo_path.name} is out of date with {po_path.name} "
        f"({len(stale)} differing entries, e.g. {short(sorted(stale, key=str)[0][1])!r})"
    )
    assert expected.metadata.get("Plural-Forms") == actual.metadata.get("Plural-Forms")


def test_login_page_chinese_then_english(client, db):
    r = client.get("/accounts/login/")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    assert "城市治理平台" in page  # project catalogue, not only Django's own

    r = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert r.status_code == 302

    r = client.get("/accounts/login/")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page
    assert "登录" not in page
