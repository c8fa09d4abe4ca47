"""The relational coordination survey (Gittell; 000:1019–1035, 001:385–397): a manager opens
a round for her organisation and its partners; each professional of those organisations
answers once about every other group (a profession at an organisation) she works with, seven
items on a 1–5 scale. A directed tie is "how group A experiences its coordination with group
B"; its RC index is the mean of the seven items over A's respondents. A tie with fewer than 5
respondents is shown as "<5". Answers carry no respondent (see models)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.network.permissions import require
from enplan.organisations.models import Organisation, Profession, Professional

from .actions import ANSWER_ROUND, CLOSE_ROUND, OPEN_ROUND
from .models import ITEM_KEYS, SurveyAnswer, SurveyRespondent, SurveyRound
from .privacy import DERIVED, LABEL, PEOPLE, Column, Table, derived, suppress
from .scope import scope_for


@dataclass(frozen=True)
class Group:
    organisation_id: int
    organisation_uuid: str
    organisation_name: str
    profession: str

    @property
    def key(self) -> str:
        return f"{self.organisation_uuid}.{self.profession}"

    @property
    def label(self) -> str:
        profession = dict(Profession.choices).get(self.profession, self.profession)
        return f"{profession}, {self.organisation_name}"


def groups(round_: SurveyRound) -> list[Group]:
    """The groups of a round: every profession with a log-in at one of its organisations."""
    rows = (
        Professional.objects.filter(organisation__in=round_.organisations.all(), user__isnull=False)
        .values_list("organisation_id", "organisation__uuid", "organisation__name", "profession")
        .distinct()
        .order_by("organisation__name", "profession")
    )
    return [Group(o, str(u), n, p) for o, u, n, p in rows]


def rounds_for(user):
    """The rounds a user sees: a manager those of her organisation, a politician those of
    organisations in his municipality, a professional those she may answer."""
    qs = SurveyRound.objects.all()
    if user.role in ("manager", "politician"):
        scope = scope_for(user)
        if scope.organisation_id is not None:
            return qs.filter(
                Q(owner_id=scope.organisation_id) | Q(organisations=scope.organisation_id)
            ).distinct()
        return qs.filter(organisations__municipality_code=scope.municipality_code).distinct()
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return qs.none()
    return qs.filter(organisations=professional.organisation_id).distinct()


def open_round(
    user, title: str, organisations: list[Organisation], closes_on: datetime.date
) -> SurveyRound:
    require(user, OPEN_ROUND, None)
    scope = scope_for(user)
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the round a title.")
    ids = {o.pk for o in organisations} | {scope.organisation_id}
    if len(ids) < 2:
        errors["organisations"] = _("Choose at least one partner organisation.")
    if closes_on < timezone.localdate():
        errors["closes_on"] = _("The closing date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        round_ = SurveyRound.objects.create(
            title=title.strip(),
            owner_id=scope.organisation_id,
            opened_by=user,
            closes_on=closes_on,
        )
        round_.organisations.set(ids)
    return round_


def close_round(user, round_: SurveyRound) -> SurveyRound:
    require(user, CLOSE_ROUND, None)
    if scope_for(user).organisation_id != round_.owner_id:
        raise PermissionDenied(_("Only a manager of the organisation that opened it closes it."))
    if round_.closed_at is None:
        round_.closed_at = timezone.now()
        round_.save(update_fields=["closed_at", "updated_at"])
    return round_


def has_answered(user, round_: SurveyRound) -> bool:
    return SurveyRespondent.objects.filter(round=round_, user=user).exists()


def may_answer(user, round_: SurveyRound) -> bool:
    professional = getattr(user, "professional_or_none", None)
    return (
        getattr(user, "role", None) == "professional"
        and professional is not None
        and round_.organisations.filter(pk=professional.organisation_id).exists()
    )


def answer(user, round_: SurveyRound, scores: dict[str, dict[str, int]]) -> int:
    """Store one respondent's answers: `scores` maps a group key to the seven item scores.
    Returns the number of groups answered."""
    require(user, ANSWER_ROUND, None)
    if not may_answer(user, round_):
        raise PermissionDenied(_("This survey round is for other organisations."))
    if not round_.is_open:
        raise ValidationError(_("This survey round is closed."))
    if has_answered(user, round_):
        raise ValidationError(_("You have already answered this round."))
    own = user.professional_or_none
    by_key = {g.key: g for g in groups(round_)}
    rows = []
    for key, items in scores.items():
        group = by_key.get(key)
        if group is None:
            raise ValidationError(_("Answer about the groups listed."))
        if group.organisation_id == own.organisation_id and group.profession == own.profession:
            raise ValidationError(_("Answer about the other groups, not your own."))
        if set(items) != set(ITEM_KEYS) or any(
            not isinstance(v, int) or not 1 <= v <= 5 for v in items.values()
        ):
            raise ValidationError(_("Give every item a score from 1 to 5."))
        rows.append(
            SurveyAnswer(
                round=round_,
                from_organisation_id=own.organisation_id,
                from_profession=own.profession,
                to_organisation_id=group.organisation_id,
                to_profession=group.profession,
                **items,
            )
        )
    if not rows:
        raise ValidationError(_("Answer about at least one group."))
    random.shuffle(rows)  # no order to read a respondent from
    try:
        with transaction.atomic():
            SurveyRespondent.objects.create(round=round_, user=user)
            SurveyAnswer.objects.bulk_create(rows)
    except IntegrityError as exc:  # a second tab sent the same answer at the same moment
        raise ValidationError(_("You have already answered this round.")) from exc
    return len(rows)


def _ties(round_ids: list[int]):
    index = sum((F(k) for k in ITEM_KEYS[1:]), F(ITEM_KEYS[0])) * 1.0 / len(ITEM_KEYS)
    return (
        SurveyAnswer.objects.filter(round_id__in=round_ids)
        .values(
            "round_id",
            "from_organisation__name",
            "from_profession",
            "to_organisation__name",
            "to_profession",
        )
        .annotate(n=Count("id"), index=Avg(index))
        .order_by()
    )


def _label(org: str, profession: str) -> str:
    return f"{dict(Profession.choices).get(profession, profession)}, {org}"


def index_class(value) -> str:
    """A colour class of the heatmap (the value itself is always printed in the cell)."""
    if not isinstance(value, int | float):  # "<5", empty
        return "rc-none"
    return f"rc-{min(5, max(1, round(value)))}"


@dataclass
class Results:
    round: SurveyRound
    respondents: object  # suppressed count
    ties: Table
    rows: list[str]
    columns: list[str]
    cells: dict  # (row, column) -> shown value


def results(round_: SurveyRound) -> Results:
    ties = Table(
        "rc_ties",
        _("Relational coordination per tie"),
        [
            Column("from_group", _("Group answering")),
            Column("to_group", _("About the group")),
            Column("respondents", _("Respondents"), PEOPLE),
            Column("index", _("RC index (1–5)"), DERIVED, base="respondents"),
        ],
    )
    cells = {}
    rows, cols = set(), set()
    for t in sorted(
        _ties([round_.pk]),
        key=lambda t: (
            t["from_organisation__name"],
            t["from_profession"],
            t["to_organisation__name"],
            t["to_profession"],
        ),
    ):
        a = _label(t["from_organisation__name"], t["from_profession"])
        b = _label(t["to_organisation__name"], t["to_profession"])
        ties.add(from_group=a, to_group=b, respondents=t["n"], index=round(t["index"], 2))
        cells[(a, b)] = derived(round(t["index"], 2), t["n"])
        rows.add(a)
        cols.add(b)
    # Every respondent answers a tie once, so the largest tie is a floor for the number of
    # respondents (a round imported from a paper survey has answers but no markers).
    largest = max((t["n"] for t in _ties([round_.pk])), default=0)
    respondents = suppress(max(SurveyRespondent.objects.filter(round=round_).count(), largest))
    return Results(round_, respondents, ties, sorted(rows), sorted(cols), cells)


def trend(rounds: list[SurveyRound]) -> Table:
    """Each tie's RC index across rounds (oldest first), one query."""
    rounds = sorted(rounds, key=lambda r: (r.created_at, r.pk))
    table = Table(
        "rc_trend",
        _("RC index per tie across rounds"),
        [Column("tie", _("Tie"))] + [Column(f"r{r.pk}", r.title, LABEL) for r in rounds],
    )
    values: dict[str, dict[int, object]] = {}
    for t in _ties([r.pk for r in rounds]):
        tie = (
            f"{_label(t['from_organisation__name'], t['from_profession'])} → "
            f"{_label(t['to_organisation__name'], t['to_profession'])}"
        )
        values.setdefault(tie, {})[t["round_id"]] = derived(round(t["index"], 2), t["n"])
    for tie in sorted(values):
        table.add(tie=tie, **{f"r{r.pk}": values[tie].get(r.pk, "") for r in rounds})
    return table
