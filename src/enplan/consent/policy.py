"""The one function that decides what crosses organisations.

A network member sees the citizen's base data and network (that is the cooperation). Every
other piece of information has a category and an origin organisation. It is visible to the
viewer's organisation if it originated there, or under a consent in force that names the
viewer's organisation (or its sector) as recipient and covers the category. Withdrawal has
immediate effect: consents are read fresh for every request.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Category, Consent


@dataclass
class Withheld:
    """Something that exists but is not shared: enough to say so, no content."""

    category: str
    origin: str

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


@dataclass
class SharingPolicy:
    organisation_id: int | None
    sector: str | None
    granted: frozenset[str] = field(default_factory=frozenset)
    org_names: dict[int, str] = field(default_factory=dict)

    def can_see(self, category: str, origin_id: int | None) -> bool:
        if origin_id is None or origin_id == self.organisation_id:
            return True
        return category in self.granted

    def withheld(self, category: str, origin_id: int | None) -> Withheld | None:
        if self.can_see(category, origin_id):
            return None
        return Withheld(category, self.org_names.get(origin_id, ""))

    def withheld_item(self, obj) -> Withheld | None:
        """For a model instance with `category` and `origin_id`; a blank one (e.g. a track
        nobody has written in yet) has nothing to withhold."""
        if getattr(obj, "is_blank", False):
            return None
        return self.withheld(obj.category, obj.origin_id)


def for_viewer(user, citizen) -> SharingPolicy:
    """The policy for `user` looking at `citizen`, now."""
    from enplan.organisations.models import Organisation

    policy = for_viewer_many(user, [citizen])[citizen.pk]
    policy.org_names = dict(
        Organisation.objects.filter(memberships__citizen=citizen).values_list("id", "name")
    )
    return policy


def for_viewer_many(user, citizens) -> dict[int, SharingPolicy]:
    """Policies for one viewer and many citizens (a list page) in a single query."""
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return {c.pk: SharingPolicy(None, None) for c in citizens}
    org = professional.organisation
    granted: dict[int, set[str]] = {c.pk: set() for c in citizens}
    consents = (
        Consent.objects.in_force()
        .filter(citizen_id__in=list(granted))
        .filter(Q(recipient_organisation_id=org.pk) | Q(recipient_sector=org.sector))
        .values_list("citizen_id", "categories")
    )
    for citizen_id, categories in consents:
        granted[citizen_id].update(categories)
    return {pk: SharingPolicy(org.pk, org.sector, frozenset(g)) for pk, g in granted.items()}


def shares_with(citizen, organisation, category: str) -> bool:
    """Whether a consent in force lets `citizen`'s information of `category` go to
    `organisation` (named, or through its sector) — checked before anything is sent."""
    granted = (
        Consent.objects.in_force()
        .filter(citizen=citizen)
        .filter(
            Q(recipient_organisation_id=organisation.pk) | Q(recipient_sector=organisation.sector)
        )
        .values_list("categories", flat=True)
    )
    return any(category in categories for categories in granted)  # JSON lookups vary by DB


def may_see(user, citizen, origin_id: int | None, category: str) -> bool:
    """One item's answer (for the write check of `enplan.network.permissions`)."""
    return for_viewer_many(user, [citizen])[citizen.pk].can_see(category, origin_id)
