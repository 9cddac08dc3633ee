"""The admin's bridge to the services: forms that save through them, errors as messages.

Django's admin saves a form only after it validated and has no way back to
the form once ``save_model`` runs, so a domain error raised there would be a
500. A ``ServiceModelForm`` therefore calls its service as the last step of
validation: a refusal becomes a form error, the service's own transaction
rolls its work back, and the admin re-renders the form with nothing saved.
The admin (``ServiceFormAdminMixin``) then only logs and redirects.
"""
from django import forms
from django.contrib.admin.options import csrf_protect_m
from django.db import router, transaction

from dmc_transfers.errors import DomainError, Invalid


def _field_label(name):
    return name.replace("_id", "").replace("_", " ").capitalize()


def domain_error_messages(exc):
    """The lines an admin message shows for a domain error."""
    if isinstance(exc, Invalid):
        return [f"{_field_label(name)}: {message}" for name, messages in exc.errors.items() for message in messages]
    lines = [exc.detail]
    if exc.extra.get("allowed") is not None:
        allowed = ", ".join(exc.extra["allowed"]) or "none (the transfer is closed)"
        lines[0] += f" Allowed from here: {allowed}."
    return lines


class ServiceModelForm(forms.ModelForm):
    """A model form whose save is a service call, made while it validates."""

    # Who acts; ServiceFormAdminMixin.get_form sets it from the request.
    user = None
    # Error keys the services use (API names) for fields the form names otherwise.
    service_field_names = {"vehicle_id": "vehicle"}

    def save_with_service(self):
        """Call the service with ``cleaned_data``; return the saved object."""
        raise NotImplementedError

    def _post_clean(self):
        # Replaces ModelForm's model validation: the service validates everything.
        if self._errors:
            return
        try:
            self.instance = self.save_with_service()
        except Invalid as exc:
            for name, messages in exc.errors.items():
                field = self.service_field_names.get(name, name)
                if field in self.fields:
                    self.add_error(field, messages)
                else:
                    self.add_error(None, [f"{_field_label(name)}: {message}" for message in messages])
        except DomainError as exc:
            self.add_error(None, domain_error_messages(exc))


class ServiceFormAdminMixin:
    """For a ModelAdmin whose form is a ServiceModelForm: the service is the only writer."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        # Saved already, by the service, while the form validated.
        pass

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = self._changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and response.status_code == 200:
                # The form is shown again (e.g. a tampered inline management
                # form failed after the service ran): keep nothing it saved.
                transaction.set_rollback(True)
            return response
