"""Content in each of the site's languages (django-modeltranslation).

A translated field gets one column per language (name_en, name_ca, name_es) and
`role.name` reads the reader's language, falling back to English
(MODELTRANSLATION_FALLBACK_LANGUAGES), so a text written only in English still shows,
never a blank. The models of other apps register in their own translation.py.
"""

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save
from django.dispatch import receiver
from modeltranslation.translator import NotRegistered, TranslationOptions, register, translator
from modeltranslation.utils import build_localized_fieldname

from accounts.models import StakeholderRole


@register(StakeholderRole)
class StakeholderRoleTranslation(TranslationOptions):
    fields = ("name", "description")


@receiver(post_save, dispatch_uid="plain_column_in_english")
def plain_column_in_english(sender, instance, **kwargs):
    """Keep each translated model's plain column (`name`) equal to its English text.

    Pages read through modeltranslation, but some readers reach the plain column across
    a relation (`values("role__name")`, `F("category__name")`, SQL). modeltranslation
    saves into it the text in whatever language is active (a Catalan planner's save
    would write Catalan there), so after each save it is set back to the default
    language's column, for every translated model of every app.
    """
    try:
        fields = translator.get_options_for_model(sender).fields
    except NotRegistered:
        return
    language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    # Coalesce: a row with no English text (an optional field left empty) keeps its own.
    english = {name: Coalesce(F(build_localized_fieldname(name, language)), F(name))
               for name in fields}
    # rewrite(False): `name` is the plain column here, not the active language's.
    sender._default_manager.filter(pk=instance.pk).rewrite(False).update(**english)
