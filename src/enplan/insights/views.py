"""Insights pages: thin; the figures come from `queries`, `movements` and `survey`, already
suppressed (`privacy`). Every view of an aggregate is audited as one (no citizen in the row)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.actions import performs
from enplan.core.spreadsheet import csv_lines
from enplan.network.permissions import can, require

from . import actions, movements, snapshots, survey
from .forms import AnswerForm, PeriodForm, RoundForm
from .models import SurveyRound
from .privacy import Table
from .scope import NoMandate, Period, Scope, require_aggregate_role, scope_for


def audit_aggregate(user, what: str, scope: Scope | None, **context) -> None:
    """One audit row per view of an aggregate: who looked at which figures, for which
    organisation or municipality and period. No citizen is named in it."""
    record(
        user,
        None,
        Action.READ,
        ("aggregate", what),
        aggregate=True,
        scope=(scope.label if scope else ""),
        **{k: str(v) for k, v in context.items()},
    )


def _require(user, action) -> None:
    """network.permissions.require, with the refusal audited: these writes belong to no
    citizen, so `require` has no citizen to audit the refusal against."""
    try:
        require(user, action, None)
    except PermissionDenied:
        record(user, None, Action.REFUSED, ("insights", action.code), reason=action.code)
        raise


def _scope_or_page(request):
    """The user's scope, or the page that says no organisation or municipality is set."""
    require_aggregate_role(request.user)
    try:
        return scope_for(request.user), None
    except NoMandate:
        return None, render(request, "insights/no_mandate.html")


def _period(request):
    """The period form, bound to the query (or to the default period): (form, None) when it
    is invalid, else (form, (period, months))."""
    data = request.GET
    if not any(k in data for k in ("start", "end", "months")):
        default = Period.default()
        data = {"start": default.start.isoformat(), "end": default.end.isoformat(), "months": 0}
    form = PeriodForm(data)
    if not form.is_valid():
        return form, None
    return form, (form.cleaned_data["period"], form.cleaned_data.get("months") or 0)


@login_required
@require_safe
def start(request):
    scope, page = _scope_or_page(request)
    if page:
        return page
    form, chosen = _period(request)
    if chosen is None:
        return render(request, "insights/start.html", {"form": form, "scope": scope}, status=400)
    period, _months = chosen
    tables, computed_at = snapshots.start_page(scope, period)
    audit_aggregate(request.user, "start", scope, start=period.start, end=period.end)
    return render(
        request,
        "insights/start.html",
        {
            "computed_at": computed_at,
            "form": form,
            "scope": scope,
            "period": period,
            "tables": tables,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_safe
def movements_page(request):
    scope, page = _scope_or_page(request)
    if page:
        return page
    form, chosen = _period(request)
    if chosen is None:
        return render(
            request, "insights/movements.html", {"form": form, "scope": scope}, status=400
        )
    period, months = chosen
    charts = [
        {"m": m, "table": m.table(), "svg": movements.diagram(m)}
        for m in movements.movements(scope, period, months)
    ]
    audit_aggregate(
        request.user, "movements", scope, start=period.start, end=period.end, months=months
    )
    return render(
        request,
        "insights/movements.html",
        {
            "form": form,
            "scope": scope,
            "period": period,
            "charts": charts,
            "query": request.GET.urlencode(),
        },
    )


def _csv(table: Table, filename: str) -> HttpResponse:
    rows = [[c.label for c in table.columns], *table.rows]
    response = HttpResponse("".join(csv_lines(rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def tables_for(scope: Scope, period, months: int) -> dict[str, Table]:
    tables = {t.key: t for t in snapshots.start_page(scope, period)[0]}
    for m in movements.movements(scope, period, months):
        t = m.table()
        tables[t.key] = t
    return tables


@login_required
@require_safe
def export(request, key: str):
    scope, page = _scope_or_page(request)
    if page:
        return page
    form, chosen = _period(request)
    if chosen is None:
        return HttpResponse(
            "; ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    period, months = chosen
    tables = tables_for(scope, period, months)
    if key not in tables:
        raise Http404(_("No such table."))
    audit_aggregate(
        request.user, f"export:{key}", scope, start=period.start, end=period.end, months=months
    )
    return _csv(tables[key], f"enplan-{key}-{period.start}-{period.end}")


# --- the relational coordination survey -------------------------------------------------------


@login_required
@require_safe
def rounds(request):
    user = request.user
    if user.role not in ("manager", "politician", "professional"):
        raise PermissionDenied(_("The survey is for professionals, managers and politicians."))
    scope = None
    if user.role != "professional":
        scope, page = _scope_or_page(request)
        if page:
            return page
    rows = list(survey.rounds_for(user).prefetch_related("organisations"))
    answered = set()
    if user.role == "professional":
        answered = set(
            survey.SurveyRespondent.objects.filter(user=user, round__in=rows).values_list(
                "round_id", flat=True
            )
        )
    trend = None
    if user.role != "professional":
        trend = survey.trend(rows[:6])
        audit_aggregate(user, "survey_rounds", scope)
    return render(
        request,
        "insights/rounds.html",
        {
            "rows": rows,
            "answered": answered,
            "trend": trend,
            "may_open": can(user, actions.OPEN_ROUND, None),
        },
    )


@login_required
@performs(actions.OPEN_ROUND)
def round_new(request):
    if request.method == "POST":
        _require(request.user, actions.OPEN_ROUND)
    if not can(request.user, actions.OPEN_ROUND, None):
        raise PermissionDenied(_("A manager opens a survey round."))
    scope, page = _scope_or_page(request)
    if page:
        return page
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = survey.open_round(
                request.user,
                form.cleaned_data["title"],
                list(form.cleaned_data["organisations"]),
                form.cleaned_data["closes_on"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The survey round is open."))
            return redirect("insights:round", round_.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "insights/round_new.html", {"form": form}, status=status)


def _round(user, round_uuid) -> SurveyRound:
    round_ = survey.rounds_for(user).filter(uuid=round_uuid).first()
    if round_ is None:
        raise Http404(_("No such survey round."))
    return round_


@login_required
@require_safe
def round_detail(request, round_uuid):
    scope, page = _scope_or_page(request)
    if page:
        return page
    round_ = _round(request.user, round_uuid)
    result = survey.results(round_)
    audit_aggregate(request.user, f"survey:{round_.uuid}", scope)
    return render(
        request,
        "insights/round.html",
        {
            "round": round_,
            "result": result,
            "heat": [
                (
                    row,
                    [
                        (
                            col,
                            result.cells.get((row, col), ""),
                            survey.index_class(result.cells.get((row, col))),
                        )
                        for col in result.columns
                    ],
                )
                for row in result.rows
            ],
            "may_close": round_.closed_at is None
            and scope.organisation_id == round_.owner_id
            and can(request.user, actions.CLOSE_ROUND, None),
        },
    )


@login_required
@require_safe
def round_csv(request, round_uuid):
    scope, page = _scope_or_page(request)
    if page:
        return page
    round_ = _round(request.user, round_uuid)
    audit_aggregate(request.user, f"export:survey:{round_.uuid}", scope)
    return _csv(survey.results(round_).ties, f"enplan-rc-{round_.uuid}")


@login_required
@require_POST
@performs(actions.CLOSE_ROUND)
def round_close(request, round_uuid):
    _require(request.user, actions.CLOSE_ROUND)
    round_ = _round(request.user, round_uuid)
    survey.close_round(request.user, round_)
    messages.success(request, _("The survey round is closed."))
    return redirect("insights:round", round_.uuid)


@login_required
@performs(actions.ANSWER_ROUND)
def round_answer(request, round_uuid):
    user = request.user
    if request.method == "POST":
        _require(user, actions.ANSWER_ROUND)
    if user.role != "professional":
        raise PermissionDenied(_("The survey is answered by professionals."))
    round_ = _round(user, round_uuid)
    own = user.professional_or_none
    groups = [
        g
        for g in survey.groups(round_)
        if not (g.organisation_id == own.organisation_id and g.profession == own.profession)
    ]
    form = AnswerForm(request.POST or None, groups=groups)
    problem = None
    if not round_.is_open:
        problem = _("This survey round is closed.")
    elif survey.has_answered(user, round_):
        problem = _("You have already answered this round. Thank you.")
    if request.method == "POST":
        if problem:
            return render(
                request,
                "insights/answer.html",
                {"round": round_, "form": form, "problem": problem},
                status=409,
            )
        if form.is_valid():
            try:
                survey.answer(user, round_, form.cleaned_data["scores"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request, _("Thank you. Your answers are stored without your name.")
                )
                return redirect(reverse("insights:rounds"))
        return render(request, "insights/answer.html", {"round": round_, "form": form}, status=400)
    return render(
        request, "insights/answer.html", {"round": round_, "form": form, "problem": problem}
    )
