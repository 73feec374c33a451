"""API tokens stored as SHA-256 (accounts.ApiToken) instead of DRF's plain keys.

Tokens issued before keep working: each key in DRF's ``authtoken_token``
table is hashed into the new table, and then that table, which held the
keys in clear, is dropped (the ``rest_framework.authtoken`` app is no longer
installed).  A database that never had the table skips that step.
"""

import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DRF_TABLE = "authtoken_token"


def import_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {schema_editor.quote_name(DRF_TABLE)}")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(user_id=user_id, key_hash=hashlib.sha256(key.encode()).hexdigest(), prefix=key[:6])
        for key, user_id, _created in rows
    )
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(DRF_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_hash', models.CharField(max_length=64)),
                ('prefix', models.CharField(max_length=8, verbose_name='key begins with')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='issued at')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='api_token', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'constraints': [models.UniqueConstraint(fields=('key_hash',), name='api_token_key_hash')],
            },
        ),
        # Not reversible: the clear keys are gone on purpose.
        migrations.RunPython(import_drf_tokens, migrations.RunPython.noop),
    ]
