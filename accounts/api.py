"""API endpoints of accounts: the token that API clients sign in with."""

from allauth.account.models import EmailAddress
from django.utils.translation import gettext as _
from rest_framework import generics, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import StakeholderRole


class TokenRequestSerializer(AuthTokenSerializer):
    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
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
    report), so rotating X-Forwarded-For does not buy more password guesses.
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
