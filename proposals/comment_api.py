"""REST API for comments (`/api/v1/…`). Thin: parse, call a service, answer.

Input serializers name every field a client may send (`body`, `parent`, `reason`):
anything else in a body (author, proposal, is_hidden…) is ignored. Output never carries
an e-mail address: an author is their public name and their verified roles.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import SafeJSONParser
from core.throttles import RequestRates
from proposals import comment_selectors as selectors
from proposals import comment_services as services
from proposals import search
from proposals.api import _proposal
from proposals.models import COMMENT_MAX_LENGTH, Comment
from proposals.serializers import ReasonSerializer


# ------------------------------------------------------------------------------ shapes
class CommentAuthorSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The author's public name.")
    roles = serializers.ListField(child=serializers.CharField(),
                                  help_text="Names of the author's verified stakeholder roles.")


class CommentReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True,
                                      help_text="The top-level comment this replies to.")
    author = serializers.SerializerMethodField(
        help_text="Null for a former participant, and for deleted or hidden comments.")
    body = serializers.SerializerMethodField(
        help_text="Empty for deleted comments and for hidden ones the reader may not read.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.BooleanField()
    is_hidden = serializers.BooleanField()
    hidden_reason = serializers.SerializerMethodField(
        help_text="Why a moderator hid it; shown to its author and to planners only.")

    def _shown(self, comment) -> bool:
        return not comment.masked and not comment.is_deleted

    @extend_schema_field(CommentAuthorSerializer(allow_null=True))
    def get_author(self, comment):
        if not self._shown(comment) or comment.author is None:
            return None
        return {"name": comment.author.public_name, "roles": comment.badges}

    def get_body(self, comment) -> str:
        return comment.body if self._shown(comment) else ""

    def get_hidden_reason(self, comment) -> str:
        return "" if comment.masked else comment.hidden_reason


class CommentSerializer(CommentReplySerializer):
    reply_count = serializers.IntegerField(
        default=0, help_text="Replies the reader can read (top-level comments only).")
    replies = CommentReplySerializer(many=True, source="visible_replies", default=list,
                                     help_text="Oldest first (top-level comments only).")


class CommentQuerySerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(choices=list(selectors.ORDERINGS),
                                       default=selectors.DEFAULT_ORDERING, required=False)
    # Checked here too, so that a bad page asks for a fix (400) like the proposals API,
    # where DRF's paginator would quietly fall back to its default.
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100,
                                     help_text="Top-level comments per page (default 20).")
    offset = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)


class CommentListQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False, max_length=search.MAX_QUERY,
        help_text="Full-text search (words, \"a phrase\", or, -word), in any of the site's "
                  "languages, accents ignored: the comments that match, best first.")
    proposal = serializers.IntegerField(required=False, min_value=1,
                                        help_text="Only the comments on this proposal.")
    project = serializers.IntegerField(required=False, min_value=1,
                                       help_text="Only the comments in this project.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100,
                                     help_text="Comments per page (default 20).")
    cursor = serializers.CharField(required=False, max_length=200,
                                   help_text="Where the page starts, as the previous "
                                             "page's `next` link gives it.")

    def validate_search(self, value):
        return search.query_clean(value)


class CommentListedSerializer(CommentReplySerializer):
    proposal = serializers.IntegerField(source="proposal_id")
    language = serializers.CharField(help_text="The language it was written in.")


COMMENT_PAGE = inline_serializer("CommentPage", {
    "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
    "results": CommentListedSerializer(many=True),
})


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                      help_text="Reply to this comment. A reply to a reply "
                                      "joins the same top-level comment.")


class CommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH)


# ------------------------------------------------------------------------------ plumbing
class CommentPagination(LimitOffsetPagination):
    default_limit = selectors.PAGE_SIZE
    max_limit = 100


class CommentWriteThrottle(RequestRates):
    """The "comments" rate counts writes only: reading a discussion never uses it up."""

    def scope_of(self, request, view):
        return None if request.method in SAFE_METHODS else super().scope_of(request, view)


class _CommentView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [SafeJSONParser]
    throttle_classes = [CommentWriteThrottle]
    throttle_scope = "comments"


def _comment(request, pk: int) -> Comment:
    try:
        return selectors.comment_for(user=request.user, pk=pk)
    except Comment.DoesNotExist as exc:
        raise Http404 from exc


def _show(comment: Comment, request, serializer=CommentReplySerializer) -> dict:
    """One comment as the reader sees it."""
    selectors.comments_decorate([comment], user=request.user)
    return serializer(comment).data


# ------------------------------------------------------------------------------ views
class ProposalComments(ListModelMixin, GenericAPIView, _CommentView):
    """The discussion of a proposal: top-level comments a page at a time, each with its
    replies; POST adds a comment or a reply (signed in)."""

    pagination_class = CommentPagination
    serializer_class = CommentSerializer
    # `get` picks the threads itself (comment_selectors); DRF's browsable page still asks
    # a generic view for a queryset when a browser opens the URL.
    queryset = Comment.objects.none()

    @extend_schema(parameters=[CommentQuerySerializer], responses=CommentSerializer(many=True))
    def get(self, request, pk: int):
        proposal = _proposal(request, pk)
        query = CommentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        threads = selectors.comment_threads(user=request.user, proposal=proposal,
                                            ordering=query.validated_data["ordering"])
        page = self.paginate_queryset(threads)
        selectors.comments_decorate(page, user=request.user, proposal=proposal)
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(request=CommentWriteSerializer,
                   responses={201: CommentSerializer, 429: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        proposal = _proposal(request, pk)
        data = CommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            comment = services.comment_create(proposal=proposal, author=request.user,
                                              **data.validated_data)
        except services.CommentRateExceeded as exc:
            raise Throttled(wait=exc.retry_after, detail=exc.messages[0]) from exc
        # A new comment has no replies yet: the list's shape, with an empty `replies`.
        return Response(_show(comment, request, CommentSerializer),
                        status=status.HTTP_201_CREATED)


class CommentList(_CommentView):
    """The comments the reader may read, across the proposals they may open: newest
    first, or with `search`, best first; a page at a time by cursor (the `next` link),
    never counted."""

    @extend_schema(operation_id="api_v1_comments_list",
                   parameters=[CommentListQuerySerializer], responses=COMMENT_PAGE)
    def get(self, request):
        query = CommentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        qs = selectors.comments_listed(user=request.user)
        if "proposal" in params:
            qs = qs.filter(proposal_id=params["proposal"])
        if "project" in params:
            qs = qs.filter(proposal__project_id=params["project"])
        cursor = search.Cursor.decode(params["cursor"]) if "cursor" in params else None
        limit = params.get("limit", selectors.PAGE_SIZE)
        if "search" in params:
            found = search.page(search.ranked(qs, params["search"]), limit=limit,
                                cursor=cursor)
        else:
            found = search.page(qs, limit=limit, cursor=cursor, key="created_at",
                                key_of=lambda at: at.isoformat())
        selectors.comments_decorate(found.rows, user=request.user)
        query = search.next_query(request, found.next)
        nxt = request.build_absolute_uri(f"?{query}") if query else None
        return Response({"next": nxt,
                         "results": CommentListedSerializer(found.rows, many=True).data})


class CommentDetail(_CommentView):
    """One comment; its author may PATCH it for a short while and DELETE it at any time
    (its text is erased, its replies stay)."""

    @extend_schema(responses=CommentReplySerializer)
    def get(self, request, pk: int):
        return Response(_show(_comment(request, pk), request))

    @extend_schema(request=CommentUpdateSerializer, responses=CommentReplySerializer)
    def patch(self, request, pk: int):
        comment = _comment(request, pk)
        data = CommentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_update(comment=comment, user=request.user,
                                          body=data.validated_data["body"])
        return Response(_show(comment, request))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.comment_delete(comment=_comment(request, pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _CommentAction(_CommentView):
    permission_classes = [IsAuthenticated]

    def post(self, request, pk: int):
        comment = _comment(request, pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(comment, request.user, data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=ReasonSerializer, responses={204: None})
class CommentFlag(_CommentAction):
    """Report a comment to the planners, once, with a reason (not one's own)."""

    def act(self, comment, user, reason):
        services.comment_flag(comment=comment, user=user, reason=reason)


@extend_schema(request=ReasonSerializer, responses={204: None})
class CommentHide(_CommentAction):
    """Planners: hide a comment from everyone but planners and its author, saying why."""

    def act(self, comment, user, reason):
        services.comment_hide(comment=comment, planner=user, reason=reason)


@extend_schema(request=ReasonSerializer, responses={204: None})
class CommentRestore(_CommentAction):
    """Planners: show a hidden comment again, saying why."""

    def act(self, comment, user, reason):
        services.comment_restore(comment=comment, planner=user, reason=reason)
