"""A layer's title and a constraint's message in each of the site's languages: the
layer control of the maps and the feedback citizens read while drawing show the
reader's language, English where none was written (see accounts/translation.py)."""

from modeltranslation.translator import TranslationOptions, register

from gisdata.models import Constraint, Layer


@register(Layer)
class LayerTranslation(TranslationOptions):
    fields = ("title",)


@register(Constraint)
class ConstraintTranslation(TranslationOptions):
    fields = ("message",)
