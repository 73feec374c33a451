"""Filling and compiling the zh_Hans message catalogues (a development tool).

Every app keeps its translations as Python dicts beside its catalogue
(``<app>/locale/translate_zh.py``): after ``django-admin makemessages -l
zh_Hans`` the script runs :func:`fill_catalogue`, which writes them into the
``.po`` file and compiles the ``.mo`` with polib, so neither translators'
tools nor gettext are needed.  polib comes with the ``test`` extra.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

METADATA = {
    "Language": "zh_Hans",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def merge_area_files(directory: Path, zh: dict, zh_plural: dict) -> None:
    """Large apps keep their strings in ``zh_<area>.py`` files (``ZH`` and
    optionally ``ZH_PLURAL`` dicts) beside the script: merge them in."""
    import importlib.util

    for path in sorted(directory.glob("zh_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        zh.update(getattr(module, "ZH", {}))
        zh_plural.update(getattr(module, "ZH_PLURAL", {}))


def fill_catalogue(
    po_path: Path,
    *,
    project: str,
    zh: Mapping[str, str],
    zh_plural: Mapping[str, str | Sequence[str]] | None = None,
    extra: Iterable[tuple[str, str | None, str]] = (),
    header: str | None = None,
    wrapwidth: int = 78,
) -> int:
    """Translate every entry of ``po_path`` from ``zh``/``zh_plural``, save,
    compile the ``.mo`` beside it; print what is untranslated or unused.

    ``extra``: (msgid, msgid_plural or None, source file) entries that
    ``makemessages`` cannot find (strings of third-party templates we
    override).  Returns the number of untranslated entries (0 = complete).
    """
    import polib

    zh_plural = zh_plural or {}
    po = polib.pofile(str(po_path), wrapwidth=wrapwidth)
    if header is not None:
        po.header = header
    po.metadata_is_fuzzy = False
    po.metadata.update({"Project-Id-Version": project, **METADATA})
    have = {e.msgid for e in po}
    for msgid, plural, source in extra:
        if msgid in have:
            continue
        entry = polib.POEntry(msgid=msgid, msgstr="", occurrences=[(source, "")])
        if plural:
            entry.msgid_plural = plural
            entry.msgstr_plural = {0: ""}
            entry.flags = ["python-format"]
        po.append(entry)
    missing: list[str] = []
    used: set[str] = set()
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        table = zh_plural if entry.msgid_plural else zh
        text = table.get(entry.msgid)
        if text is None:
            missing.append(entry.msgid)
            continue
        used.add(entry.msgid)
        if entry.msgid_plural:
            forms = [text] if isinstance(text, str) else list(text)
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = text
    po.save(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    unused = (set(zh) | set(zh_plural)) - used
    if unused:
        print(f"note: {len(unused)} translation(s) no longer in {po_path}:", file=sys.stderr)
        for msgid in sorted(unused):
            print(f"  {msgid!r}", file=sys.stderr)
    if missing:
        print(f"{len(missing)} msgid(s) left untranslated in {po_path}:", file=sys.stderr)
        for msgid in missing:
            print(f"  {msgid!r}", file=sys.stderr)
    else:
        print(f"{po_path}: {len(used)} translated, compiled.")
    return len(missing)
