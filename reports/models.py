"""Decision reports compiled for the council (to come)."""
