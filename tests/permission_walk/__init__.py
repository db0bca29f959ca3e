"""The permission walk: every URL pattern of the project, for every persona.

`routes.py` reads the patterns from the URL resolver and says what each persona should
get; `table.py` classifies each pattern (public, any signed-in user, owner, planner,
staff); `world.py` builds the objects the patterns point at. A pattern the table does
not name fails `test_walk.py`, so no URL ships without someone deciding who may use it.
"""
