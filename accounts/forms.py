"""Forms for the citizen's own pages and the planner's decision."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.models import StakeholderRole, User


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, which goes on only once the terms of use and the privacy policy
    are accepted; the adapter keeps the version accepted on the new user."""

    accept_terms = forms.BooleanField(
        required=True, label=_("I accept the terms of use and the privacy policy"),
        error_messages={"required": _("To sign up, tick the box to accept the terms of "
                                      "use and the privacy policy.")})


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "language"]
        labels = {"display_name": _("Display name"), "language": _("Language")}
        help_texts = {"display_name": _("Shown beside your proposals and comments. "
                                        "Leave empty to show your username."),
                      "language": _("The language of the e-mails Plaza sends you.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An account from before languages were kept shows the site's language.
        self.fields["language"].required = True
        self.fields["language"].choices = list(settings.LANGUAGES)
        if not self.instance.language:
            self.initial["language"] = self.instance.email_language


class RoleClaimForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=StakeholderRole.objects.active(),
                                  empty_label=None)
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        help_text=_("Why you hold this role: an address in the area, a business licence "
                    "number, a professional registration…"),
    )
    evidence_file = forms.FileField(
        label=_("Evidence file"), required=False,
        help_text=_("Optional: a PDF, PNG or JPEG document, at most 5 MB. "
                    "Only planners see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Made per form, in the request: a queryset made at import is nobody's
        # municipality's, and would offer every municipality's roles.
        self.fields["role"].queryset = StakeholderRole.objects.active()


class ClaimDecisionForm(forms.Form):
    VERIFY, REJECT, REVOKE = "verify", "reject", "revoke"
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[(VERIFY, _("Verify")), (REJECT, _("Reject")),
                                          (REVOKE, _("Revoke a verification"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             required=False,
                             max_length=2000, help_text=_("Required to reject or revoke; "
                             "the citizen receives it."))
    expires_at = forms.DateTimeField(label=_("Valid until"), required=False,
                                     help_text=_("Optional end of the verification; empty "
                                                 "uses the role's validity period."))


class AccountEraseForm(forms.Form):
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Your password, to confirm that it is you."))
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."), required=True)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's log-in, saying "locked" (as the site's form does) when the account's
    lock (accounts/lockout.py) refused the attempt, not "wrong password"."""

    def get_invalid_login_error(self):
        if getattr(self.request, lockout.LOCKED_ATTR, None):
            adapter = get_adapter(self.request)
            return forms.ValidationError(adapter.error_messages["too_many_login_attempts"],
                                         code="too_many_login_attempts")
        return super().get_invalid_login_error()
