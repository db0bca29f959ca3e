"""Planners' pages for imports of open GIS data: upload, watch the progress, publish.

Thin views: the forms parse, `gisdata.imports.services` decides and writes
(`dataset_import` creates the dataset and its run in one transaction, so a refused import
leaves nothing behind), and the worker fills the run in while `static/js/plaza-progress.js` polls
`GET /api/v1/imports/{id}/` to move the progress bar.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.form_errors import form_add_service_errors
from dashboard.access import form_action
from dashboard.forms import ImportForm, PublishForm, RetryForm, upload_max_bytes
from gisdata.imports import services
from gisdata.layer_services import layer_publish
from gisdata.models import Dataset, ImportRun, ImportStatus, Layer

IMPORT_PERMISSION = "gisdata.import_dataset"
ERRORS_SHOWN = 100
RUNS_SHOWN = 50


def _planner_only(view):
    """Anonymous visitors go to log in; signed-in users without the permission get 403."""
    return login_required(permission_required(IMPORT_PERMISSION, raise_exception=True)(view))


# ---------------------------------------------------------------------------- pages
@_planner_only
def imports_list(request):
    datasets = Dataset.objects.prefetch_related("layers").order_by("name")
    runs = ImportRun.objects.select_related("dataset").order_by("-created_at", "-pk")
    return render(request, "dashboard/imports.html", {
        "datasets": datasets,
        "runs": runs[:RUNS_SHOWN],
        "watching": any(r.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
                        for r in runs[:RUNS_SHOWN]),
    })


@_planner_only
def import_new(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.dataset_import(
                user=request.user, name=data["name"], source_file=data.get("source_file"),
                source_url=data.get("source_url") or "", layers=data["layers"],
                source_srid=data.get("epsg"), encoding=data.get("encoding", ""),
                options=form.options(), licence=data.get("licence", ""),
                attribution=data.get("attribution", ""))
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The import has started."))
            return redirect("dashboard:import-run", pk=run.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/imports_new.html",
                  {"form": form, "max_bytes": upload_max_bytes()}, status=status)


@_planner_only
def import_run(request, pk: int):
    run = get_object_or_404(ImportRun.objects.select_related("dataset"), pk=pk)
    retry = RetryForm() if run.status == ImportStatus.FAILED else None
    return _run_page(request, run, retry)


def _run_page(request, run: ImportRun, retry_form, status: int = 200):
    errors = run.errors if isinstance(run.errors, list) else []
    return render(request, "dashboard/imports_run.html", {
        "run": run,
        "dataset": run.dataset,
        "finished": run.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED),
        "errors": errors[:ERRORS_SHOWN],
        "error_total": len(errors),
        "layers": run.dataset.layers.order_by("name"),
        "retry_form": retry_form,
        "status_url": reverse("api:import-detail", kwargs={"pk": run.pk}),
    }, status=status)


def _run_of(pk: int) -> str:
    return reverse("dashboard:import-run", args=[pk])


def _layer_of(pk: int) -> str:
    return reverse("dashboard:layer", args=[pk])


@_planner_only
@form_action(_run_of)
def import_retry(request, pk: int):
    """Import a failed run's dataset again, with the EPSG code the planner gives."""
    run = get_object_or_404(ImportRun.objects.select_related("dataset"), pk=pk)
    if not request.user.has_perm("gisdata.change_dataset"):
        raise PermissionDenied
    if run.status != ImportStatus.FAILED:
        messages.error(request, _("Only a failed import can be started again."))
        return redirect("dashboard:import-run", pk=run.pk)
    form = RetryForm(request.POST)
    if not form.is_valid():
        return _run_page(request, run, form, status=400)
    again = services.import_retry(run=run, user=request.user,
                                  source_srid=form.cleaned_data["epsg"])
    messages.success(request, _("The import has started again."))
    return redirect("dashboard:import-run", pk=again.pk)


@_planner_only
@form_action(_layer_of)
def layer_publish_view(request, pk: int):
    layer = get_object_or_404(Layer, pk=pk)
    form = PublishForm(request.POST)
    form.is_valid()
    published = bool(form.cleaned_data.get("published"))
    layer_publish(layer=layer, user=request.user, published=published)
    messages.success(request, (_("“%(title)s” is published.") if published
                               else _("“%(title)s” is unpublished.")) % {"title": layer.title})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("dashboard:imports")
    return redirect(target)
