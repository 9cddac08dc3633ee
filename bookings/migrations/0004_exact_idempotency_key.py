"""An Idempotency-Key is opaque: compare it byte for byte, trailing spaces included.

MySQL/MariaDB's default collations are case-insensitive and ignore trailing
spaces, so ``abc``, ``ABC`` and ``abc `` were one key to the unique index but
three to the ``GET_LOCK`` that serialises a key's requests: two of them at
once could both miss the record and the second insert fail with a 500.
Other databases compare exactly already, so this only runs on MySQL.
"""
from django.db import migrations


def exact_collation(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "mysql":
        # Binary and NO PAD: MariaDB spells it utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin.
        collation = "utf8mb4_nopad_bin" if connection.mysql_is_mariadb else "utf8mb4_0900_bin"
        schema_editor.execute(
            f"ALTER TABLE bookings_idempotencyrecord MODIFY `key` varchar(255) "
            f"CHARACTER SET utf8mb4 COLLATE {collation} NOT NULL"
        )


def default_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute("ALTER TABLE bookings_idempotencyrecord MODIFY `key` varchar(255) NOT NULL")


class Migration(migrations.Migration):
    atomic = False  # MySQL cannot run DDL inside a transaction anyway

    dependencies = [("bookings", "0003_case_sensitive_client_reference")]

    operations = [migrations.RunPython(exact_collation, default_collation)]
