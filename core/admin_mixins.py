"""What several apps' admins share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect

from core import tenancy


class ViewOnlyAdmin:
    """An admin page to read and search, never to add, change or delete: for rows that
    services or imports write (features, comments, the audit log). Put it before the
    ModelAdmin class in the bases."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceRefused(Exception):
    """A service refused a write asked for in the admin; `messages` say why."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@contextmanager
def service_call() -> Iterator[None]:
    """Around a service called from save_model, delete_model, save_formset or an action:
    its refusal (ValidationError, PermissionDenied) becomes ServiceRefused, which
    ServiceAdmin turns into an error message. Only the service's refusals: the admin's
    own PermissionDenied (no permission to open the page) stays a 403."""
    try:
        yield
    except ValidationError as exc:
        raise ServiceRefused(exc.messages) from exc
    except PermissionDenied as exc:
        raise ServiceRefused([str(exc)]) from exc


class ServiceAdmin:
    """An admin whose writes go through the services (inside `service_call`), so that
    the rules, the audit entry and the permission checks are the services' own.

    A refusal is shown as an error message on the page the planner came from, and the
    whole request's writes are rolled back: the exception leaves the transaction the
    admin opens around a change form (and the list's inline edits) before it is caught
    here; actions open their own. Put it before the ModelAdmin class in the bases."""

    def _refused(self, request, refusal: ServiceRefused):
        for message in refusal.messages:
            self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ServiceRefused as refusal:
            return self._refused(request, refusal)

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except ServiceRefused as refusal:
            return self._refused(request, refusal)

    def changelist_view(self, request, *args, **kwargs):
        try:
            return super().changelist_view(request, *args, **kwargs)
        except ServiceRefused as refusal:
            return self._refused(request, refusal)


class ServedOnlyAdmin:
    """The rows of a model without a manager that keeps to the municipality being
    served (features, a project's voting rules and weights), through the object they
    hang off, whose manager does: `served_through = ("project", Project)`. Put it
    before the ModelAdmin class in the bases."""

    served_through: tuple[str, type]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if tenancy.visible_ids() is None:
            return queryset
        field, model = self.served_through
        return queryset.filter(**{f"{field}__in": model.objects.values("pk")})
