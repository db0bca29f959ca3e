"""The members of Prague's Bubeneč energy community: who they are, on which building
they pledge and what they bring (demo/energy_bubenec.py makes them).

Each member is on a real building of the Bubeneč layer, named by its `uID` in the
file. Several households (and a shop or café on the ground floor) share an apartment
block, so building-scale sharing has something to share; one pledge per block brings its
array. The figures are assumptions of the right order for Prague, not anyone's meter:

- a flat without electric heating uses 2,000 to 3,800 kWh a year, a house a little
  more; a shop 12,000 to 16,000; a café 30,000; the office 45,000; the primary school
  90,000 (lighting, kitchen, computers; heating is district heat);
- arrays are what a block's owners' association puts up (8 to 20 kWp), the office's
  and the school's flat roofs 30 and 60 kWp; two family houses leave the kWp, tilt and
  azimuth empty, so they are read from their roofs; every other array's tilt and
  azimuth are read from its roof too;
- two batteries: the school's 40 kWh (20 kW) and a house's 10 kWh (5 kW).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    username: str
    display_name: str
    role: str  # the stakeholder role the Prague planner verifies
    kind: str  # energy.models.MemberKind
    building: int  # the building's `uID` in demo/prague/bubenec_buildings.gpkg
    yearly_kwh: float
    pv_kwp: float | None = 0.0  # None: read from the roof
    battery_kwh: float = 0.0
    battery_kw: float = 0.0
    flexible_share: float = 0.0


# The demo persona `energy` (Eva Energy) pledges on block 52, with its array.
PERSONA = Member("energy", "Eva Energy", "resident", "household", 52, 2900, pv_kwp=12,
                 flexible_share=0.2)

H, R = "household", "resident"
NEIGHBOURS = [
    Member("bubenec01", "Hana Dvořáková", "civil-society", "school", 2, 90_000,
           pv_kwp=60, battery_kwh=40, battery_kw=20),
    Member("bubenec02", "Tomáš Novák", "business-owner", "office", 81, 45_000, pv_kwp=30),
    Member("bubenec03", "Jana Svobodová", R, H, 75, 3100, pv_kwp=20),
    Member("bubenec04", "Petr Černý", R, H, 75, 2600),
    Member("bubenec05", "Lucie Procházková", R, H, 75, 3400, flexible_share=0.1),
    Member("bubenec06", "Martin Kučera", "business-owner", "shop", 105, 16_000,
           pv_kwp=15),
    Member("bubenec07", "Kateřina Veselá", R, H, 105, 2800),
    Member("bubenec08", "Jiří Horák", R, H, 105, 3600),
    Member("bubenec09", "Eva Němcová", R, H, 105, 2200),
    Member("bubenec10", "Pavel Marek", R, H, 52, 3000),
    Member("bubenec11", "Tereza Pokorná", R, H, 52, 2500, flexible_share=0.15),
    Member("bubenec12", "Josef Pospíšil", "business-owner", "shop", 46, 14_000),
    Member("bubenec13", "Markéta Hájková", R, H, 46, 3200),
    Member("bubenec14", "Jan Král", R, H, 46, 2700),
    Member("bubenec15", "Zuzana Jelínková", "business-owner", "restaurant", 61, 30_000,
           pv_kwp=10),
    Member("bubenec16", "Václav Růžička", R, H, 61, 3300),
    Member("bubenec17", "Michaela Benešová", R, H, 61, 2400),
    Member("bubenec18", "Ondřej Fiala", R, H, 33, 3500),
    Member("bubenec19", "Veronika Sedláčková", R, H, 33, 2900),
    Member("bubenec20", "Lukáš Doležal", "business-owner", "shop", 104, 12_000),
    Member("bubenec21", "Barbora Zemanová", R, H, 104, 3000),
    Member("bubenec22", "Karel Kolář", R, H, 98, 3700, pv_kwp=14),
    Member("bubenec23", "Alena Navrátilová", R, H, 98, 2300),
    Member("bubenec24", "Radek Čermák", "expert", H, 12, 3800, flexible_share=0.2),
    Member("bubenec25", "Monika Urbanová", R, H, 27, 4200, pv_kwp=None),
    Member("bubenec26", "David Blažek", R, H, 26, 4500, pv_kwp=None, battery_kwh=10,
           battery_kw=5, flexible_share=0.25),
    Member("bubenec27", "Ivana Křížová", R, H, 86, 2600),
    Member("bubenec28", "Milan Kratochvíl", R, H, 57, 3100),
    Member("bubenec29", "Simona Bartošová", R, H, 57, 2800),
    Member("bubenec30", "Roman Vlček", R, H, 83, 3300),
    Member("bubenec31", "Daniela Holubová", "business-owner", "workshop", 76, 9000),
    Member("bubenec32", "Filip Polák", R, H, 55, 2700),
    Member("bubenec33", "Adéla Musilová", R, H, 55, 3000),
    Member("bubenec34", "Stanislav Šimek", R, H, 64, 3400, pv_kwp=8),
    Member("bubenec35", "Klára Konečná", R, H, 64, 2100),
]
MEMBERS = [PERSONA, *NEIGHBOURS]

# How each kind of member votes on the options (fixed, demand, equal): 1 for, -1
# against, 0 abstain. Households with an array favour fixed shares (the array's owner
# decides the coefficients), those without favour equal shares; businesses, whose use
# peaks in sunny hours, favour sharing by demand.
LEANINGS = {
    "array": (1, 1, -1),
    "household": (-1, 0, 1),
    "business": (0, 1, -1),
    "school": (1, 0, 1),
    "expert": (1, 1, 0),
}


def leaning(member: Member) -> tuple[int, int, int]:
    """The member's votes on the three options."""
    if member.role == "expert":
        return LEANINGS["expert"]
    if member.kind == "school":
        return LEANINGS["school"]
    if member.kind != "household":
        return LEANINGS["business"]
    return LEANINGS["array" if member.pv_kwp != 0 else "household"]


def votes_cast(member: Member, position: int) -> bool:
    """Whether the member has voted: two of every three neighbours have; the persona
    has not, so whoever logs in as her casts her votes."""
    return member is not PERSONA and position % 3 != 2
