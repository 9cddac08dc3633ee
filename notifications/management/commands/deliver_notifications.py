import contextlib
import signal
import threading

from django.utils import timezone

from dmc_transfers.commandline import OperationsCommand, int_at_least, progress_bar
from notifications import delivery
from notifications.delivery import DeliveryCounts

DEFAULT_BATCH = 50


class Command(OperationsCommand):
    help = (
        "Deliver notifications. First write the TRANSFER_CONFIRMED notice of any transfer that was "
        "confirmed but lacks one, then e-mail every PENDING notice that is due (EMAIL_URL; console by "
        "default): SENT on success, else retried with exponential backoff and FAILED after "
        "NOTIFICATIONS_MAX_ATTEMPTS. Several workers may run at once; none sends a notice another has "
        "claimed. Without --once it keeps polling until SIGTERM or Ctrl-C, finishing the notice in hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one sweep and one delivery pass, then exit")
        parser.add_argument(
            "--batch",
            type=int_at_least(1),
            default=DEFAULT_BATCH,
            metavar="N",
            help=f"notices claimed per transaction (default {DEFAULT_BATCH})",
        )

    def handle(self, *args, once, batch, **options):
        stop = threading.Event()
        with _stopped_by_signals(stop):
            if once:
                counts = self._once(batch=batch, stop=stop)
            else:
                counts = delivery.run_worker(batch=batch, stop=stop)
        self.stdout.write(f"{str(counts).capitalize()}.")

    def _once(self, *, batch, stop):
        counts = DeliveryCounts(swept=delivery.sweep_missing_notifications())
        due = delivery.due_notifications(timezone.now()).count()
        with progress_bar(self, total=due, unit=" mails", desc="Delivering") as bar:
            counts += delivery.deliver_due(batch=batch, should_stop=stop.is_set, on_outcome=lambda _: bar.update())
        return counts


@contextlib.contextmanager
def _stopped_by_signals(stop):
    """SIGTERM and SIGINT set ``stop`` instead of killing the process mid-send.

    Python lets only the main thread install handlers; elsewhere (a test's
    worker threads) the command simply runs to the end of its pass.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
