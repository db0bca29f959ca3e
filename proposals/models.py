"""Projects with their area and phases, proposals, comments and moderation (to come)."""
