"""Database helpers shared by the apps' hot paths."""

from __future__ import annotations

import threading
from typing import TypeVar

from django.db import connections, models, router
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=models.Model)

# (model, database alias) -> (INSERT ... RETURNING pk, the fields in column order)
_INSERTS: dict[tuple[type[models.Model], str], tuple[str, tuple[models.Field, ...]]] = {}


def insert(obj: M) -> M:
    """Save the new ``obj`` as ``obj.save()`` does, with its INSERT built once per model.

    Why: a report through the public API writes five rows (case, timeline
    event, audit entry, service request, request log), and Django compiles
    each INSERT afresh, which is about two thirds of a ``create()``'s CPU.
    Here the statement text is built once per model and reused, so
    PostgreSQL also runs it as a prepared statement.  The values still go
    through each field's ``pre_save`` and ``get_db_prep_save`` (auto_now,
    JSON, time zones stay Django's), the statement still goes through
    Django's cursor (query logging, error wrapping into IntegrityError), and
    whatever this path does not cover falls back to ``obj.save()``: models
    with save signal receivers, inherited or proxy models, objects that
    already have a primary key, values that are expressions, and databases
    that cannot return the new key from an INSERT.
    """
    cls = type(obj)
    meta = cls._meta
    alias = router.db_for_write(cls, instance=obj)
    connection = connections[alias]
    if (
        meta.parents
        or meta.proxy
        or obj.pk is not None
        or not obj._state.adding
        or pre_save.has_listeners(cls)
        or post_save.has_listeners(cls)
        or not connection.features.can_return_columns_from_insert
        or tuple(meta.db_returning_fields) != (meta.pk,)
    ):
        obj.save(using=alias)
        return obj
    # Refuses unsaved related objects, exactly as save() does.
    obj._prepare_related_fields_for_save(operation_name="save")
    key = (cls, alias)
    built = _INSERTS.get(key)
    if built is None:
        built = _INSERTS[key] = _build(meta, connection)
    sql, fields = built
    values = []
    for field in fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            obj.save(using=alias)
            return obj
        values.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        pk = cursor.fetchone()[0]
    setattr(obj, meta.pk.attname, pk)
    obj._state.db = alias
    obj._state.adding = False
    return obj


def _build(meta, connection) -> tuple[str, tuple[models.Field, ...]]:
    qn = connection.ops.quote_name
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated)
    sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
        qn(meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        qn(meta.pk.column),
    )
    return sql, fields


class _Reader:
    """How to turn a row of ``cls``'s concrete columns into an instance the
    way the ORM does: each column through the converters the ORM applies
    (SQLite returns dates and times as text), then ``Model.from_db``."""

    def __init__(self, cls: type[models.Model], alias: str, connection) -> None:
        meta = cls._meta
        self.cls, self.alias, self.connection = cls, alias, connection
        self.fields = meta.concrete_fields
        self.names = [f.attname for f in self.fields]
        self.converters = []
        for f in self.fields:
            col = f.get_col(meta.db_table)
            self.converters.append((col, connection.ops.get_db_converters(col) + f.get_db_converters(connection)))

    def columns(self, table: str | None = None) -> str:
        """The quoted column list, qualified by ``table`` (an alias) if given.
        Named rather than ``*``, so a migration that adds a column cannot
        change the shape of a prepared statement's result."""
        qn = self.connection.ops.quote_name
        prefix = f"{qn(table)}." if table else ""
        return ", ".join(prefix + qn(f.column) for f in self.fields)

    def instance(self, row) -> models.Model:
        values = list(row[: len(self.fields)])
        for i, (col, convs) in enumerate(self.converters):
            for conv in convs:
                values[i] = conv(values[i], col, self.connection)
        return self.cls.from_db(self.alias, self.names, values)


# Per thread: a reader holds its thread's connection (Django's connections are
# thread-local, and its converters are bound to that connection's operations),
# so the threads of a gthread worker or of a test's live server each build their own.
_readers = threading.local()


def reader(cls: type[models.Model], alias: str = "default") -> _Reader:
    """The row reader of ``cls`` on this thread's connection to ``alias`` (built once)."""
    connection = connections[alias]
    cache = getattr(_readers, "cache", None)
    if cache is None:
        cache = _readers.cache = {}
    found = cache.get((cls, alias))
    if found is None or found.connection is not connection:
        found = cache[(cls, alias)] = _Reader(cls, alias, connection)
    return found


_SELECTS: dict[tuple[type[models.Model], str, str], str] = {}


def select_one(cls: type[M], where: str, params: list) -> M | None:
    """The one row of ``cls`` matching ``where`` (SQL on its columns, ``%s``
    placeholders), as an instance, or None.

    For lookups on every request, such as an API key by its hash: the ORM's
    query compiler costs more than the query.  The statement is built once,
    so PostgreSQL runs it prepared.
    """
    alias = router.db_for_read(cls)
    rows = reader(cls, alias)
    sql = _SELECTS.get((cls, where, alias))
    if sql is None:
        qn = rows.connection.ops.quote_name
        sql = _SELECTS[(cls, where, alias)] = f"SELECT {rows.columns()} FROM {qn(cls._meta.db_table)} WHERE {where}"
    with rows.connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else rows.instance(row)
