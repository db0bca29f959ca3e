"""The participant's privacy pages: download my data, erase my account."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import privacy_registry
from accounts.forms import AccountEraseForm
from core.form_errors import form_add_service_errors


@login_required
@require_POST
def data_export(request):
    """The user's data as a JSON file (POST: a download link in a page cannot trigger it
    from elsewhere, and it is never cached)."""
    data = privacy_registry.personal_data_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="plaza-my-data-{stamp}.json"')
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def account_erase(request):
    form = AccountEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy_registry.account_erase(user=request.user,
                                           password=form.cleaned_data["password"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            logout(request)
            messages.success(request, _("Your account was erased. What you proposed and "
                                         "wrote stays, as a former participant's; your votes "
                                         "still count, without your name."))
            return redirect("/")
    return render(request, "accounts/erase.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
