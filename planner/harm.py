"""Crime harm: raw offence types -> canonical categories -> harm weights (days).

Weights follow the idea of the Cambridge Crime Harm Index (CCHI): the harm of an offence is the
number of days of imprisonment of the *starting point* sentence that the sentencing guidelines
for England and Wales give a first offender for the least serious category of that offence;
a fine counts as the days of minimum-wage work needed to pay it and a community order as a
comparable small number of days, and offences that the police detect themselves rather than
victims report are left out.

Sources
-------
- L. Sherman, P. Neyroud and E. Neyroud (2016), "The Cambridge Crime Harm Index: Measuring
  Total Harm from Crime Based on Sentencing Guidelines", *Policing* 10(3), 171-183,
  https://doi.org/10.1093/police/paw003 (method and the exclusion of proactive detections).
- The current CCHI table (Cambridge Centre for Evidence-Based Policing, cambridge-ebp.co.uk/chi,
  May 2023 update, after the 2022 burglary guideline) and the Sentencing Council guidelines.

The numbers below are **approximate**: rounded from those starting points, and several
categories here (``violence mixed``, ``burglary unspecified``, the US categories) group
offences that the CCHI scores separately, so their weight is a judgement of the typical mix.
They rank offences sensibly (homicide >> robbery >> burglary >> theft >> damage) but are not
the published table; check them against the current CCHI before using them operationally, and
override them per scenario where local policy differs. US offences are mapped by analogy to the
nearest English offence, not from US sentencing rules.

Categories in :data:`DEFAULT_EXCLUDED` are dropped by the loader by default, counted as
"excluded type": drug offences, weapons *possession* (mostly found on stop and search), other
police-generated records (warrants, traffic and licensing arrests, stolen goods found, ...),
traffic collisions and offences, and non-crime reports (lost property, missing persons, medical
assists, ...). They mostly record where police already look, or nothing a foot patrol prevents.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from planner.errors import ScenarioError

#: Category given to offence types that no table or keyword rule recognises.
OTHER = "other"

#: Harm weight in days per canonical category (approximate; see the module docstring).
HARM_DAYS: Mapping[str, float] = MappingProxyType(
    {
        "homicide": 5475.0,  # murder: minimum term starting point 15 years
        "rape": 1825.0,  # rape, lowest category: 5 years
        "kidnapping": 730.0,  # kidnapping / false imprisonment: no guideline, ~2 years
        "robbery": 365.0,  # street or less sophisticated commercial robbery: 1 year
        "sexual offence": 180.0,  # sexual assault and other sexual offences, lower categories
        "assault aggravated": 180.0,  # ABH / wounding, lower categories: ~26 weeks
        "weapons use": 180.0,  # firearm discharged, weapon used or shown to threaten
        "violence mixed": 60.0,  # police.uk "Violence and sexual offences": typical mix
        "arson": 60.0,
        "burglary residential": 40.0,  # domestic burglary, lowest category
        "burglary unspecified": 30.0,  # residential and commercial together (police.uk, Chicago)
        "offences against family": 30.0,  # order breaches, neglect, non-assault domestic
        "burglary commercial": 10.0,
        "theft from person": 10.0,
        "vehicle theft": 10.0,
        "harassment": 10.0,  # threats, harassment, stalking
        "theft from vehicle": 5.0,
        "bicycle theft": 5.0,
        "other theft": 5.0,
        "fraud": 5.0,
        OTHER: 5.0,  # unmapped or unspecified offences
        "assault simple": 3.0,  # common assault, lowest category: a fine
        "public order": 3.0,
        "shoplifting": 2.0,
        "criminal damage": 2.0,
        "trespass": 2.0,
        "anti-social behaviour": 1.0,  # police.uk ASB: not a crime, public-reported disorder
        # excluded by default (weights apply only when a scenario includes them)
        "drugs": 2.0,
        "weapons possession": 60.0,
        "police generated": 1.0,
        "traffic": 1.0,
        "non-crime": 0.0,
    }
)

#: Categories dropped by default: they mostly reflect where police already look.
DEFAULT_EXCLUDED: frozenset[str] = frozenset(
    {"drugs", "weapons possession", "police generated", "traffic", "non-crime"}
)

_UK = {
    "ANTI-SOCIAL BEHAVIOUR": "anti-social behaviour",
    "BICYCLE THEFT": "bicycle theft",
    "BURGLARY": "burglary unspecified",
    "CRIMINAL DAMAGE AND ARSON": "criminal damage",
    "DRUGS": "drugs",
    "OTHER CRIME": OTHER,
    "OTHER THEFT": "other theft",
    "POSSESSION OF WEAPONS": "weapons possession",
    "PUBLIC ORDER": "public order",
    "PUBLIC DISORDER AND WEAPONS": "public order",  # before 2013
    "ROBBERY": "robbery",
    "SHOPLIFTING": "shoplifting",
    "THEFT FROM THE PERSON": "theft from person",
    "VEHICLE CRIME": "theft from vehicle",  # mostly theft from vehicles, some of them
    "VIOLENCE AND SEXUAL OFFENCES": "violence mixed",
    "VIOLENT CRIME": "violence mixed",  # before 2013
}

_SF = {
    "ARSON": "arson",
    "ASSAULT": "assault simple",
    "BURGLARY": "burglary unspecified",
    "CASE CLOSURE": "non-crime",
    "CIVIL SIDEWALKS": "police generated",
    "COURTESY REPORT": "non-crime",
    "DISORDERLY CONDUCT": "public order",
    "DRUG OFFENSE": "drugs",
    "DRUG VIOLATION": "drugs",
    "EMBEZZLEMENT": "fraud",
    "FAMILY OFFENSE": "offences against family",
    "FIRE REPORT": "non-crime",
    "FORGERY AND COUNTERFEITING": "fraud",
    "FRAUD": "fraud",
    "GAMBLING": "police generated",
    "HOMICIDE": "homicide",
    "HUMAN TRAFFICKING (A), COMMERCIAL SEX ACTS": "police generated",
    "HUMAN TRAFFICKING (B), INVOLUNTARY SERVITUDE": "police generated",
    "HUMAN TRAFFICKING, COMMERCIAL SEX ACTS": "police generated",
    "JUVENILE OFFENSES": OTHER,
    "LARCENY THEFT": "other theft",
    "LIQUOR LAWS": "police generated",
    "LOST PROPERTY": "non-crime",
    "MALICIOUS MISCHIEF": "criminal damage",
    "MISCELLANEOUS INVESTIGATION": "non-crime",
    "MISSING PERSON": "non-crime",
    "MOTOR VEHICLE THEFT": "vehicle theft",
    "MOTOR VEHICLE THEFT?": "vehicle theft",
    "NON-CRIMINAL": "non-crime",
    "OFFENCES AGAINST THE FAMILY AND CHILDREN": "offences against family",
    "OTHER": "non-crime",  # death reports
    "OTHER MISCELLANEOUS": "police generated",  # detentions, resisting, licence, probation
    "OTHER OFFENSES": "police generated",  # plates found, code violations
    "PROSTITUTION": "police generated",
    "RAPE": "rape",
    "RECOVERED VEHICLE": "non-crime",
    "ROBBERY": "robbery",
    "SEX OFFENSE": "sexual offence",
    "STOLEN PROPERTY": "police generated",
    "SUICIDE": "non-crime",
    "SUSPICIOUS": "non-crime",
    "SUSPICIOUS OCC": "non-crime",
    "TRAFFIC COLLISION": "traffic",
    "TRAFFIC VIOLATION ARREST": "police generated",
    "VANDALISM": "criminal damage",
    "VEHICLE IMPOUNDED": "non-crime",
    "VEHICLE MISPLACED": "non-crime",
    "WARRANT": "police generated",
    "WEAPONS CARRYING ETC": "weapons possession",
    "WEAPONS OFFENCE": "weapons possession",
    "WEAPONS OFFENSE": "weapons possession",
}

_CHICAGO = {
    "ARSON": "arson",
    "ASSAULT": "assault simple",
    "BATTERY": "assault simple",
    "BURGLARY": "burglary unspecified",
    "CONCEALED CARRY LICENSE VIOLATION": "weapons possession",
    "CRIM SEXUAL ASSAULT": "rape",
    "CRIMINAL SEXUAL ASSAULT": "rape",
    "CRIMINAL DAMAGE": "criminal damage",
    "CRIMINAL TRESPASS": "trespass",
    "DECEPTIVE PRACTICE": "fraud",
    "GAMBLING": "police generated",
    "HOMICIDE": "homicide",
    "HUMAN TRAFFICKING": "police generated",
    "INTERFERENCE WITH PUBLIC OFFICER": "police generated",
    "INTIMIDATION": "harassment",
    "KIDNAPPING": "kidnapping",
    "LIQUOR LAW VIOLATION": "police generated",
    "MOTOR VEHICLE THEFT": "vehicle theft",
    "NARCOTICS": "drugs",
    "OTHER NARCOTIC VIOLATION": "drugs",
    "NON-CRIMINAL": "non-crime",
    "NON - CRIMINAL": "non-crime",
    "NON-CRIMINAL (SUBJECT SPECIFIED)": "non-crime",
    "OBSCENITY": "public order",
    "OFFENSE INVOLVING CHILDREN": "offences against family",
    "OTHER OFFENSE": OTHER,
    "PROSTITUTION": "police generated",
    "PUBLIC INDECENCY": "public order",
    "PUBLIC PEACE VIOLATION": "public order",
    "RITUALISM": OTHER,
    "ROBBERY": "robbery",
    "SEX OFFENSE": "sexual offence",
    "STALKING": "harassment",
    "THEFT": "other theft",
    "WEAPONS VIOLATION": "weapons possession",
}

_BOSTON = {  # OFFENSE_CODE_GROUP, filled until 2019; later rows use the keyword rules
    "AGGRAVATED ASSAULT": "assault aggravated",
    "AIRCRAFT": "non-crime",
    "ANIMAL INCIDENTS": "non-crime",
    "ARSON": "arson",
    "ASSEMBLY OR GATHERING VIOLATIONS": "public order",
    "AUTO THEFT": "vehicle theft",
    "AUTO THEFT RECOVERY": "non-crime",
    "BALLISTICS": "weapons use",
    "BIOLOGICAL THREAT": "harassment",
    "BOMB HOAX": "public order",
    "BURGLARY - NO PROPERTY TAKEN": "burglary unspecified",
    "COMMERCIAL BURGLARY": "burglary commercial",
    "CONFIDENCE GAMES": "fraud",
    "COUNTERFEITING": "fraud",
    "CRIMINAL HARASSMENT": "harassment",
    "DISORDERLY CONDUCT": "public order",
    "DRUG VIOLATION": "drugs",
    "EMBEZZLEMENT": "fraud",
    "EVADING FARE": "police generated",
    "EXPLOSIVES": "weapons use",
    "FIRE RELATED REPORTS": "non-crime",
    "FIREARM DISCOVERY": "weapons possession",
    "FIREARM VIOLATIONS": "weapons possession",
    "FRAUD": "fraud",
    "GAMBLING": "police generated",
    "HARASSMENT": "harassment",
    "HARBOR RELATED INCIDENTS": "non-crime",
    "HOME INVASION": "robbery",
    "HOMICIDE": "homicide",
    "HUMAN TRAFFICKING": "police generated",
    "HUMAN TRAFFICKING - INVOLUNTARY SERVITUDE": "police generated",
    "INVESTIGATE PERSON": "non-crime",
    "INVESTIGATE PROPERTY": "non-crime",
    "LANDLORD/TENANT DISPUTES": "non-crime",
    "LARCENY": "other theft",
    "LARCENY FROM MOTOR VEHICLE": "theft from vehicle",
    "LICENSE PLATE RELATED INCIDENTS": "non-crime",
    "LICENSE VIOLATION": "police generated",
    "LIQUOR VIOLATION": "police generated",
    "MANSLAUGHTER": "homicide",
    "MEDICAL ASSISTANCE": "non-crime",
    "MISSING PERSON LOCATED": "non-crime",
    "MISSING PERSON REPORTED": "non-crime",
    "MOTOR VEHICLE ACCIDENT RESPONSE": "traffic",
    "OFFENSES AGAINST CHILD / FAMILY": "offences against family",
    "OPERATING UNDER THE INFLUENCE": "traffic",
    "OTHER": OTHER,
    "OTHER BURGLARY": "burglary unspecified",
    "PHONE CALL COMPLAINTS": "harassment",
    "POLICE SERVICE INCIDENTS": "non-crime",
    "PRISONER RELATED INCIDENTS": "police generated",
    "PROPERTY FOUND": "non-crime",
    "PROPERTY LOST": "non-crime",
    "PROPERTY RELATED DAMAGE": "criminal damage",
    "PROSTITUTION": "police generated",
    "RECOVERED STOLEN PROPERTY": "police generated",
    "RESIDENTIAL BURGLARY": "burglary residential",
    "RESTRAINING ORDER VIOLATIONS": "offences against family",
    "ROBBERY": "robbery",
    "SEARCH WARRANTS": "police generated",
    "SERVICE": "non-crime",
    "SIMPLE ASSAULT": "assault simple",
    "TOWED": "non-crime",
    "VANDALISM": "criminal damage",
    "VERBAL DISPUTES": "non-crime",
    "VIOLATIONS": "police generated",
    "WARRANT ARRESTS": "police generated",
}

_ATLANTA = {  # COBRA "UCR Literal" (Part I crimes)
    "AGG ASSAULT": "assault aggravated",
    "AUTO THEFT": "vehicle theft",
    "BURGLARY-NONRES": "burglary commercial",
    "BURGLARY-RESIDENCE": "burglary residential",
    "HOMICIDE": "homicide",
    "MANSLAUGHTER": "homicide",
    "LARCENY-FROM VEHICLE": "theft from vehicle",
    "LARCENY-NON VEHICLE": "other theft",
    "ROBBERY-COMMERCIAL": "robbery",
    "ROBBERY-PEDESTRIAN": "robbery",
    "ROBBERY-RESIDENCE": "robbery",
}

#: Raw offence type (upper case, single spaces) -> category, per schema. ``generic`` files get
#: every table (first one wins), then the keyword rules.
TYPE_CATEGORIES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "uk_police": MappingProxyType(_UK),
        "sf": MappingProxyType(_SF),
        "boston": MappingProxyType(_BOSTON),
        "chicago": MappingProxyType(_CHICAGO),
        "atlanta_cobra": MappingProxyType(_ATLANTA),
        "generic": MappingProxyType(_ATLANTA | _BOSTON | _CHICAGO | _SF | _UK),
    }
)

_Rules = tuple[tuple[re.Pattern[str], str], ...]


def _rules(*pairs: tuple[str, str]) -> _Rules:
    return tuple((re.compile(pattern, re.IGNORECASE), category) for pattern, category in pairs)


_AGGRAVATED = ("^AGG", "assault aggravated")

#: Detail (description) rules that refine a type, per schema: type -> ordered (regex, category).
DETAIL_RULES: Mapping[str, Mapping[str, _Rules]] = MappingProxyType(
    {
        "sf": MappingProxyType(
            {
                "ASSAULT": _rules(
                    ("aggravated|serious injur|mayhem", "assault aggravated"),
                    ("false imprisonment|kidnap", "kidnapping"),
                    ("threat", "harassment"),
                ),
                "BURGLARY": _rules(
                    ("store|non-residential|comml|commercial|other bldg|warehouse", "burg_com"),
                    ("residen|apartment|hot prowl|dwelling|flat", "burg_res"),
                ),
                "LARCENY THEFT": _rules(
                    ("vehicle|auto|license plate", "theft from vehicle"),
                    ("shoplifting", "shoplifting"),
                    ("pickpocket|purse|from person", "theft from person"),
                    ("bicycle", "bicycle theft"),
                ),
                "WEAPONS OFFENSE": _rules(
                    ("discharg|exhibiting|brandish|exploding", "weapons use")
                ),
                "OTHER MISCELLANEOUS": _rules(("trespass", "trespass")),
                "MALICIOUS MISCHIEF": _rules(
                    ("phone calls", "harassment"), ("possession", "police generated")
                ),
                "DISORDERLY CONDUCT": _rules(
                    ("threat", "harassment"), ("under influence", "police generated")
                ),
                "MOTOR VEHICLE THEFT": _rules(("^vehicle, recovered", "non-crime")),
            }
        ),
        "chicago": MappingProxyType(
            {
                "ASSAULT": _rules(_AGGRAVATED),
                "BATTERY": _rules(_AGGRAVATED),
                "THEFT": _rules(
                    ("retail", "shoplifting"),
                    ("pocket|purse", "theft from person"),
                    ("motor vehicle", "theft from vehicle"),
                ),
                "WEAPONS VIOLATION": _rules(("discharge|unlawful use", "weapons use")),
                "OTHER OFFENSE": _rules(
                    ("threat|harass", "harassment"),
                    ("order of protection", "offences against family"),
                    ("register|registration|title|license|parole|probation", "police generated"),
                ),
            }
        ),
    }
)

#: Ordered keyword rules for types no table knows (Boston descriptions, generic files).
KEYWORD_RULES: _Rules = _rules(
    (r"BALLISTIC|SHOTS? FIRED|DISCHARG", "weapons use"),
    (r"WEAPON.*(FOUND|CONFISCAT)", "weapons possession"),
    (
        r"M/V ACCIDENT|M/V - LEAVING SCENE|MOTOR VEHICLE ACCIDENT|\bTRAFFIC\b|\bOUI\b|UNDER THE "
        r"INFLUENCE|^VAL\b|AUTO LAW|OPERATING (AFTER|W/O)",
        "traffic",
    ),
    (
        r"\bSICK\b|INJURED|MEDICAL|MISSING PERSON|\bLOST\b|\bFOUND\b|TOWED|DEATH|SUICIDE|"
        r"FIRE REPORT|ALARM|ANIMAL|SERVICE|INVESTIGATE|RECOVERED|NON ?- ?CRIMINAL|VERBAL "
        r"DISPUTE|LANDLORD|AIRCRAFT|HARBOR|HAZARDOUS|M/V PLATES|SUSPICIOUS|ACCIDENTAL|"
        r"REQUIRING ASSISTANCE|TRUANCY|RUNAWAY|NO M/V INVOLVED",
        "non-crime",
    ),
    (r"MURDER|HOMICIDE|MANSLAUGHTER", "homicide"),
    (r"\bRAPE\b", "rape"),
    (r"SEXUAL|INDECENT|LEWD|MOLEST|PORNOGRAPH|EXPOSURE", "sexual offence"),
    (r"KIDNAP|ABDUCT|FALSE IMPRISON", "kidnapping"),
    (r"ROBBERY|HOME INVASION|CARJACK|HIJACK", "robbery"),
    (r"(B&E|BREAKING AND ENTERING).*(MOTOR VEHICLE|M/V|\bMV\b)", "theft from vehicle"),
    (r"(BURGLARY|BREAKING AND ENTERING|B&E).*(COMMER|NON-?RES|BUSINESS|STORE)", "burg_com"),
    (r"(BURGLARY|BREAKING AND ENTERING|B&E).*(RESID|DWELLING|HOME|HOUSE|APARTMENT)", "burg_res"),
    (r"BURGLARY|BREAKING AND ENTERING|B&E", "burglary unspecified"),
    (
        r"AGG(RAVATED|\.)? (ASSAULT|BATTERY)|ASSAULT - AGGRAVATED|WOUNDING|\bGBH\b|\bABH\b|"
        r"MAYHEM|SHOOTING|STABBING",
        "assault aggravated",
    ),
    (r"ASSAULT|BATTERY|AFFRAY", "assault simple"),
    (r"THREAT|HARASS|STALK|INTIMIDAT|PHONE CALL|EXTORTION|BLACKMAIL", "harassment"),
    (r"ARSON", "arson"),
    (r"FRAUD|FORGERY|COUNTERFEIT|EMBEZZLE|DECEPTIVE|SWINDLE|CONFIDENCE|IMPERSONAT", "fraud"),
    (r"STOLEN PROPERTY|RECEIVING STOLEN|HANDLING STOLEN", "police generated"),
    (r"SHOPLIFT|RETAIL THEFT", "shoplifting"),
    (r"PICK-?POCKET|PURSE SNATCH|FROM (THE )?PERSON", "theft from person"),
    (
        r"(THEFT|LARCENY).*(FROM (M/?V|MOTOR VEHICLE|VEHICLE|AUTO|CAR)\b|MV PARTS)",
        "theft from vehicle",
    ),
    (r"(THEFT|LARCENY|STOLEN).*(BICYCLE|\bBIKE\b)|BICYCLE THEFT", "bicycle theft"),
    (
        r"AUTO THEFT|VEHICLE THEFT|THEFT OF (MOTOR )?VEHICLE|STOLEN (MOTOR )?VEHICLE",
        "vehicle theft",
    ),
    (r"THEFT|LARCENY|STOLEN", "other theft"),
    (r"VANDALISM|GRAFFITI|CRIMINAL DAMAGE|MISCHIEF|PROPERTY DAMAGE", "criminal damage"),
    (r"TRESPASS", "trespass"),
    (r"WEAPON|FIREARM|\bGUN\b|KNIFE|AMMUNITION|CONCEALED CARRY", "weapons possession"),
    (
        r"WARRANT|FUGITIVE|LICENSE|LICENCE|LIQUOR|ALCOHOL|DRINKING IN PUBLIC|PROSTITUT|GAMBL|"
        r"ORDINANCE|EVADING FARE|PROBATION|PAROLE|RESISTING|OBSTRUCT|INTERFERENCE WITH|"
        r"TRAFFICKING",
        "police generated",
    ),
    (r"DRUG|NARCOTIC|MARIJUANA|CANNABIS|COCAINE|HEROIN|CONTROLLED SUBSTANCE|PARAPH", "drugs"),
    (r"DISORDER|DISTURB|PEACE|NOISY|DRUNK|PUBLIC ORDER|RIOT|HOAX", "public order"),
    (r"ANTI-?SOCIAL", "anti-social behaviour"),
    (
        r"CHILD|FAMILY|RESTRAINING ORDER|PROTECTIVE ORDER|ORDER OF PROTECTION|DOMESTIC",
        "offences against family",
    ),
)

_SHORT = {"burg_res": "burglary residential", "burg_com": "burglary commercial"}


def normalise_type(text: str) -> str:
    """Upper case with single spaces: the key the tables use."""
    return " ".join(str(text).upper().split())


def category_of(raw_type: str, schema: str, detail: str = "") -> tuple[str, bool]:
    """Category of one offence type (and its optional description).

    Parameters
    ----------
    raw_type : str
        The offence type as written in the file.
    schema : str
        Schema name (``uk_police``, ``sf``, ``boston``, ``chicago``, ``atlanta_cobra``,
        ``generic``); unknown names use the ``generic`` tables.
    detail : str
        Description that refines the type (SF ``Incident Description``, Chicago
        ``Description``), or empty.

    Returns
    -------
    tuple of (str, bool)
        The category and whether a table or rule recognised the type (False: ``other``).
    """
    key = normalise_type(raw_type)
    table = TYPE_CATEGORIES.get(schema, TYPE_CATEGORIES["generic"])
    category = table.get(key)
    if category is not None:
        for pattern, refined in DETAIL_RULES.get(schema, {}).get(key, ()):
            if detail and pattern.search(detail):
                category = refined
                break
        return _SHORT.get(category, category), True
    for pattern, guessed in KEYWORD_RULES:
        if pattern.search(key):
            return _SHORT.get(guessed, guessed), True
    return OTHER, False


def categorize(
    types: pd.Series, schema: str, details: pd.Series | None = None
) -> tuple[pd.Series, pd.Series]:
    """Categories of many offences: one table lookup per distinct (type, detail) pair.

    Parameters
    ----------
    types : pandas.Series
        Raw offence types (strings).
    schema : str
        Schema name; see :func:`category_of`.
    details : pandas.Series, optional
        Descriptions aligned with ``types``.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        Category per row (str) and whether it was recognised (bool), indexed like ``types``.
    """
    pairs = pd.DataFrame(
        {
            "type": types.astype(str).to_numpy(),
            "detail": "" if details is None else details.astype(str).to_numpy(),
        }
    )
    codes, uniques = pd.MultiIndex.from_frame(pairs).factorize()
    looked_up = [category_of(t, schema, d) for t, d in uniques]
    categories = np.array([c for c, _ in looked_up] or [""], dtype=object)
    mapped = np.array([m for _, m in looked_up] or [False], dtype=bool)
    return (
        pd.Series(categories[codes], index=types.index, dtype=str),
        pd.Series(mapped[codes], index=types.index, dtype=bool),
    )


def check_categories(names: Collection[str], what: str) -> None:
    """Refuse names that are not harm categories, each with the nearest ones, and the list."""
    unknown = [name for name in dict.fromkeys(names) if name not in HARM_DAYS]
    if not unknown:
        return
    said = [f"'{name}'{_category_hint(name)}" for name in unknown]
    msg = (
        f"unknown harm {'category' if len(said) == 1 else 'categories'} {', '.join(said)} in "
        f"{what}; known categories: {', '.join(sorted(HARM_DAYS))}"
    )
    raise ScenarioError(msg)


def _category_hint(name: str) -> str:
    """Say which harm category an unknown ``name`` likely means, as `` (...)``, or ``""``.

    The same words in another order (``aggravated assault``) come first, then categories
    holding the name, then an offence type of a portal's table (``ROBBERY-PEDESTRIAN``), named
    with its category, then the closest spelling.
    """
    part = name.strip()
    words = sorted(part.split())
    guess = [c for c in HARM_DAYS if sorted(c.split()) == words]
    guess = guess or [c for c in HARM_DAYS if len(part) >= 3 and part in c][:3]
    key = normalise_type(part)
    typed = [table[key] for table in TYPE_CATEGORIES.values() if key in table]
    if typed and not guess:
        return (
            f" (an offence type, in category '{_SHORT.get(typed[0], typed[0])}': name the category)"
        )
    guess = guess or difflib.get_close_matches(name, list(HARM_DAYS), n=1)
    return f" (did you mean {' or '.join(repr(g) for g in guess)}?)" if guess else ""


def harm_weights(
    categories: pd.Series,
    overrides: Mapping[str, float] | None = None,
    exclude: Collection[str] | None = None,
) -> pd.Series:
    """Harm weight (days) per row; ``NaN`` marks an excluded category.

    Parameters
    ----------
    categories : pandas.Series
        Canonical categories (see :data:`HARM_DAYS`).
    overrides : mapping of str to float, optional
        Weights that replace the defaults for some categories (days, >= 0).
    exclude : collection of str, optional
        Categories to leave out; ``None`` means :data:`DEFAULT_EXCLUDED`, an empty set keeps
        everything.

    Returns
    -------
    pandas.Series
        Float weights indexed like ``categories``; excluded rows are ``NaN``.

    Raises
    ------
    ScenarioError
        If an override or exclusion names an unknown category, or a weight is negative or not
        finite.
    """
    overrides = dict(overrides or {})
    excluded = DEFAULT_EXCLUDED if exclude is None else frozenset(exclude)
    check_categories(overrides, "the harm weight overrides (risk.harm_weights_days)")
    check_categories(excluded, "the excluded categories (risk.harm_exclude)")
    for name, days in overrides.items():
        if not (np.isfinite(days) and days >= 0):
            msg = f"harm weight of '{name}' must be a finite number of days >= 0 (got {days})"
            raise ScenarioError(msg)
    table = {**HARM_DAYS, **overrides}
    for name in excluded:
        table[name] = np.nan
    known = categories.where(categories.isin(list(table)), OTHER)
    return known.map(table).astype(float)


def harm_cautions(
    overrides: Mapping[str, float] | None,
    exclude: Collection[str] | None,
    weight_by: str = "harm",
) -> list[str]:
    """Say what a scenario's harm settings do that its author may not expect, one line each.

    A list of exclusions replaces the default one (the defaults left out then count); a weight
    has no effect when incidents are weighed by count, or on an excluded category.
    """
    excluded = DEFAULT_EXCLUDED if exclude is None else frozenset(exclude)
    found = []
    if exclude and (back := sorted(DEFAULT_EXCLUDED - excluded)):
        found.append(
            "risk.harm_exclude replaces the default exclusions, so "
            f"{', '.join(back)} now count, though they mostly reflect where police already "
            "look; add them to the list to keep them out"
        )
    if unused := sorted(set(overrides or {}) & excluded):
        found.append(
            f"risk.harm_weights_days weighs {', '.join(unused)}, which "
            f"{'is' if len(unused) == 1 else 'are'} excluded, so the weight has no effect; "
            "list risk.harm_exclude without it to count it"
        )
    if weight_by == "count" and overrides:
        found.append(
            "risk.harm_weights_days has no effect with risk.weight_by: count (every "
            "incident counts 1); remove it, or weigh by harm"
        )
    return found


def idle_weights(
    overrides: Mapping[str, float], excluded: Collection[str], categories: Iterable[str]
) -> str | None:
    """Say which weights weigh a category none of the loaded ``categories`` is in, if any.

    An excluded category is left to :func:`harm_cautions`, which says so before loading.
    """
    idle = sorted(set(overrides) - set(categories) - set(excluded))
    if not idle:
        return None
    return (
        f"risk.harm_weights_days weighs {', '.join(idle)}, but no incident of the files is in "
        f"{'that category' if len(idle) == 1 else 'those categories'} (see `patrol-planner "
        "incidents inspect` for the types and their categories, and the files' "
        "type_categories), so the weight has no effect"
    )
