"""Helpers shared by the benchmark scripts."""

from __future__ import annotations


def pg_prepare(url: str, fresh: bool) -> None:
    """Create the benchmark database named by ``url`` if it is missing; with
    ``fresh``, drop and re-create it (psycopg in autocommit)."""
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
