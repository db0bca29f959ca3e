"""`GET /api/v1/municipalities/`: the municipalities this deployment serves, where each
one's site, API and OGC API answer, and the region it belongs to."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from municipalities.models import Municipality, Region
from municipalities.selectors import municipality_list


def municipality_base_url(request, municipality: Municipality) -> str:
    """The absolute URL of a municipality's home: its own host, else its prefix on this
    host, else (the default) this host's root."""
    if municipality.host:
        return f"{request.scheme}://{municipality.host}/"
    root = request.build_absolute_uri("/")
    return root if municipality.is_default else f"{root}{municipality.slug}/"


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["slug", "name"]


class MunicipalitySerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text="Its site.")
    api = serializers.SerializerMethodField(help_text="Its REST API's root.")
    ogc = serializers.SerializerMethodField(help_text="Its OGC API – Features landing page.")

    class Meta:
        model = Municipality
        fields = ["id", "slug", "name", "region", "languages", "population", "is_default",
                  "url", "api", "ogc"]

    @extend_schema_field(serializers.URLField())
    def get_url(self, obj) -> str:
        return municipality_base_url(self.context["request"], obj)

    @extend_schema_field(serializers.URLField())
    def get_api(self, obj) -> str:
        return self.get_url(obj) + _unprefixed(reverse("api:root"))

    @extend_schema_field(serializers.URLField())
    def get_ogc(self, obj) -> str:
        return self.get_url(obj) + _unprefixed(reverse("ogc-root")).rstrip("/") + "/"


def _unprefixed(path: str) -> str:
    """A site path without the script prefix of the municipality being served."""
    from django.urls import get_script_prefix

    prefix = get_script_prefix()
    return path[len(prefix):] if path.startswith(prefix) else path.lstrip("/")


class MunicipalityList(generics.ListAPIView):
    """Every municipality of this deployment, whichever one's host or prefix is asked.

    Open data of one municipality is read at its own `api` and `ogc` addresses (or with
    `?municipality=<slug>` here); nothing of one shows under another's.
    """

    serializer_class = MunicipalitySerializer
    permission_classes = [AllowAny]
    pagination_class = None

    def get_queryset(self):
        return municipality_list()
