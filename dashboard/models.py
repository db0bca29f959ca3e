"""The dashboard's own table: the claims that an answer's e-mail went out.

The audit log it reads lives in the `audit` app (ground floor), which every app writes.
"""

from django.db import models


class Notice(models.Model):
    """The claim that an e-mail about one audit entry went out (key "answer:<entry id>"):
    inserted before sending and removed if sending fails, so a task delivered twice sent
    once. The voters' answer e-mail is now a notification (docs/notifications.md); the
    rows stay as the record of the answers e-mailed before."""

    key = models.CharField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
