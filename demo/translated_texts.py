"""The demo's projects, categories, roles, layers and constraint messages in Catalan and
Spanish, so that a visitor who
picks either language sees the demo city's own texts in it (django-modeltranslation's
per-language columns). English stays in the plain fields the loaders write. Applied after
every load and harmless to apply again: it only sets these columns."""

from __future__ import annotations

from django.db import transaction

from accounts.models import StakeholderRole
from gisdata.models import Constraint, Layer
from proposals.models import Category, Project

PROJECTS = {
    "barcelona-neighbourhoods": {
        "title_ca": "Barcelona: idees per al teu barri",
        "title_es": "Barcelona: ideas para tu barrio",
        "description_ca": """\
L'Ajuntament reserva una part del pressupost de l'any vinent per a petites obres que
proposa el veïnat: més ombra i verd, carrers més segurs per caminar i anar en bicicleta,
places per trobar-se, llocs per jugar i compartir cultura.

Posa la teva idea al mapa, a qualsevol dels deu districtes: un punt per a un lloc, una
línia per a un carrer o un carril bici, una àrea per a una plaça o un racó. Mentre la
fase d'idees és oberta, tothom pot llegir i debatre les idees; després voten els veïns,
comerciants, persones expertes i entitats verificats, i els equips tècnics municipals
estudien les més recolzades abans de decidir què es construeix.""",
        "description_es": """\
El Ayuntamiento reserva una parte del presupuesto del año que viene para pequeñas obras
que propone el vecindario: más sombra y verde, calles más seguras para caminar e ir en
bicicleta, plazas para encontrarse, lugares para jugar y compartir cultura.

Pon tu idea en el mapa, en cualquiera de los diez distritos: un punto para un lugar, una
línea para una calle o un carril bici, un área para una plaza o un rincón. Mientras la
fase de ideas está abierta, todo el mundo puede leer y debatir las ideas; después votan
los vecinos, comerciantes, personas expertas y entidades verificados, y los equipos
técnicos municipales estudian las más apoyadas antes de decidir qué se construye.""",
    },
    "sant-antoni-superblock": {
        "title_ca": "Superilla de Sant Antoni: quines idees primer?",
        "title_es": "Supermanzana de Sant Antoni: ¿qué ideas primero?",
        "description_ca": """\
Els carrers del voltant del mercat de Sant Antoni s'han convertit en una superilla: menys
trànsit, més espai per a la gent. El veïnat ha enviat les seves idees sobre què fer amb
l'espai; ara tria quines construeix primer l'Ajuntament.

Vota a favor o en contra de cada idea. Cada vot compta amb el pes del rol verificat de
qui vota, publicat a continuació; els participants sense rol verificat compten la meitat.""",
        "description_es": """\
Las calles alrededor del mercado de Sant Antoni se han convertido en una supermanzana:
menos tráfico, más espacio para la gente. El vecindario ha enviado sus ideas sobre qué
hacer con el espacio; ahora elige cuáles construye primero el Ayuntamiento.

Vota a favor o en contra de cada idea. Cada voto cuenta con el peso del rol verificado de
quien vota, publicado a continuación; los participantes sin rol verificado cuentan la
mitad.""",
    },
    "cambridge-riverside-play": {
        "title_ca": "Cambridge: espais de joc a la riba del riu",
        "title_es": "Cambridge: espacios de juego junto al río",
        "description_ca": "On hauria d'afegir Cambridge espais de joc al llarg del riu "
                          "Charles? Dibuixa la teva idea: el mapa t'avisa quan un lloc és "
                          "a la zona inundable de període de retorn de 100 anys.",
        "description_es": "¿Dónde debería añadir Cambridge espacios de juego a lo largo del "
                          "río Charles? Dibuja tu idea: el mapa te avisa cuando un lugar "
                          "está en la zona inundable de periodo de retorno de 100 años.",
    },
}

# By category slug, in every demo project (the same slug means the same theme).
CATEGORIES = {
    "green-space": ("Verd i ombra", "Verde y sombra"),
    "green": ("Verd i ombra", "Verde y sombra"),
    "mobility": ("Caminar i anar en bici", "Caminar e ir en bici"),
    "public-space": ("Places i carrers", "Plazas y calles"),
    "play": ("Joc i esport", "Juego y deporte"),
    "culture": ("Cultura i comunitat", "Cultura y comunidad"),
}

ROLES = {
    "resident": ("Veí o veïna", "Vive a l'àmbit del projecte.",
                 "Vecino o vecina", "Vive en el ámbito del proyecto."),
    "business-owner": ("Comerciant", "Té un negoci a l'àmbit del projecte.",
                       "Comerciante", "Tiene un negocio en el ámbito del proyecto."),
    "expert": ("Persona experta o arquitecta",
               "Professional col·legiat en urbanisme, arquitectura o enginyeria.",
               "Persona experta o arquitecta",
               "Profesional colegiado en urbanismo, arquitectura o ingeniería."),
    "civil-society": ("Entitat de la societat civil",
                      "Parla en nom d'una associació registrada activa a la zona.",
                      "Entidad de la sociedad civil",
                      "Habla en nombre de una asociación registrada activa en la zona."),
}

# By the demo dataset's name (demo/layers.py): what the map's layer control
# and legend call each layer.
LAYERS = {
    "Barcelona bike lanes": ("Carrils bici de Barcelona", "Carriles bici de Barcelona"),
    "Barcelona districts": ("Districtes de Barcelona", "Distritos de Barcelona"),
    "Barcelona drinking fountains": ("Fonts d'aigua potable de Barcelona",
                                     "Fuentes de agua potable de Barcelona"),
    "Cambridge 100-year flood zones": ("Zones inundables (100 anys) de Cambridge",
                                       "Zonas inundables (100 años) de Cambridge"),
    "Barcelona neighbourhoods": ("Barris de Barcelona", "Barrios de Barcelona"),
    "Cambridge neighbourhoods": ("Barris de Cambridge", "Barrios de Cambridge"),
    "Cambridge streets": ("Carrers de Cambridge", "Calles de Cambridge"),
}

# By the same name: the feedback a drawing in the layer gets.
CONSTRAINTS = {
    "Cambridge 100-year flood zones": (
        "Això és a la zona inundable de 100 anys de la FEMA {fld_zone}: l'Ajuntament "
        "comprovarà que pugui resistir una inundació.",
        "Esto está en la zona inundable de 100 años de la FEMA {fld_zone}: el "
        "Ayuntamiento comprobará que pueda resistir una inundación."),
}


def demo_translate() -> None:
    """Give the demo's projects, categories, roles, layers and constraints their Catalan
    and Spanish texts."""
    with transaction.atomic():
        for slug, texts in PROJECTS.items():
            Project.objects.filter(slug=slug).update(**texts)
        for slug, (catalan, spanish) in CATEGORIES.items():
            Category.objects.filter(slug=slug, project__slug__in=PROJECTS).update(
                name_ca=catalan, name_es=spanish)
        for slug, (name_ca, description_ca, name_es, description_es) in ROLES.items():
            StakeholderRole.objects.filter(slug=slug).update(
                name_ca=name_ca, description_ca=description_ca,
                name_es=name_es, description_es=description_es)
        for name, (catalan, spanish) in LAYERS.items():
            Layer.objects.filter(dataset__name=name).update(title_ca=catalan, title_es=spanish)
        for name, (catalan, spanish) in CONSTRAINTS.items():
            Constraint.objects.filter(layer__dataset__name=name).update(
                message_ca=catalan, message_es=spanish)
