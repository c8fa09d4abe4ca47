"""Which rows belong to a citizen: every model with a foreign-key path to the citizen, found
by walking Django's model meta (used by the JSON and the PDF of the GDPR export)."""

from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import Q

from enplan.citizens.models import Citizen

SKIP_FIELDS = {"citizen", "municipality_code"}


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return model._meta.concrete_model


def _foreign_keys(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model
    ]


@cache
def citizen_paths() -> dict[type[models.Model], tuple[str, ...]]:
    """Every concrete model with a foreign-key path to the citizen, with the ORM lookups
    (one per foreign key that leads there, each along a shortest path) that reach it."""
    shortest: dict[type[models.Model], str] = {Citizen: ""}
    lookups: dict[type[models.Model], list[str]] = {}
    # Many-to-many link tables are the citizen's data too (which activities a certificate
    # request considered), so the auto-created through models are walked as well.
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if not m._meta.proxy and _concrete(m) is not Citizen
    ]
    frontier = {Citizen}
    while frontier:
        reached: dict[type[models.Model], str] = {}
        for model in candidates:
            if model in shortest:
                continue
            for f in _foreign_keys(model):
                target = _concrete(f.related_model)
                if target in frontier:
                    path = f"{f.name}__{shortest[target]}" if shortest[target] else f.name
                    reached.setdefault(model, path)
        shortest.update(reached)
        frontier = set(reached)
    for model in shortest:
        if model is Citizen:
            continue
        for f in _foreign_keys(model):
            target = _concrete(f.related_model)
            if target in shortest and target is not model:
                tail = shortest[target]
                lookups.setdefault(model, []).append(f"{f.name}__{tail}" if tail else f.name)
    return {m: tuple(p) for m, p in lookups.items()}


def is_link_table(model: type[models.Model]) -> bool:
    """A many-to-many link table Django created: its rows name two other rows, nothing more."""
    return bool(model._meta.auto_created)


def citizen_owned_models() -> list[type[models.Model]]:
    return sorted(citizen_paths(), key=lambda m: m._meta.label)


def rows_of(model: type[models.Model], citizen: Citizen) -> models.QuerySet:
    condition = Q()
    for lookup in citizen_paths()[model]:
        condition |= Q(**{lookup: citizen})
    forward = [f.name for f in _foreign_keys(model) if f.name not in SKIP_FIELDS]
    return model._base_manager.filter(condition).select_related(*forward).distinct().order_by("pk")
