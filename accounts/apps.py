from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and stakeholder roles")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import privacy  # noqa: F401  (registers its sections of a person's data)
        from accounts.groups import ensure_planner_group

        # Permissions exist only after migrate has run, so the planner group is
        # (re)built then; it is idempotent and keeps any permission a city added.
        post_migrate.connect(ensure_planner_group, sender=self)
