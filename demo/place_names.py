"""Street names for proposal titles, from the way the city's inventories write them.

The fountain inventory abbreviates street types in capitals ('PL CORTS') and the bike
lane layer mixes names with notes ('Carril Bici Av. de Vilanova mar'). A title reads
better with the name a neighbour would use ('Plaça Corts', 'Avinguda de Vilanova'); a
name these rules cannot clean is refused (None) and its site is not used. Kept apart
from the sites because these are rules about Catalan text, not about geometry.
"""

from __future__ import annotations

import re

# The fountain inventory abbreviates street types, in capitals ("PL CORTS").
STREET_TYPES = {"C": "Carrer", "PL": "Plaça", "AV": "Avinguda", "PG": "Passeig",
                "RBLA": "Rambla", "G.V.": "Gran Via de les", "PTGE": "Passatge", "RDA": "Ronda",
                "JARD": "Jardins", "PARC": "Parc", "VIA": "Via", "PLTA": "Placeta",
                "CAMI": "Camí", "TVRA": "Travessera"}
PARTICLES = {"de", "del", "dels", "la", "les", "el", "els", "i", "en", "na"}

LANE_ABBREVIATIONS = [(r"^(Av\.?|av) ", "Avinguda "), (r"^(Pg\.?|pg) ", "Passeig "),
                      (r"^(Pl|pl) ", "Plaça "), (r"^Rbla ", "Rambla "),
                      (r"^(C|carrer) ", "Carrer "), (r"^Gran via ", "Gran Via "),
                      (r"Traball", "Treball")]  # the last one is a typo in the dataset
# Joins between two lanes ('Casp - Glòries'), notes ('en sentit contrari', 'vorera') and
# initials ('M Cinto V') make poor titles.
LANE_SKIP = re.compile(r"[-()<>,.`]|^del |\b(tram|enllaç|connexió|rotonda|accés|creuament|"
                       r"carril|sentit|vorera|sta|pas|eix)\b", re.IGNORECASE)
INITIAL = re.compile(r"\b[A-Z]\b")


def _title_case(words: str) -> str:
    """'COMTE D'URGELL' -> "Comte d'Urgell"; accents are kept as the city wrote them."""
    out = []
    for word in words.lower().replace("' ", "'").split():
        if word in PARTICLES:
            out.append(word)
        elif re.match(r"^[dl]'", word):
            out.append(word[:2] + word[2:].capitalize())
        else:
            out.append(word.capitalize())
    return " ".join(out)


def fountain_place(street: str | None) -> str | None:
    """'PL CORTS' -> 'Plaça Corts'; None for a street type or spelling not recognised."""
    kind, _, rest = (street or "").partition(" ")
    if kind not in STREET_TYPES or not rest or not rest.isupper():
        return None
    return f"{STREET_TYPES[kind]} {_title_case(rest)}"


def station_place(street: str | None) -> str:
    """'Carrer A / Carrer B, s/n' -> 'Carrer A / Carrer B' (a Bicing station's corner)."""
    street = (street or "").replace(", s/n", "")
    return " / ".join(part.strip() for part in street.split("/") if part.strip())


def lane_place(tooltip: str) -> str | None:
    """'Carril Bici Av. de Vilanova' -> 'Avinguda de Vilanova'; None for a link or a ramp."""
    name = re.sub(r"^Carril Bici\s+", "", tooltip.strip())
    name = re.sub(r"^(bidireccional|unidireccional)\s+", "", name, flags=re.IGNORECASE)
    # '2', 'mar', 'Besós': which of two lanes, or which side of the street it runs on
    name = re.sub(r"(\s+(\d+|mar|muntanya|est|Besós|Llobregat))+$", "", name)
    for pattern, replacement in LANE_ABBREVIATIONS:
        name = re.sub(pattern, replacement, name)
    if LANE_SKIP.search(name) or INITIAL.search(name):
        return None
    return name if len(name) >= 4 and name[0].isupper() else None
