"""API endpoints of accounts: the token that API clients sign in with."""

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from rest_framework import exceptions, generics, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from accounts import lockout
from accounts.models import StakeholderRole


class TokenRequestSerializer(AuthTokenSerializer):
    def validate(self, attrs):
        request = self.context.get("request")
        user = authenticate(request=request, username=attrs.get("username"),
                            password=attrs.get("password"))
        if user is None:
            wait = getattr(request, lockout.LOCKED_ATTR, None)
            if wait:  # too many failures on this account, by any way in
                raise exceptions.Throttled(wait=wait)
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization")
        attrs["user"] = user
        addresses = EmailAddress.objects.filter(user=user)
        # Same rule as the site's log-in: a signed-up citizen confirms their address first.
        if addresses.exists() and not addresses.filter(verified=True).exists():
            raise serializers.ValidationError(
                _("Confirm your e-mail address first (see the message we sent you)."),
                code="authorization",
            )
        return attrs


class ObtainTokenView(ObtainAuthToken):
    """`POST /api/v1/auth/token/` with `username` and `password` returns `{"token": …}`.

    Throttled per client address (REMOTE_ADDR, or the address the trusted proxies
    report), so rotating X-Forwarded-For does not buy more password guesses. And
    locked per account with the site's log-in form and the admin's (accounts/lockout.py):
    after 5 failures in 5 minutes, by any of them and with the username or the e-mail
    address, the right password gets 429 with Retry-After until the window has passed.
    """

    serializer_class = TokenRequestSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"


class StakeholderRoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = StakeholderRole
        fields = ["slug", "name", "description", "default_weight", "position"]


class StakeholderRoleList(generics.ListAPIView):
    """The stakeholder roles the city recognises, with their default weights (a project
    may set its own: `/api/v1/projects/{id}/weights/`)."""

    serializer_class = StakeholderRoleSerializer

    def get_queryset(self):
        return StakeholderRole.objects.active().order_by("position", "name")
