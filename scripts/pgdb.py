"""Create or drop a PostgreSQL database for one test run: pgdb.py create|drop BASE_URL NAME."""

import sys

import psycopg


def main() -> None:
    op, base, name = sys.argv[1:4]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if op == "create":
            conn.execute(f'CREATE DATABASE "{name}"')
        elif op == "drop":
            # pytest-django makes test_<name> beside it.
            for db in (name, f"test_{name}"):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        else:
            raise SystemExit(f"unknown operation {op!r}")


if __name__ == "__main__":
    main()
