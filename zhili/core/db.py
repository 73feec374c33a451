"""Database helpers shared by the apps' hot paths."""

from __future__ import annotations

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


# (model, where, database alias) -> (SELECT ..., attribute names, (column, its converters))
_SELECTS: dict[tuple[type[models.Model], str, str], tuple[str, list[str], list[tuple]]] = {}


def select_one(cls: type[M], where: str, params: list) -> M | None:
    """The one row of ``cls`` matching ``where`` (SQL on its columns, ``%s``
    placeholders), as an instance, or None.

    For lookups on every request, such as an API key by its hash: the ORM's
    query compiler costs more than the query.  The statement is built once
    (PostgreSQL then runs it prepared) and names its columns rather than
    ``*``, so a migration that adds one cannot change a prepared result's
    shape; column values pass through the same converters the ORM applies
    (SQLite returns dates and times as text).
    """
    alias = router.db_for_read(cls)
    connection = connections[alias]
    key = (cls, where, alias)
    built = _SELECTS.get(key)
    if built is None:
        meta = cls._meta
        qn = connection.ops.quote_name
        fields = meta.concrete_fields
        sql = "SELECT {} FROM {} WHERE {}".format(
            ", ".join(qn(f.column) for f in fields), qn(meta.db_table), where
        )
        converters = []
        for f in fields:
            col = f.get_col(meta.db_table)
            convs = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
            converters.append((col, convs))
        built = _SELECTS[key] = (sql, [f.attname for f in fields], converters)
    sql, names, converters = built
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, (col, convs) in enumerate(converters):
        for conv in convs:
            values[i] = conv(values[i], col, connection)
    return cls.from_db(alias, names, values)
