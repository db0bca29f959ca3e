"""Voting API: one's own vote on a proposal, one's own votes, tallies, rankings, weights."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_http import BoundedLimitOffsetPagination
from proposals.models import Project, Proposal
from proposals.selectors import project_for, proposals_readable
from voting import selectors, services
from voting.models import VoteValue

VALUES = {"support": VoteValue.SUPPORT, "oppose": VoteValue.OPPOSE,
          "abstain": VoteValue.ABSTAIN}
NAMES = {v: k for k, v in VALUES.items()}


class VoteInput(serializers.Serializer):
    """Only the choice: role, weight and voter are decided by the server."""

    value = serializers.ChoiceField(choices=list(VALUES))


class VoteOutput(serializers.Serializer):
    proposal = serializers.IntegerField(source="proposal_id")
    value = serializers.SerializerMethodField()
    role = serializers.CharField(source="role.name", allow_null=True, default=None)
    weight = serializers.DecimalField(max_digits=6, decimal_places=3)
    updated_at = serializers.DateTimeField(required=False)

    def get_value(self, vote) -> str:
        return NAMES[vote.value]


def _visible_proposal(request, pk: int) -> Proposal:
    return get_object_or_404(proposals_readable(user=request.user), pk=pk)


class ProposalVote(APIView):
    """Your vote on a proposal: `PUT`/`POST` casts or changes it, `DELETE` withdraws it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=VoteInput, responses={200: VoteOutput})
    def post(self, request, pk: int):
        data = VoteInput(data=request.data)
        if data.is_valid():
            # Most votes: one statement, with no look-up of the proposal before it.
            vote = services.vote_cast_readable(user=request.user, proposal_id=pk,
                                               value=VALUES[data.validated_data["value"]])
            if vote is not None:
                return Response(VoteOutput(vote).data)
        # Refused, or left to the rules step by step: a proposal the voter may not read
        # is a 404 before a bad value is a 400, and vote_cast says why it refuses.
        proposal = _visible_proposal(request, pk)
        data.is_valid(raise_exception=True)
        vote = services.vote_cast(user=request.user, proposal=proposal,
                                  value=VALUES[data.validated_data["value"]])
        return Response(VoteOutput(vote).data)

    put = post

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.vote_withdraw(user=request.user, proposal=_visible_proposal(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyVotes(APIView):
    """Your own votes (`?project=ID` for one project). Nobody else's are ever shown."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: VoteOutput(many=True)})
    def get(self, request):
        project = None
        if "project" in request.query_params:
            try:
                project = project_for(user=request.user,
                                      pk=int(request.query_params["project"]))
            except (ValueError, Project.DoesNotExist) as exc:
                raise Http404 from exc
        votes = selectors.user_votes(user=request.user, project=project).order_by("-updated_at")
        return Response(VoteOutput(votes[:1000], many=True).data)


TALLY = inline_serializer("Tally", {
    "supporters": serializers.IntegerField(), "opponents": serializers.IntegerField(),
    "abstentions": serializers.IntegerField(),
    "support_weight": serializers.DecimalField(max_digits=20, decimal_places=3),
    "oppose_weight": serializers.DecimalField(max_digits=20, decimal_places=3),
    "score_weighted": serializers.DecimalField(max_digits=20, decimal_places=3),
    "score_equal": serializers.IntegerField(),
    "share": serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True),
    "roles": serializers.ListField(child=serializers.DictField()),
    "role_groups": inline_serializer("RoleGroups", {
        "min_size": serializers.IntegerField(),
        "merged": serializers.ListField(child=serializers.CharField()),
        "withheld": serializers.BooleanField(),
    }),
})


def _results_for(request, project: Project) -> None:
    if not selectors.results_visible(request.user, project):
        raise Http404("The results of this project are not public.")


def _exact(value):
    """Decimals as strings, as DRF's DecimalField writes them: no float rounding."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def _tally_json(row: dict) -> dict:
    return _exact({**{k: v for k, v in row.items() if k != "roles"},
                   "roles": [vars(r) for r in row.get("roles", [])]})


class ProposalTally(APIView):
    """A proposal's tally: counts, weighted support and opposition, score, share, roles."""

    @extend_schema(responses={200: TALLY})
    def get(self, request, pk: int):
        proposal = _visible_proposal(request, pk)
        _results_for(request, proposal.project)
        return Response(_tally_json(selectors.proposal_tally(proposal)))


RANKING_COLUMNS = ("id", "title", "supporters", "opponents", "abstentions", "support_weight",
                   "oppose_weight", "score_weighted", "score_equal", "rank_weighted",
                   "rank_equal")
RANKING = inline_serializer("Ranking", {
    "count": serializers.IntegerField(help_text="Public proposals ranked, on every page."),
    "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
    "previous": serializers.URLField(allow_null=True,
                                     help_text="The previous page, or null."),
    "project": serializers.IntegerField(),
    "rank_changed_count": serializers.IntegerField(
        help_text="How many of the project's proposals the weights moved to another rank "
                  "(on every page; each row says whether it is one: `rank_changed`)."),
    "proposals": serializers.ListField(
        child=inline_serializer("RankedProposal", {
            "id": serializers.IntegerField(), "title": serializers.CharField(),
            "supporters": serializers.IntegerField(),
            "opponents": serializers.IntegerField(),
            "abstentions": serializers.IntegerField(),
            "support_weight": serializers.DecimalField(max_digits=20, decimal_places=3),
            "oppose_weight": serializers.DecimalField(max_digits=20, decimal_places=3),
            "score_weighted": serializers.DecimalField(max_digits=20, decimal_places=3),
            "score_equal": serializers.IntegerField(),
            "rank_weighted": serializers.IntegerField(
                help_text="Rank by weighted score, over the whole project."),
            "rank_equal": serializers.IntegerField(
                help_text="Rank with every vote weighing the same, over the whole project."),
            "rank_changed": serializers.BooleanField(
                help_text="True when the weights changed this proposal's rank."),
            "share": serializers.DecimalField(max_digits=5, decimal_places=4,
                                              allow_null=True),
        }),
        help_text="This page of the ranking, best first."),
})


class RankingPagination(BoundedLimitOffsetPagination):
    """Pages of the ranking: 100 proposals unless `limit` asks for up to 1,000."""

    default_limit = 100
    max_limit = 1000


class ProjectRanking(APIView):
    """The project's ranking by weighted score beside the ranking with equal weights, a
    page at a time (`limit`, `offset`): ranks are over the whole project, and so are
    `count` and `rank_changed_count`."""

    pagination_class = RankingPagination

    @extend_schema(responses={200: RANKING}, parameters=[inline_serializer("RankingQuery", {
        "limit": serializers.IntegerField(
            required=False, min_value=1,
            help_text="Proposals per page: 100 unless given, at most 1,000 (a larger "
                      "`limit` is cut to it)."),
        "offset": serializers.IntegerField(
            required=False, min_value=0, max_value=RankingPagination.MAX_OFFSET,
            help_text="How many ranked proposals to skip."),
    })])
    def get(self, request, pk: int):
        try:
            project = project_for(user=request.user, pk=pk)
        except Project.DoesNotExist as exc:
            raise Http404 from exc
        _results_for(request, project)
        ranking = selectors.RankingPages(project, values=RANKING_COLUMNS)
        pages = self.pagination_class()
        rows = pages.paginate_queryset(ranking, request, view=self)
        for row in rows:
            row["rank_changed"] = row["rank_weighted"] != row["rank_equal"]
            row["share"] = selectors.share(row["support_weight"], row["oppose_weight"])
        return Response({"count": pages.count, "next": pages.get_next_link(),
                         "previous": pages.get_previous_link(), "project": project.pk,
                         "rank_changed_count": ranking.summary.rank_changed,
                         "proposals": _exact(rows)})


WEIGHTS = inline_serializer("Weights", {
    "frozen": serializers.BooleanField(),
    "unverified_weight": serializers.DecimalField(max_digits=6, decimal_places=3),
    "roles": serializers.ListField(child=serializers.DictField()),
})


class ProjectWeights(APIView):
    """The weights a project's votes count with, published before voting opens."""

    @extend_schema(responses={200: WEIGHTS})
    def get(self, request, pk: int):
        try:
            project = project_for(user=request.user, pk=pk)
        except Project.DoesNotExist as exc:
            raise Http404 from exc
        return Response(_exact({
            "frozen": selectors.weights_frozen(project),
            "unverified_weight": selectors.voting_rules(project).unverified_weight,
            "roles": [{"role": row["role"].slug, "name": row["role"].name,
                       "weight": row["weight"], "default": row["default"]}
                      for row in selectors.weights_table(project)],
        }))
