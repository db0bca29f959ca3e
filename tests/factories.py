"""Small builders for test data: explicit, so each test shows what it relies on."""

from decimal import Decimal
from itertools import count

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.groups import PLANNER_GROUP, ensure_planner_group
from accounts.models import ClaimStatus, RoleClaim, StakeholderRole, User

PASSWORD = "correct-horse-battery-staple"
_seq = count(1)


def user_make(username: str | None = None, *, planner: bool = False, email_verified=True,
              **fields) -> User:
    username = username or f"user{next(_seq)}"
    fields.setdefault("email", f"{username}@example.org")
    fields.setdefault("is_staff", planner)
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=user.email, primary=True,
                                verified=email_verified)
    if planner:
        ensure_planner_group()
        user.groups.add(Group.objects.get(name=PLANNER_GROUP))
    return user


def role_make(slug: str, weight: str = "1", position: int = 0, **fields) -> StakeholderRole:
    return StakeholderRole.objects.create(
        slug=slug, name=fields.pop("name", slug.replace("-", " ").title()),
        default_weight=Decimal(weight), position=position, **fields,
    )


def claim_make(user: User, role: StakeholderRole, *, status=ClaimStatus.PENDING,
               decided_by: User | None = None, **fields) -> RoleClaim:
    """A claim written straight to the database, for tests that are not about services."""
    if status != ClaimStatus.PENDING:
        from django.utils import timezone

        fields.setdefault("decided_at", timezone.now())
        if status == ClaimStatus.REJECTED:
            fields.setdefault("decision_reason", "Not in the area.")
    return RoleClaim.objects.create(user=user, role=role, evidence="I live here.",
                                    status=status, decided_by=decided_by, **fields)
