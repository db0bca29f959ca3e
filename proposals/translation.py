"""A project's text and its categories' names in each of the site's languages.

django-modeltranslation adds a column per language (title_en, title_ca, title_es…) and
makes `project.title` read the reader's language, falling back to English
(MODELTRANSLATION_FALLBACK_LANGUAGES): a project the city wrote only in English still
shows its English title to a Catalan visitor, never a blank.
"""

from modeltranslation.translator import TranslationOptions, register

from proposals.models import Category, Project


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name",)
