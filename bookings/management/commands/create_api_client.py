import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from bookings.clients import ROLE_GROUPS, create_api_client, revoke_api_key, rotate_api_key
from dmc_transfers.errors import DomainError, Invalid

PASSWORD_ENV = "API_CLIENT_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create an API client (a user in the integrators or coordinators group) and print its key once. "
        "--rotate replaces the key, --revoke removes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The client's user name, e.g. agency-x.")
        parser.add_argument("--role", choices=sorted(ROLE_GROUPS), help="Required when creating a client.")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--rotate", action="store_true", help="Replace the client's key with a new one.")
        action.add_argument("--revoke", action="store_true", help="Remove the client's key.")
        parser.add_argument(
            "--with-password",
            action="store_true",
            help=f"Coordinators: also log into the admin, with the password from ${PASSWORD_ENV} (else prompted).",
        )

    def handle(self, *args, name, role, rotate, revoke, with_password, **options):
        if revoke and with_password:
            raise CommandError("--with-password cannot be combined with --revoke.")
        if not (rotate or revoke) and role is None:
            raise CommandError("--role integrator|coordinator is required to create a client.")
        if with_password and not (rotate or role == "coordinator"):
            raise CommandError("--with-password is for coordinators only.")
        password = self._password() if with_password else None
        try:
            if revoke:
                revoke_api_key(name=name)
                self.stderr.write(f"Revoked the key of {name}.")
                return
            if rotate:
                key = rotate_api_key(name=name, password=password)
            else:
                key = create_api_client(name=name, role=role, password=password)
        except Invalid as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())) from exc
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        # The key alone on stdout, so scripts can capture it; it is never shown again.
        self.stdout.write(key)
        self.stderr.write(f"API key of {name} printed above; store it now, it is not kept and cannot be shown again.")

    def _password(self):
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = getpass.getpass("Admin password: ")
        if not password:
            raise CommandError("The password may not be empty.")
        return password
