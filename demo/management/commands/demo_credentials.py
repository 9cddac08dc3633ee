from django.core.management.base import CommandError

from bookings.clients import rotate_api_key
from demo.seeding import DEMO_COORDINATOR, DEMO_COORDINATOR_PASSWORD, DEMO_INTEGRATOR
from dmc_transfers.commandline import OperationsCommand
from dmc_transfers.errors import NotFound


class Command(OperationsCommand):
    help = (
        "Print how to try the demo: the admin login of the demo coordinator and fresh API keys "
        "(rotated on every call) for the demo integrator and coordinator. Local try-out only "
        "(`make run` calls it after seed_demo)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://localhost:8000", help="where the service listens")

    def handle(self, *args, base_url, **options):
        try:
            agency_key = rotate_api_key(name=DEMO_INTEGRATOR)
            coordinator_key = rotate_api_key(name=DEMO_COORDINATOR)
        except NotFound as exc:
            raise CommandError(f"{exc.detail} Run `python manage.py seed_demo` first.") from exc
        self.stdout.write(
            f"""
DMC Transfers demo is ready at {base_url}

  Back office  {base_url}/admin/   user {DEMO_COORDINATOR}   password {DEMO_COORDINATOR_PASSWORD}
  API docs     {base_url}/docs
  API key of the demo integrator ({DEMO_INTEGRATOR}):   {agency_key}
  API key of the demo coordinator ({DEMO_COORDINATOR}): {coordinator_key}

  Try:  curl -H "Authorization: Token {agency_key}" "{base_url}/vehicles?page_size=3"
"""
        )
