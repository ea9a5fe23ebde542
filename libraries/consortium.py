"""The consortium's fixed facts (DOMAIN.md), written by a data migration and by test fixtures.

Functions take the model classes so a migration can pass its historical models. The other
apps' reference data lives with them (``catalog/reference_data.py``,
``patrons/reference_data.py``); ``ensure_all`` seeds them all without importing them.
"""

from __future__ import annotations

import importlib

MON_FRI = [0, 1, 2, 3, 4]
MON_SAT = [0, 1, 2, 3, 4, 5]

# code, name, kind, municipality, county, province, population, open weekdays
LIBRARIES = [
    ("DEG", "Degerfors bibliotek", "library", "Degerfors", "Örebro län", "Värmland", 9300, MON_FRI),
    (
        "HFS",
        "Hällefors bibliotek",
        "library",
        "Hällefors",
        "Örebro län",
        "Västmanland",
        6800,
        MON_FRI,
    ),
    (
        "KGA",
        "Karlskoga bibliotek",
        "library",
        "Karlskoga",
        "Örebro län",
        "Värmland",
        30500,
        MON_SAT,
    ),
    (
        "KHM",
        "Kristinehamns bibliotek",
        "library",
        "Kristinehamn",
        "Värmlands län",
        "Värmland",
        24300,
        MON_SAT,
    ),
    (
        "STO",
        "Storfors bibliotek",
        "library",
        "Storfors",
        "Värmlands län",
        "Värmland",
        4000,
        MON_FRI,
    ),
    # The book bus Kristinehamn and Degerfors share: a service point where loans and returns happen.
    (
        "BUS",
        "Bokbussen Kristinehamn–Degerfors",
        "bookbus",
        "Kristinehamn",
        "Värmlands län",
        "Värmland",
        None,
        [1, 3],
    ),
]


def ensure_libraries(Library, ConsortiumSettings) -> None:
    for code, name, kind, municipality, county, province, population, days in LIBRARIES:
        if not Library.objects.filter(code=code).exists():
            Library.objects.create(
                code=code,
                name=name,
                kind=kind,
                municipality=municipality,
                county=county,
                province=province,
                population=population,
                open_weekdays=days,
            )
    ConsortiumSettings.objects.get_or_create(id=1)


def ensure_all() -> None:
    """Create whatever of the consortium's fixed data is missing (idempotent): the libraries
    here, then each installed app's own reference data — its ``reference_data`` module's
    ``ensure_reference_data()`` (item types in catalog, patron categories in patrons). Found
    by name, so libraries imports no other app."""
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    from libraries.models import ConsortiumSettings, Library

    ensure_libraries(Library, ConsortiumSettings)
    for config in apps.get_app_configs():
        if config.name != "libraries" and module_has_submodule(config.module, "reference_data"):
            importlib.import_module(f"{config.name}.reference_data").ensure_reference_data()
