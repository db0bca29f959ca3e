"""The citizen's own pages: profile, role claims, and their evidence file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import selectors, services
from accounts.forms import ProfileForm, RoleClaimForm
from accounts.models import RoleClaim
from core.form_errors import form_add_service_errors


@login_required
def profile(request):
    profile_form = ProfileForm(instance=request.user)
    claim_form = RoleClaimForm()
    if request.method == "POST" and "save_profile" in request.POST:
        profile_form = ProfileForm(request.POST, instance=request.user)
        if profile_form.is_valid():
            profile_form.save()
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {
        "profile_form": profile_form,
        "claim_form": claim_form,
        "claims": selectors.role_claims_for_user(user=request.user),
        "verified_roles": selectors.user_verified_roles(user=request.user),
    })


@login_required
def claim_create(request):
    form = RoleClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_claim_submit(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Your claim was sent; a planner will review it."))
            return redirect("accounts:profile")
    return render(request, "accounts/claim_form.html", {"form": form}, status=
                  400 if request.method == "POST" else 200)


@login_required
@require_POST
def claim_withdraw(request, pk: int):
    try:
        services.role_claim_withdraw(claim_id=pk, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your claim was withdrawn."))
    return redirect("accounts:profile")


@login_required
def claim_evidence(request, pk: int):
    """Stream the evidence file to its owner or to a planner; 404 to anyone else."""
    claim = get_object_or_404(RoleClaim, pk=pk)
    if claim.user_id != request.user.pk and not request.user.has_perm("accounts.view_roleclaim"):
        raise Http404
    if not claim.evidence_file:
        raise Http404
    response = FileResponse(claim.evidence_file.open("rb"), as_attachment=True,
                            filename=claim.evidence_file.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


def language_set(request):
    """The language picker: Django's own view (the cookie, back to the page), and for a
    signed-in person the language their e-mails are written in from now on."""
    response = set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        services.user_language_set(user=request.user,
                                   language=request.POST.get("language", ""))
    return response
