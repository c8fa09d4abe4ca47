"""Input that used to break pages, fixed as classes: dates outside a sane range, Unicode
look-alike digits in codes, and stored extreme dates that must still render."""

import datetime
import inspect

import pytest
from django import forms
from django.apps import apps
from django.utils import timezone

from enplan.caseload.forms import NewCitizenForm
from enplan.citizens.forms import CitizenForm
from enplan.citizens.models import Citizen
from enplan.core.cpr import parse_cpr
from enplan.core.validators import validate_sane_date
from enplan.network.models import NetworkRole
from enplan.organisations.models import Organisation, Sector
from enplan.plans.models import Activity, Goal, Plan

from .conftest import fake_cpr

# The same ten digits in several Unicode scripts that Python's \d and isdigit() accept.
DIGIT_SETS = {
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "fullwidth": "０１２３４５６７８９",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "mathematical-bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
}


def lookalike(ascii_digits: str, script: str) -> str:
    table = DIGIT_SETS[script]
    return "".join(table[int(c)] if c.isascii() and c.isdigit() else c for c in ascii_digits)


def _enplan_form_classes() -> list[type[forms.BaseForm]]:
    import importlib

    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("enplan."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


@pytest.mark.django_db
def test_every_date_field_of_every_form_refuses_insane_dates():
    """Every form with a date or date-time field gets the shared validator (SaneDatesMixin)."""
    from enplan.core.forms import SaneDatesMixin

    checked = 0
    for cls in _enplan_form_classes():
        dated = [
            name
            for name, field in cls.base_fields.items()
            if isinstance(field, forms.DateField | forms.DateTimeField)
        ]
        if dated:
            assert issubclass(cls, SaneDatesMixin), f"{cls.__qualname__}: {dated}"
            checked += len(dated)
    assert checked >= 8  # plans, citizens (contact), courses, consent
    form = NewCitizenForm()
    assert all(
        validate_sane_date in f.validators
        for f in form.fields.values()
        if isinstance(f, forms.DateField | forms.DateTimeField)
    )


@pytest.mark.parametrize(
    "value",
    [datetime.date(9999, 12, 31), datetime.date(1, 1, 1), datetime.datetime(2999, 1, 1, 10, 0)],
)
def test_the_shared_validator_refuses_dates_out_of_range(value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        validate_sane_date(value)
    assert "2100" in str(e.value)
    validate_sane_date(datetime.date(2027, 3, 1))


def test_a_follow_up_in_year_9999_is_refused_on_the_page(client_for, citizen, caseworker, plan):
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/plan/followup/",
        {"version": plan.version, "followup_at": "9999-12-31T10:00"},
    )
    assert response.status_code == 422
    assert "31.12.2100" in response.content.decode()
    plan.refresh_from_db()
    assert plan.followup_at is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("plan", {"version": 0, "followup_at": "9999-12-31T10:00:00Z"}),
        ("plan/goals", {"version": 0, "title": "Mål", "area": 1, "target_date": "9999-01-01"}),
        (
            "consents",
            {
                "recipient_sector": "almen_praksis",
                "categories": ["health"],
                "purpose": "x",
                "valid_from": "0001-01-01",
                "given_how": "written",
            },
        ),
    ],
)
def test_api_refuses_insane_dates(client_for, citizen, caseworker, plan, path, body):
    client = client_for(caseworker)
    base = "/api/v1"
    method = client.patch if path == "plan" else client.post
    response = method(
        f"{base}/citizens/{citizen.uuid}/{path}", body, content_type="application/json"
    )
    assert response.status_code in (400, 404, 422), response.content[:300]
    if response.status_code != 404:
        assert b"2100" in response.content or b"date" in response.content


def test_a_stored_extreme_date_does_not_break_caseload_or_plan(
    client_for, citizen, caseworker, plan
):
    """Data stored before the validator existed (or by a system) must still render."""
    far = datetime.datetime(9999, 12, 31, 9, 0, tzinfo=datetime.UTC)  # as the form stored it
    Plan.objects.filter(pk=plan.pk).update(followup_at=far)
    goal = Goal.objects.create(
        plan=plan,
        citizen=citizen,
        title="Langt ude",
        area=1,
        target_date=datetime.date(9999, 12, 31),
    )
    Activity.objects.create(
        plan=plan,
        citizen=citizen,
        goal=goal,
        title="Uendelig",
        starts_on=datetime.date(1, 1, 1),
        ends_on=datetime.date(9999, 12, 31),
        track="employment",
    )
    client = client_for(caseworker)
    for url in (
        "/citizens/",
        "/citizens/?order=followup",
        f"/citizens/{citizen.uuid}/",
        f"/citizens/{citizen.uuid}/plan/",
        f"/citizens/{citizen.uuid}/plan/history/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


# --- digits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("script", DIGIT_SETS)
def test_cpr_numbers_accept_ascii_digits_only(db, script):
    from django.core.exceptions import ValidationError

    cpr = fake_cpr()
    assert parse_cpr(cpr)[0] == cpr
    with pytest.raises(ValidationError):
        parse_cpr(lookalike(cpr, script))
    with pytest.raises(ValidationError):
        parse_cpr(lookalike(f"{cpr[:6]}-{cpr[6:]}", script))


@pytest.mark.parametrize("script", DIGIT_SETS)
def test_lookalike_digits_do_not_create_a_second_citizen(client_for, caseworker, citizen, script):
    client = client_for(caseworker)
    before = Citizen.objects.count()
    response = client.post(
        "/citizens/new/",
        {
            "cpr": lookalike(citizen.cpr, script),
            "given_name": "Anna",
            "family_name": "Andersen",
            "municipality_code": "0159",
            "preferred_language": "da",
            "my_role": NetworkRole.COORDINATOR,
        },
    )
    assert response.status_code == 422
    assert "10 digits" in response.content.decode() or "10 cifre" in response.content.decode()
    form = NewCitizenForm(
        {
            "cpr": fake_cpr(),
            "given_name": "B",
            "family_name": "C",
            "municipality_code": lookalike("0159", script),
            "preferred_language": "da",
            "my_role": NetworkRole.COORDINATOR,
        }
    )
    assert not form.is_valid() and "municipality_code" in form.errors
    assert Citizen.objects.count() == before


@pytest.mark.parametrize("script", ["arabic-indic", "fullwidth"])
def test_api_refuses_lookalike_digits(client_for, caseworker, script):
    client = client_for(caseworker)
    base = "/api/v1"
    before = Citizen.objects.count()
    for body in (
        {
            "cpr": lookalike(fake_cpr(), script),
            "given_name": "A",
            "family_name": "B",
            "municipality_code": "0159",
        },
        {
            "cpr": fake_cpr(),
            "given_name": "A",
            "family_name": "B",
            "municipality_code": lookalike("0159", script),
        },
    ):
        response = client.post(f"{base}/citizens", body, content_type="application/json")
        assert response.status_code in (400, 422), response.content[:300]
    assert Citizen.objects.count() == before


@pytest.mark.parametrize("script", DIGIT_SETS)
def test_organisation_codes_accept_ascii_digits_only(db, script):
    from django.core.exceptions import ValidationError

    org = Organisation(
        name="Klinik",
        sector=Sector.TRAUMA_CLINIC,
        sor_code=lookalike("123456789012", script),
        ean=lookalike("5790000000001", script),
        municipality_code=lookalike("0159", script),
    )
    with pytest.raises(ValidationError) as e:
        org.full_clean()
    assert {"sor_code", "ean", "municipality_code"} <= set(e.value.message_dict)
    org.sor_code, org.ean, org.municipality_code = "123456789012", "5790000000001", "0159"
    org.full_clean()


def test_citizen_form_edit_keeps_working_with_ascii(citizen):
    form = CitizenForm(
        {
            "cpr": citizen.cpr,
            "given_name": citizen.given_name,
            "family_name": citizen.family_name,
            "municipality_code": "0159",
            "preferred_language": "da",
        },
        instance=citizen,
    )
    assert form.is_valid(), form.errors
    assert timezone.now()


def test_every_date_in_an_api_input_schema_has_the_shared_check():
    """Input schemas (`…In`) take dates only as SaneDate / SaneDateTime."""
    import typing

    from pydantic import BaseModel

    from enplan.api import schemas
    from enplan.core.validators import SaneDate, SaneDateTime, _schema_date

    def dates_in(annotation) -> list:
        if annotation in (datetime.date, datetime.datetime):
            return [annotation]
        found = []
        for arg in typing.get_args(annotation):
            if typing.get_origin(arg) is typing.Annotated:
                continue  # an Annotated date is checked as a whole below
            found += dates_in(arg)
        return found

    checked = 0
    for name, cls in vars(schemas).items():
        if not (isinstance(cls, type) and issubclass(cls, BaseModel) and name.endswith("In")):
            continue
        for field_name, field in cls.model_fields.items():
            checks = [m for m in field.metadata if getattr(m, "func", None) is _schema_date]
            bare = [] if checks else dates_in(field.annotation)
            assert not bare, f"{name}.{field_name} takes a date without the range check"
            if checks or "_schema_date" in str(field.annotation):
                checked += 1
    assert checked >= 4
    assert typing.get_origin(SaneDate) is typing.Annotated
    assert typing.get_origin(SaneDateTime) is typing.Annotated
