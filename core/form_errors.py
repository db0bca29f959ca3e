"""Page plumbing shared by every app: a service's ValidationError shown on a form.

Services raise Django's ValidationError, with field names where they know them; a page
shows each message next to the field it names, or above the form otherwise. (The API's
counterpart is core/api_errors.py.)
"""

from django.core.exceptions import ValidationError


def form_add_service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
