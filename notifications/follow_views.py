"""The pages of following and the bell: thin views over follow_selectors and
follow_services. Every form works without JavaScript (POST, then back to the page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import tenancy
from core.form_errors import form_add_service_errors
from notifications import follow_selectors as selectors
from notifications import follow_services as services
from notifications.forms import AreaFollowForm, PreferencesForm
from notifications.models import Follow
from proposals import selectors as proposal_selectors
from proposals.models import Project
from proposals.view_lookups import proposal_readable_or_404


def _back(request, fallback: str):
    """Back to the page the form was on (`next`, a path of this site), else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


# ------------------------------------------------------------------ proposals, projects

@login_required
@require_POST
def proposal_follow(request, pk: int):
    proposal = proposal_readable_or_404(request, pk)
    try:
        services.follow_proposal(user=request.user, proposal=proposal)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("You follow this proposal: you will hear of its news."))
    return _back(request, reverse("proposals:proposal", args=[pk]))


@login_required
@require_POST
def proposal_unfollow(request, pk: int):
    proposal = proposal_readable_or_404(request, pk)
    services.proposal_follow_stop(user=request.user, proposal=proposal)
    messages.success(request, _("You no longer follow this proposal."))
    return _back(request, reverse("proposals:proposal", args=[pk]))


def _project(request, slug: str) -> Project:
    try:
        return proposal_selectors.project_for(user=request.user, slug=slug, without_area=True)
    except Project.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
def project_follow(request, slug: str):
    project = _project(request, slug)
    services.follow_project(user=request.user, project=project)
    messages.success(request, _("You follow this project: you will hear of new proposals "
                                "and its phases."))
    return _back(request, reverse("proposals:project", args=[slug]))


@login_required
@require_POST
def project_unfollow(request, slug: str):
    project = _project(request, slug)
    services.project_follow_stop(user=request.user, project=project)
    messages.success(request, _("You no longer follow this project."))
    return _back(request, reverse("proposals:project", args=[slug]))


# ----------------------------------------------------------------------- what I follow

@login_required
def follows(request):
    items = selectors.follows_of(request.user)
    return render(request, "notifications/follows.html", {
        "items": items,
        "areas": selectors.areas_feature_collection(items),
    })


@login_required
@require_POST
def follow_stop(request, pk: int):
    # Scoped to the municipality served, and to the person: someone else's is a 404.
    follow = get_object_or_404(Follow.objects.filter(user=request.user), pk=pk)
    services.follow_stop(user=request.user, follow=follow)
    messages.success(request, _("You no longer follow it."))
    return _back(request, reverse("notifications:follows"))


@login_required
def follow_area(request):
    municipality = tenancy.current()
    form = AreaFollowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_area(user=request.user, municipality=municipality,
                                 area=form.cleaned_data["area"],
                                 name=form.cleaned_data["name"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("You follow “%(name)s”: you will hear of what "
                                        "happens there.") % {"name": form.cleaned_data["name"]})
            return redirect("notifications:follows")
    return render(request, "notifications/follow_area.html", {
        "form": form, "map_config": _area_map_config(municipality)},
        status=400 if form.errors else 200)


def _area_map_config(municipality) -> dict:
    """Where the drawing map opens: the city's bounds, else its projects' areas."""
    extent = None
    if municipality is not None and municipality.area is not None:
        extent = municipality.area.extent
    else:
        from django.contrib.gis.db.models import Extent

        extent = Project.objects.listed().aggregate(e=Extent("area"))["e"]
    return {"bbox": list(extent) if extent else None}


# ------------------------------------------------------------------------- the inbox
_EVENT = ("event", "event__proposal", "event__project", "event__comment", "event__phase")


@login_required
def inbox(request):
    paginator = Paginator(selectors.inbox(request.user).select_related(*_EVENT),
                          selectors.INBOX_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page, "items": selectors.inbox_items(request.user, page.object_list),
        "unread": selectors.unread_count(request.user)})


@login_required
def notification_open(request, pk: int):
    """Open what a notification is about, marking it read (a link, so it opens in a new
    tab too; only its own person's notification is found)."""
    notification = get_object_or_404(
        selectors.inbox(request.user).select_related(*_EVENT), pk=pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    item = selectors.inbox_items(request.user, [notification])[0]
    target = selectors.notification_target(item)
    if target is None:
        messages.info(request, _("What this notification was about is no longer available."))
        return redirect("notifications:inbox")
    return redirect(target)


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_mark_read(user=request.user)
    messages.success(request, _("Every notification is marked read."))
    return redirect("notifications:inbox")


# ---------------------------------------------------------------------- the settings

@login_required
def notification_settings(request):
    preferences = selectors.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, preferences=preferences)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(user=request.user, cadence=form.cleaned_data["cadence"],
                                      in_app_off=form.switched_off("in_app"),
                                      email_off=form.switched_off("email"))
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form},
                  status=400 if form.errors else 200)

