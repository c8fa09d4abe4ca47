"""The one place that decides what crosses organisations.

A network member sees the citizen's base data and network (that is the cooperation). Every
other piece of information has a category and an origin organisation O. It is visible to a
viewer of organisation V if O is V, or if a consent in force reads: the citizen allows
information of that category FROM O (or from O's sector, or – for consents migrated from
before the source was recorded – from any organisation) TO V (or V's sector). Withdrawal has
immediate effect: consents are read fresh for every request.

One exception, about the viewer's own work: a professional named as responsible for an
activity sees that activity's title and dates as hers even without consent (she needs them to
do the task); everything else about it stays "not shared", and she cannot edit it.

Everything that leaves the server – pages, htmx fragments, REST, FHIR, PDF, CSV and counts –
asks this module: `withheld*` for one piece, `mask` for a model instance and its links,
`visible_q` for counting in the database. Nothing else decides.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast

from .models import Category, Consent

# The fields of an activity its responsible person sees without consent (her own task).
OWN_TASK_FIELDS = ("title", "starts_on", "ends_on")


@dataclass
class Withheld:
    """Something that exists but is not shared: enough to say so, no content."""

    category: str
    origin: str
    # Set when the viewer is the responsible person: these fields are shown as hers.
    own_task: dict | None = None

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


@dataclass(frozen=True)
class Grant:
    """One consent in force towards the viewer: from where, which categories."""

    source_organisation_id: int | None
    source_sector: str
    source_any: bool
    categories: frozenset[str]

    def covers(self, category: str, origin_id: int, origin_sector) -> bool:
        if category not in self.categories:
            return False
        if self.source_any or (
            self.source_organisation_id is not None and self.source_organisation_id == origin_id
        ):
            return True
        return bool(self.source_sector) and self.source_sector == origin_sector()


@dataclass
class SharingPolicy:
    organisation_id: int | None
    sector: str | None
    grants: tuple[Grant, ...] = ()
    org_names: dict[int, str] = field(default_factory=dict)
    # Sector of each origin organisation seen so far; shared by the policies of one list page.
    org_sectors: dict[int, str] = field(default_factory=dict)
    professional_id: int | None = None

    @property
    def granted(self) -> frozenset[str]:
        """Every category some consent lets reach the viewer (from some origin)."""
        return frozenset(c for g in self.grants for c in g.categories)

    def _sector_of(self, origin_id: int) -> str:
        if origin_id not in self.org_sectors:
            from enplan.organisations.models import Organisation

            self.org_sectors[origin_id] = (
                Organisation.objects.filter(pk=origin_id).values_list("sector", flat=True).first()
                or ""
            )
        return self.org_sectors[origin_id]

    def can_see(self, category: str, origin_id: int | None) -> bool:
        if origin_id is None or origin_id == self.organisation_id:
            return True
        return any(
            g.covers(category, origin_id, lambda: self._sector_of(origin_id)) for g in self.grants
        )

    def withheld(self, category: str, origin_id: int | None) -> Withheld | None:
        if self.can_see(category, origin_id):
            return None
        return Withheld(category, self.org_names.get(origin_id, ""))

    def _own_task(self, obj) -> bool:
        responsible = getattr(obj, "responsible", None) if hasattr(obj, "responsible_id") else None
        return (
            self.professional_id is not None
            and responsible is not None
            and responsible.professional_id == self.professional_id
        )

    def withheld_item(self, obj) -> Withheld | None:
        """For a model instance with `category` and `origin_id`; a blank one (e.g. a track
        nobody has written in yet) has nothing to withhold. An activity the viewer is
        responsible for stays withheld, but carries its title and dates as her own task."""
        if getattr(obj, "is_blank", False):
            return None
        w = self.withheld(obj.category, obj.origin_id)
        if w is not None and self._own_task(obj):
            w.own_task = {name: getattr(obj, name) for name in OWN_TASK_FIELDS}
        return w

    def mask(self, obj, links: tuple[str, ...] = ()):
        """Mark `obj.withheld` and cut each link (a foreign key in `links`) to an item the
        viewer may not see: the linked object reads as None and `<link>_withheld` says why,
        so no title, id or link of it can be rendered. Display copies only: never save."""
        obj.withheld = self.withheld_item(obj)
        for name in links:
            linked = getattr(obj, name)
            w = self.withheld_item(linked) if linked is not None else None
            setattr(obj, f"{name}_withheld", w)
            if w is not None:
                obj._meta.get_field(name).set_cached_value(obj, None)
        return obj


def _grants(rows) -> dict[int, list[Grant]]:
    out: dict[int, list[Grant]] = {}
    for citizen_id, org, sector, any_, categories in rows:
        out.setdefault(citizen_id, []).append(Grant(org, sector, any_, frozenset(categories)))
    return out


def _towards(organisation) -> Q:
    return Q(recipient_organisation_id=organisation.pk) | Q(recipient_sector=organisation.sector)


def for_viewer(user, citizen) -> SharingPolicy:
    """The policy for `user` looking at `citizen`, now."""
    from enplan.organisations.models import Organisation

    policy = for_viewer_many(user, [citizen])[citizen.pk]
    rows = Organisation.objects.filter(memberships__citizen=citizen).values_list(
        "id", "name", "sector"
    )
    for pk, name, sector in rows:
        policy.org_names[pk] = name
        policy.org_sectors[pk] = sector
    return policy


def for_viewer_many(user, citizens) -> dict[int, SharingPolicy]:
    """Policies for one viewer and many citizens (a list page) in a single query. (A consent
    from a whole sector asks for an origin's sector once, when it is first needed.)"""
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return {c.pk: SharingPolicy(None, None) for c in citizens}
    org = professional.organisation
    ids = [c.pk for c in citizens]
    rows = (
        Consent.objects.in_force()
        .filter(citizen_id__in=ids)
        .filter(_towards(org))
        .values_list(
            "citizen_id", "source_organisation_id", "source_sector", "source_any", "categories"
        )
    )
    grants = _grants(rows)
    sectors: dict[int, str] = {org.pk: org.sector}
    return {
        pk: SharingPolicy(
            org.pk,
            org.sector,
            tuple(grants.get(pk, ())),
            org_sectors=sectors,
            professional_id=professional.pk,
        )
        for pk in ids
    }


def _has_category(category) -> Q:
    # A JSON list of fixed codes: matching the quoted code in its text works the same on
    # SQLite and PostgreSQL (JSON containment does not exist on SQLite).
    return Q(categories_text__contains=f'"{category}"')


def visible_q(
    user,
    categories: dict[str, Q],
    *,
    citizen: str = "citizen_id",
    origin: str = "origin",
    responsible_professional: str | None = None,
) -> Q:
    """A filter for a queryset of citizen-owned items: those `user` may see. `categories`
    maps each category to the Q that selects the items of that category (e.g. activities of
    a substance-abuse organisation). Used to count in the database exactly what the viewer
    would see listed (the caseload's overdue counter), in the same query."""
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return Q(**{f"{origin}__isnull": True})
    org = professional.organisation
    consents = (
        Consent.objects.in_force()
        .filter(_towards(org), citizen_id=OuterRef(citizen))
        .filter(
            Q(source_any=True)
            | Q(source_organisation_id=OuterRef(f"{origin}_id"))
            | Q(source_sector=OuterRef(f"{origin}__sector"))
        )
        .annotate(categories_text=Cast("categories", TextField()))
    )
    allowed = Q(**{f"{origin}__isnull": True}) | Q(**{f"{origin}_id": org.pk})
    for category, selects in categories.items():
        allowed |= selects & Exists(consents.filter(_has_category(category)))
    if responsible_professional:
        allowed |= Q(**{responsible_professional: professional.pk})
    return allowed


def shares_with(citizen, organisation, category: str, origin=None) -> bool:
    """Whether a consent in force lets `citizen`'s information of `category` go FROM `origin`
    (the sender's organisation) TO `organisation` (named, or through its sector) – checked
    before anything is sent. Without an origin, only a consent from any organisation would
    do, so callers name it."""
    rows = (
        Consent.objects.in_force()
        .filter(citizen=citizen)
        .filter(_towards(organisation))
        .values_list(
            "citizen_id", "source_organisation_id", "source_sector", "source_any", "categories"
        )
    )
    origin_id = origin.pk if origin is not None else None
    origin_sector = origin.sector if origin is not None else ""
    return any(
        g.covers(category, origin_id, lambda: origin_sector)
        for g in _grants(rows).get(citizen.pk, [])
    )


def may_see(user, citizen, origin_id: int | None, category: str) -> bool:
    """One item's answer (for the write check of `enplan.network.permissions`)."""
    return for_viewer_many(user, [citizen])[citizen.pk].can_see(category, origin_id)
