"""E-mail backends for delivery tests: one that records, one that fails, one that stops the worker."""
import os
import signal
import threading
from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    """Records every recipient it is asked to send to; safe across threads."""

    sent = []
    lock = threading.Lock()

    def send_messages(self, email_messages):
        with self.lock:
            self.sent.extend(recipient for message in email_messages for recipient in message.to)
        return len(email_messages)


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class TerminatingBackend(RecordingBackend):
    """Sends, then delivers SIGTERM to this very process, as an operator's ``kill`` would."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        os.kill(os.getpid(), signal.SIGTERM)
        return sent
