"""client_reference is the integrator's own id: compare it byte for byte.

MySQL/MariaDB's default collations are case- and accent-insensitive, which
would make ``REF-a`` and ``ref-A`` (or ``CAFÉ`` and ``CAFE``) one reference.
Other databases compare exactly already, so this only runs on MySQL.
"""
from django.db import migrations


def binary_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute(
            "ALTER TABLE bookings_transfer MODIFY client_reference varchar(64) "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL"
        )


def default_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute("ALTER TABLE bookings_transfer MODIFY client_reference varchar(64) NULL")


class Migration(migrations.Migration):
    atomic = False  # MySQL cannot run DDL inside a transaction anyway

    dependencies = [("bookings", "0002_add_transfer_driver_fields")]

    operations = [migrations.RunPython(binary_collation, default_collation)]
