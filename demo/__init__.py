"""The demo city: its open data (barcelona/, cambridge/, each with its attribution) and
the loader that turns it into projects, proposals, votes and discussions
(`python manage.py load_demo`). It writes through the other apps' services; nothing
imports it."""
