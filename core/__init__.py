"""Shared plumbing every app may use: the API's HTTP conventions and errors, form errors,
the bbox parameter, GeoJSON as every surface writes it, the view-only admin, the
resilient cache backend, logging and request ids, the security headers, the debug-page
guards and the JavaScript catalogue.

The lowest floor: it imports no Plaza app and not `config` (which only wires, naming
these classes by their dotted paths in the settings). A plain package, not a Django
app: it has no models, templates or texts of its own.
"""
