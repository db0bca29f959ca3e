"""Open data reads the other apps through their selectors; it has no models of its own."""
