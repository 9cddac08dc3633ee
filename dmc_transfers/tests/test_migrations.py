import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_models_and_migrations_agree():
    """``makemigrations --check`` exits non-zero (SystemExit) when a model change lacks its migration."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_driver_fields_arrive_in_the_second_migration():
    from django.db.migrations.loader import MigrationLoader

    migration = MigrationLoader(None).get_migration("bookings", "0002_add_transfer_driver_fields")
    added = {(op.name, op.field.null) for op in migration.operations}
    assert added == {("driver_name", True), ("estimated_duration_minutes", True), ("notes", True)}
