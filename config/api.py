"""The REST API under /api/v1/: each app contributes its routes here; the root lists
the collections (the routes that take no id) with the schema and its documentation."""

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ObtainTokenView, StakeholderRoleList
from energy.urls import urlpatterns as energy_routes
from gisdata import api as gisdata
from gisdata import places_api
from gisdata.imports import api as imports
from municipalities.api import MunicipalityList
from opendata import api as opendata
from opendata import budget_api
from proposals import api as proposals
from proposals import comment_api as comments
from proposals import similar_api
from reports import api as reports
from reports import rollup_api
from voting import api as voting

app_name = "api"
urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("projects/", proposals.ProjectList.as_view(), name="project-list"),
    path("projects/<int:pk>/", proposals.ProjectDetail.as_view(), name="project-detail"),
    path("projects/<int:pk>/area/", proposals.ProjectArea.as_view(), name="project-area"),
    path("projects/<int:pk>/proposals/", proposals.ProjectProposals.as_view(),
         name="project-proposals"),
    path("projects/<int:pk>/proposals/clusters/", proposals.ProjectProposalClusters.as_view(),
         name="project-proposal-clusters"),
    path("projects/<int:pk>/feedback/", proposals.ProjectFeedback.as_view(),
         name="project-feedback"),
    path("projects/<int:pk>/similar/", similar_api.ProjectSimilar.as_view(),
         name="project-similar"),
    path("proposals/<int:pk>/", proposals.ProposalDetail.as_view(), name="proposal-detail"),
    path("proposals/<int:pk>/withdraw/", proposals.ProposalWithdraw.as_view(),
         name="proposal-withdraw"),
    path("proposals/<int:pk>/flag/", proposals.ProposalFlag.as_view(), name="proposal-flag"),
    path("proposals/<int:pk>/hide/", proposals.ProposalHide.as_view(), name="proposal-hide"),
    path("proposals/<int:pk>/restore/", proposals.ProposalRestore.as_view(),
         name="proposal-restore"),
    path("proposals/<int:pk>/status/", proposals.ProposalStatusChange.as_view(),
         name="proposal-status"),
    path("proposals/<int:pk>/comments/", comments.ProposalComments.as_view(),
         name="proposal-comments"),
    path("comments/", comments.CommentList.as_view(), name="comment-list"),
    path("comments/<int:pk>/", comments.CommentDetail.as_view(), name="comment-detail"),
    path("comments/<int:pk>/flag/", comments.CommentFlag.as_view(), name="comment-flag"),
    path("comments/<int:pk>/hide/", comments.CommentHide.as_view(), name="comment-hide"),
    path("comments/<int:pk>/restore/", comments.CommentRestore.as_view(),
         name="comment-restore"),
    path("proposals/<int:pk>/vote/", voting.ProposalVote.as_view(), name="proposal-vote"),
    path("proposals/<int:pk>/tally/", voting.ProposalTally.as_view(), name="proposal-tally"),
    path("projects/<int:pk>/ranking/", voting.ProjectRanking.as_view(),
         name="project-ranking"),
    path("projects/<int:pk>/weights/", voting.ProjectWeights.as_view(),
         name="project-weights"),
    path("me/votes/", voting.MyVotes.as_view(), name="my-votes"),
    path("projects/<int:pk>/budget/results/", budget_api.BudgetResults.as_view(),
         name="budget-results"),
    path("projects/<int:pk>/budget/<int:budget_pk>.pb", budget_api.BudgetPabulib.as_view(),
         name="budget-pabulib"),
    path("roles/", StakeholderRoleList.as_view(), name="role-list"),
    path("municipalities/", MunicipalityList.as_view(), name="municipality-list"),
    path("proposals/", opendata.ProposalList.as_view(), name="proposal-list"),
    path("projects/<int:pk>/proposals.geojson", opendata.ProjectExport.as_view(),
         name="project-export-geojson"),
    path("projects/<int:pk>/proposals.csv", opendata.ProjectExportCSV.as_view(),
         name="project-export-csv"),
    path("datasets/", gisdata.DatasetList.as_view(), name="dataset-list"),
    path("datasets/<int:pk>/", gisdata.DatasetDetail.as_view(), name="dataset-detail"),
    path("layers/", gisdata.LayerList.as_view(), name="layer-list"),
    path("layers/<int:pk>/", gisdata.LayerDetail.as_view(), name="layer-detail"),
    path("layers/<int:pk>/features.geojson", opendata.LayerExport.as_view(),
         name="layer-export-geojson"),
    path("layers/<int:pk>/features.csv", opendata.LayerExportCSV.as_view(),
         name="layer-export-csv"),
    path("layers/<int:pk>/features/", gisdata.LayerFeatures.as_view(), name="layer-features"),
    path("places/", places_api.PlaceList.as_view(), name="place-list"),
    path("imports/", imports.ImportRunList.as_view(), name="import-list"),
    path("imports/<int:pk>/", imports.ImportRunDetail.as_view(), name="import-detail"),
    path("projects/<int:pk>/reports/", reports.ProjectReports.as_view(),
         name="project-reports"),
    path("reports/<int:pk>/", reports.ReportDetail.as_view(), name="report-detail"),
    path("participation/", rollup_api.Participation.as_view(), name="participation"),
    *energy_routes,
]


class ApiRoot(APIView):
    """GET /api/v1/: where to start. Each collection's absolute URL by its route name,
    then `schema` (OpenAPI 3) and `docs` (the same, to read in a browser)."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="The API's collections, the schema and its documentation",
        responses={200: {"type": "object",
                         "additionalProperties": {"type": "string", "format": "uri"}}})
    def get(self, request):
        links = {name: reverse(f"api:{name}") for name in COLLECTIONS}
        links |= {"schema": reverse("api-schema"), "docs": reverse("api-docs")}
        return Response({name: request.build_absolute_uri(url) for name, url in links.items()})


# Routes without an argument that answer GET, in the order above: computed, so that a new
# collection is listed at the root as soon as it has its route. Not the places: they
# answer a search (`?search=` is required), there is no collection to read.
SEARCH_ONLY = {"place-list"}
COLLECTIONS = [p.name for p in urlpatterns if not p.pattern.converters
               and hasattr(p.callback.view_class, "get") and p.name not in SEARCH_ONLY]
urlpatterns.insert(0, path("", ApiRoot.as_view(), name="root"))
