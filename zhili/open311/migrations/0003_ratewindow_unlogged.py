"""Rate windows live in an UNLOGGED table on PostgreSQL.

Every POST bumps its key's counter in a transaction of its own (see
api._authenticate).  A transaction that only writes unlogged tables writes no
WAL, so its commit does not wait for the disk: that wait was half the time
of a report through the API.  The counters are minute and hour windows; a
crash empties the table, which only forgives the requests of the current
window.  SQLite has no such tables and keeps its ordinary one.
"""

from django.db import migrations


def _set(logged: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("open311", "RateWindow")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [("open311", "0002_write_indexes")]

    operations = [migrations.RunPython(_set(False), _set(True))]
