"""A participant's rights over their data (GDPR arts. 15, 17 and 20): a copy, and erasure,
through a registry each app fills with what it holds about a person.

`accounts` stands on a low floor: it cannot import the apps above that hold a person's
proposals, comments and votes. So each app describes its own data in its `privacy.py`,
as `PrivacySection`s: a stable name (the section's key in the export), a place in the
export (`order`), the relations to the user it answers for (`covers`, as
"app_label.Model.field"), and two functions: `export(user)` gives JSON-ready data,
`erase(user)` deletes the rows or takes the person's name off them.

Each app's `AppConfig.ready()` imports its `privacy` module, which registers its
sections, as `gisdata` connects its signals: the app says in its own config that it
contributes, and the import goes down the floors. `autodiscover_modules("privacy")`
would also import a module of that name from any installed third-party app, and would
hide which apps take part. An app that holds a person's data and does not register
fails `tests/accounts/test_privacy_registry.py`, which walks every foreign key to the
user model.

`personal_data_export` gives the sections in `order` under a header (format, time).
`account_erase` runs the sections' erasures in reverse `order`, in one transaction: the
upper floors' rows first (reports of posts, votes, comments, proposals), then role
claims and e-mail addresses, and the user row last (accounts' "profile", order 10),
since every other section's rows point at it. Each section takes its own rows out, so
a section never relies on another's foreign key to do it; the foreign keys' on_delete
(SET NULL or CASCADE) says the same and stays as the database's backstop.

What erasure keeps and what it removes is said by each section; in short, what the
person contributed to the public debate stays without a name, what identifies them
goes. Rows that record a planner's act about others (a decision on a
claim, a dataset, an import, a report) stay, and their foreign key's SET NULL takes the
name off (gisdata, which stands beside accounts, holds only such rows and could not
register a section; should it ever hold a participant's own data, this registry, which
imports no model, would move down to `core`). The audit log is not a section: it has
no foreign key to the user, keeps the actor's name as it was when the act was done,
and a trigger refuses to change it: it is the record of a public authority's acts,
which must outlive the account of the planner who did them (docs/operations.md says so
for the privacy notice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT_VERSION = 1


@dataclass(frozen=True)
class PrivacySection:
    """One kind of data an app holds about a person; see the module's docstring."""

    name: str
    order: int
    covers: tuple[str, ...]
    export: Callable[[Any], Any]
    erase: Callable[[Any], None]


def iso_or_none(value):
    """A date or time as ISO 8601, or None: the export's one way of writing them."""
    return value.isoformat() if value else None


_sections: dict[str, PrivacySection] = {}


def privacy_section_register(section: PrivacySection) -> None:
    """Add `section`; a second section with its name or its place is a mistake."""
    known = _sections.get(section.name)
    if known == section:
        return
    if known or any(s.order == section.order for s in _sections.values()):
        raise ValueError(f"Privacy section {section.name!r} (order {section.order}) "
                         "clashes with one already registered.")
    _sections[section.name] = section


def privacy_sections() -> list[PrivacySection]:
    """The registered sections, in export order."""
    return sorted(_sections.values(), key=lambda s: s.order)


def personal_data_export(*, user) -> dict:
    """Everything Plaza holds about `user`, as JSON-ready data."""
    data = {"format": f"plaza-personal-data/{FORMAT_VERSION}",
            "exported_at": timezone.now().isoformat()}
    for section in privacy_sections():
        data[section.name] = section.export(user)
    return data


def account_erase(*, user, password: str) -> None:
    """Erase `user` (who confirms with their password); see the module's docstring."""
    if not user.is_authenticated or not user.check_password(password or ""):
        raise ValidationError({"password": _("The password is not right.")})
    if user.is_superuser:
        raise ValidationError(_("A site administrator's account is erased by another "
                                "administrator, so that the site always has one."))
    with transaction.atomic():
        for section in reversed(privacy_sections()):
            section.erase(user)
