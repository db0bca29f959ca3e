"""The dashboard reads and acts through the other apps; it has no models of its own."""
