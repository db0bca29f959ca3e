"""Role weights per project, votes and tallies (to come)."""
