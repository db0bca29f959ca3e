from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and stakeholder roles"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.groups import ensure_planner_group

        # Permissions exist only after migrate has run, so the planner group is
        # (re)built then; it is idempotent and keeps any permission a city added.
        post_migrate.connect(ensure_planner_group, sender=self)
