"""What several apps' admins share."""


class ViewOnlyAdmin:
    """An admin page to read and search, never to add, change or delete: for rows that
    services or imports write (features, comments, the audit log). Put it before the
    ModelAdmin class in the bases."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
