"""Insights over the REST API: the same suppressed aggregates as the pages (small cells are
"<5" here too, from the same `Table`s), for managers and politicians only. A professional, a
citizen or an administrator is refused (403) before any input is read."""

from uuid import UUID

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from enplan.insights import movements, snapshots, survey
from enplan.insights.forms import PeriodForm
from enplan.insights.privacy import Table
from enplan.insights.scope import NoMandate, require_aggregate_role, scope_for
from enplan.insights.views import audit_aggregate

from . import schemas as s
from .auth import ProfessionalSessionAuth, TokenAuth


class AggregateTokenAuth(TokenAuth):
    allowed = staticmethod(require_aggregate_role)


class AggregateSessionAuth(ProfessionalSessionAuth):
    allowed = staticmethod(require_aggregate_role)


insights = Router(tags=["insights"], auth=[AggregateTokenAuth(), AggregateSessionAuth()])
ERRORS = {400: s.Error, 403: s.Error, 404: s.Error}


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class TableOut(Schema):
    key: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, int | float | str | None]]
    note: str = ""


class AggregatesOut(Schema):
    scope: str
    start: str
    end: str
    tables: list[TableOut]


class PeriodIn(Schema):
    start: str = ""
    end: str = ""
    months: int = 0


def _table(t: Table) -> dict:
    return {
        "key": t.key,
        "title": str(t.title),
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in t.columns],
        "rows": t.as_dicts(),
        "note": str(t.note),
    }


def _scope(request):
    try:
        return scope_for(request.user)
    except NoMandate as exc:
        raise HttpError(403, "No organisation or municipality is set for this user.") from exc


def _period(q: PeriodIn):
    form = PeriodForm({k: v for k, v in q.dict().items() if v not in ("", None)})
    if not form.is_valid():
        detail = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        raise HttpError(400, detail)
    return form.cleaned_data["period"], form.cleaned_data.get("months") or 0


@insights.get("/overview", response={200: AggregatesOut, **ERRORS})
def insights_overview(request, q: Query[PeriodIn]):
    """The start page's tables for the caller's organisation (manager) or municipality
    (politician)."""
    scope = _scope(request)
    period, _months = _period(q)
    tables, _at = snapshots.start_page(scope, period)
    audit_aggregate(request.user, "api:overview", scope, start=period.start, end=period.end)
    return {
        "scope": scope.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "tables": [_table(t) for t in tables],
    }


@insights.get("/movements", response={200: AggregatesOut, **ERRORS})
def insights_movements(request, q: Query[PeriodIn]):
    """Movements from course start to the latest state (or after `months`)."""
    scope = _scope(request)
    period, months = _period(q)
    tables = [m.table() for m in movements.movements(scope, period, months)]
    audit_aggregate(
        request.user, "api:movements", scope, start=period.start, end=period.end, months=months
    )
    return {
        "scope": scope.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "tables": [_table(t) for t in tables],
    }


@insights.get("/survey/{round_id}", response={200: TableOut, **ERRORS})
def insights_survey(request, round_id: UUID):
    """The RC index per directed tie of one survey round."""
    scope = _scope(request)
    round_ = survey.rounds_for(request.user).filter(uuid=round_id).first()
    if round_ is None:
        raise HttpError(404, "No such survey round.")
    audit_aggregate(request.user, f"api:survey:{round_.uuid}", scope)
    return _table(survey.results(round_).ties)
