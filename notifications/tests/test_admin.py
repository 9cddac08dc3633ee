"""Notifications in the admin: read-only list and detail, and an inline on the transfer page."""
import pytest
from django.urls import reverse

from bookings.tests.factories import TransferFactory
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

CHANGELIST = reverse("admin:notifications_notification_changelist")


def test_list_filters_by_status_and_kind(back_office):
    sent = NotificationFactory(status="SENT")
    NotificationFactory(status="FAILED")
    response = back_office.get(f"{CHANGELIST}?status__exact=SENT&kind__exact=TRANSFER_CONFIRMED")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [sent]
    assert response.context["action_form"] is None  # nothing to delete or change


def test_list_renders_in_constant_queries(back_office, constant_queries):
    NotificationFactory()
    constant_queries(lambda: back_office.get(CHANGELIST), lambda: NotificationFactory.create_batch(20))


def test_detail_is_read_only(back_office):
    notification = NotificationFactory(subject="Your transfer is confirmed")
    url = reverse("admin:notifications_notification_change", args=[notification.pk])
    response = back_office.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert "Your transfer is confirmed" in response.content.decode()
    assert back_office.post(url, {"subject": "changed"}).status_code == 403
    assert back_office.get(reverse("admin:notifications_notification_add")).status_code == 403
    notification.refresh_from_db()
    assert notification.subject == "Your transfer is confirmed"


def test_transfer_page_shows_its_notifications(back_office):
    transfer = TransferFactory(status="CONFIRMED")
    NotificationFactory(transfer=transfer, recipient="ada@example.com")
    response = back_office.get(reverse("admin:bookings_transfer_change", args=[transfer.pk]))
    inline_models = [inline.opts.model for inline in response.context["inline_admin_formsets"]]
    assert Notification in inline_models
    assert "ada@example.com" in response.content.decode()
