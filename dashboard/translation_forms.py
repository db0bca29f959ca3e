"""The per-language fields of the planners' forms: a project's title and description,
each category's name and a layer's title, in every language of the site.

The plain fields (`title`, `description`, a category's `name`) hold the English text,
the one every page falls back to; the others (`title_ca`, `title_es`…) are optional, and
an empty one shows the English text in its language. Kept apart from project_forms.py so
that the forms there only name the mixin.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from modeltranslation import settings as mt_settings

PROJECT_TEXTS = {"title": (_("Title in %(language)s"), 200, forms.TextInput),
                 "description": (_("Description in %(language)s"), 20000, forms.Textarea)}
CATEGORY_TEXTS = {"name": (_("Category in %(language)s"), 80, forms.TextInput)}
LAYER_TEXTS = {"title": (_("Title in %(language)s"), 200, forms.TextInput)}


def default_language() -> str:
    return settings.MODELTRANSLATION_DEFAULT_LANGUAGE


def other_languages() -> list[tuple[str, str]]:
    """The languages content has columns for (those of LANGUAGES when the models were
    loaded) but the default one, as (code, name in that language)."""
    return [(code, _language_name(code)) for code in mt_settings.AVAILABLE_LANGUAGES
            if code != default_language()]


def _language_name(code: str) -> str:
    return dict(settings.LANGUAGES).get(code, code)


class _TranslationsMixin:
    texts: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, max_length, widget) in self.texts.items():
            self.fields[name].label = label % {"language": _language_name(default_language())}
            for code, language in other_languages():
                attrs = {"lang": code}
                if widget is forms.Textarea:
                    attrs["rows"] = 3
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=label % {"language": language}, max_length=max_length,
                    required=False, widget=widget(attrs=attrs),
                    help_text=_("Empty: the text above is shown."))

    def translation_fields(self):
        """The bound per-language fields, for the template to show together."""
        return [self[f"{name}_{code}"] for name in self.texts for code, _l in other_languages()]

    def translations(self) -> dict[str, str]:
        """What the planner wrote per language, by column (title_ca…); empty is ''."""
        return {f"{name}_{code}": (self.cleaned_data.get(f"{name}_{code}") or "").strip()
                for name in self.texts for code, _l in other_languages()}


class ProjectTranslationsMixin(_TranslationsMixin):
    texts = PROJECT_TEXTS


class CategoryTranslationsMixin(_TranslationsMixin):
    texts = CATEGORY_TEXTS


class LayerTranslationsMixin(_TranslationsMixin):
    texts = LAYER_TEXTS


def texts_initial(instance, texts: dict) -> dict[str, str]:
    """The form's initial values: the English column in the plain field (never the
    reader's language, which would be saved as English) and each other language's."""
    initial = {}
    for name in texts:
        initial[name] = getattr(instance, f"{name}_{default_language()}") or ""
        for code, _l in other_languages():
            initial[f"{name}_{code}"] = getattr(instance, f"{name}_{code}") or ""
    return initial
