"""Cooperation agreements (issue 14): writing one, compliance from the real data (certificate
turnaround, samarbejdsmøder held, discharge conferences), PDF, and who sees what."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from enplan.certificates import services as certificates
from enplan.certificates.models import CertificateKind, CertificateRequest
from enplan.cooperation import services
from enplan.cooperation.models import Agreement
from enplan.meetings.models import CooperationMeeting
from enplan.organisations.models import Sector

from .conftest import make_org, make_professional
from .test_certificates import consent, spec


@pytest.fixture
def gp_org(citizen, caseworker):
    from enplan.consent.models import Category
    from enplan.network.models import NetworkRole
    from enplan.network.services import add_member

    org = make_org("Lægehuset Aftale", Sector.GENERAL_PRACTICE, "900000000000188")
    org.uses_enplan = False
    org.save()
    add_member(citizen, caseworker.user, role=NetworkRole.GP, organisation=org)
    consent(citizen, caseworker, caseworker.organisation, org, [Category.MESSAGES])
    return org


def agreement_data(**over):
    data = {
        "title": "Attestsamarbejde jobcenter og almen praksis",
        "responsibilities": "Jobcentret sender konkrete spørgsmål; lægen svarer om helbred.",
        "shared_categories": ["health"],
        "legal_basis": "Samtykke, forvaltningsloven § 27",
        "channel": "carecommunication",
        "valid_from": timezone.localdate() - timedelta(days=30),
        "valid_to": None,
        "certificate_answer_days": 10,
        "callback_working_days": 2,
        "discharge_conference_working_days": 4,
        "cooperation_meetings_per_year": 2,
    }
    data.update(over)
    return data


def test_an_agreement_needs_a_partner_and_sane_dates(caseworker, gp_org):
    with pytest.raises(ValidationError) as exc:
        services.create_agreement(caseworker.user, agreement_data(), [], [])
    assert "parties" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_agreement(
            caseworker.user,
            agreement_data(valid_to=timezone.localdate() - timedelta(days=60)),
            [gp_org],
            [],
        )
    assert "valid_to" in exc.value.message_dict
    outsider_org = make_org("Fremmed", Sector.OTHER)
    with pytest.raises(ValidationError):
        services.create_agreement(
            caseworker.user,
            agreement_data(),
            [gp_org],
            [services.ContactSpec(outsider_org, "Ukendt")],
        )
    assert Agreement.objects.count() == 0


def test_compliance_counts_turnaround_and_meetings_from_real_data(citizen, caseworker, gp_org):
    agreement = services.create_agreement(
        caseworker.user,
        agreement_data(),
        [gp_org],
        [services.ContactSpec(gp_org, "Lone Læge", "praktiserende læge", "33333333")],
    )
    kind = CertificateKind.objects.get(name__startswith="Statusattest")
    quick = certificates.create_request(caseworker.user, citizen, spec(kind, gp_org))
    certificates.record_answer(caseworker.user, quick, health_assessment="Stabil")
    slow = certificates.create_request(
        caseworker.user,
        citizen,
        spec(CertificateKind.objects.get(name="Journaludskrift"), gp_org),
    )
    certificates.record_answer(caseworker.user, slow, health_assessment="Udredning")
    CertificateRequest.objects.filter(pk=slow.pk).update(
        created_at=timezone.now() - timedelta(days=20)
    )
    waiting = certificates.create_request(
        caseworker.user,
        citizen,
        spec(CertificateKind.objects.get(name="Psykologerklæring"), gp_org),
    )
    CertificateRequest.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(days=12)
    )
    held = CooperationMeeting.objects.create(
        purpose="Attester",
        starts_at=timezone.now() - timedelta(days=5),
        ends_at=timezone.now() - timedelta(days=5, hours=-1),
        status="held",
        convener=caseworker,
    )
    held.organisations.set([caseworker.organisation, gp_org])
    c = services.compliance(agreement)
    assert (c.certificates, c.certificates_on_time, c.certificates_late) == (3, 1, 1)
    assert (c.certificates_waiting, c.certificates_overdue) == (1, 1)
    assert c.median_days == 10.0  # 0 and 20 days
    assert (c.meetings_held, c.meetings_required, c.meetings_ok) == (1, 2, False)


def test_managers_see_compliance_as_counts_with_no_citizen_named(
    citizen, caseworker, gp_org, manager, client_for
):
    agreement = services.create_agreement(caseworker.user, agreement_data(), [gp_org], [])
    kind = CertificateKind.objects.get(name__startswith="Statusattest")
    certificates.create_request(caseworker.user, citizen, spec(kind, gp_org))
    page = client_for(manager).get(f"/cooperation/{agreement.uuid}/")
    body = page.content.decode()
    assert page.status_code == 200 and 'id="certificates-total">1<' in body
    assert citizen.full_name not in body and citizen.cpr not in body
    assert client_for(manager).get("/cooperation/new/").status_code == 403


def test_the_agreement_downloads_as_pdf_for_a_party_only(caseworker, gp_org, client_for):
    agreement = services.create_agreement(caseworker.user, agreement_data(), [gp_org], [])
    response = client_for(caseworker).get(f"/cooperation/{agreement.uuid}/agreement.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    stranger = make_professional("sune", make_org("Anden kommune", Sector.JOBCENTER))
    assert client_for(stranger).get(f"/cooperation/{agreement.uuid}/").status_code == 404


def test_the_agreement_form_refuses_a_service_level_out_of_range(caseworker, gp_org, client_for):
    data = agreement_data(certificate_answer_days=0)
    data.update(
        {
            "parties": [str(gp_org.uuid)],
            "valid_from": data["valid_from"].isoformat(),
            "valid_to": "",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        }
    )
    response = client_for(caseworker).post("/cooperation/new/", data)
    assert response.status_code == 422 and Agreement.objects.count() == 0
    data["certificate_answer_days"] = 14
    response = client_for(caseworker).post("/cooperation/new/", data)
    assert response.status_code == 302 and Agreement.objects.get().certificate_answer_days == 14


def test_callback_deadline_before_today_is_refused_and_kept_callbacks_count(
    caseworker, gp_org, client_for
):
    from enplan.cooperation import directory
    from enplan.cooperation.models import Callback

    client = client_for(caseworker)
    response = client.post(
        "/cooperation/callbacks/new/",
        {
            "to_organisation": str(gp_org.uuid),
            "topic": "Attestsamarbejde",
            "deadline": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422 and Callback.objects.count() == 0
    assert "før i dag" in response.content.decode() or "before today" in response.content.decode()
    response = client.post(
        "/cooperation/callbacks/new/",
        {
            "to_organisation": str(gp_org.uuid),
            "topic": "Attestsamarbejde",
            "deadline": (timezone.localdate() + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    callback = Callback.objects.get()
    with pytest.raises(PermissionDenied):
        directory.close_callback(caseworker.user, callback)  # not asked of the jobcenter
    gp = make_professional("lise", gp_org)
    assert str(callback.uuid) in client_for(gp).get("/cooperation/callbacks/").content.decode()
    client_for(gp).post("/cooperation/callbacks/done/", {"callback": str(callback.uuid)})
    callback.refresh_from_db()
    assert callback.kept
    agreement = services.create_agreement(caseworker.user, agreement_data(), [gp_org], [])
    c = services.compliance(agreement)
    assert (c.callbacks, c.callbacks_kept, c.callbacks_overdue) == (1, 1, 0)


def test_directory_search_and_the_stale_entry_flag(caseworker, gp_org, client_for):
    client = client_for(caseworker)
    page = client.get("/cooperation/directory/", {"q": "Lægehuset"})
    body = page.content.decode()
    assert page.status_code == 200 and "Lægehuset Aftale" in body and 'id="stale-entry"' in body
    assert "Jobcenter Test" not in body.split("<h2>")[1]  # only what matches
    client.post("/cooperation/directory/verify/")
    assert 'id="stale-entry"' not in client.get("/cooperation/directory/").content.decode()
    by_sector = client.get("/cooperation/directory/", {"sector": Sector.GENERAL_PRACTICE})
    assert "Lægehuset Aftale" in by_sector.content.decode()


def test_an_offer_goes_into_the_catalogue_and_is_found(caseworker, manager, client_for):
    from enplan.cooperation.models import Offer

    client = client_for(caseworker)
    assert client.post("/cooperation/offers/new/", {"title": "IPS"}).status_code == 422
    response = client.post(
        "/cooperation/offers/new/",
        {
            "title": "IPS-forløb",
            "target_group": "Borgere i psykiatrisk behandling",
            "criteria": "Ønsker ordinært arbejde",
            "legal_basis": "LAB § 32",
            "decided_by": "Jobcentrets visitationsudvalg",
            "how_to_refer": "Skriv til IPS-teamet",
            "contact": "IPS-teamet, 12 34 56 78",
        },
    )
    assert response.status_code == 302
    assert Offer.objects.get().organisation == caseworker.organisation
    found = client_for(manager).get("/cooperation/offers/", {"q": "psykiatrisk"})
    assert "IPS-forløb" in found.content.decode()
    assert client_for(manager).post("/cooperation/offers/new/", {}).status_code == 403


# --- a plan activity points at an offer in the catalogue ------------------------------------


def _offer(organisation, title="IPS-forløb", active=True):
    from enplan.cooperation.models import Offer

    return Offer.objects.create(
        organisation=organisation,
        title=title,
        target_group="Borgere i psykiatrisk behandling",
        criteria="Ønsker ordinært arbejde",
        legal_basis="LAB § 32",
        decided_by="Jobcentrets visitationsudvalg",
        how_to_refer="Skriv til IPS-teamet",
        contact="IPS-teamet",
        active=active,
    )


def _activity(plan, caseworker):
    from enplan.plans import services as plans
    from enplan.plans.models import TrackKind

    coordinator = plan.citizen.memberships.get(professional=caseworker)
    return plans.add_activity(
        plan,
        caseworker.user,
        plan.version,
        {
            "title": "Virksomhedspraktik",
            "starts_on": timezone.localdate(),
            "responsible": coordinator,
            "organisation": caseworker.organisation,
            "purpose": "Afprøve arbejde",
            "legal_basis": "lab",
            "status": "planned",
            "track": TrackKind.EMPLOYMENT,
        },
    )


def test_an_activity_points_at_an_offer_shown_on_the_plan(plan, caseworker, client_for):
    from enplan.audit.models import AuditEntry
    from enplan.cooperation.models import ActivityOffer

    activity = _activity(plan, caseworker)
    offer = _offer(caseworker.organisation)
    url = f"/citizens/{plan.citizen.uuid}/plan/activities/{activity.uuid}/offer/"
    client = client_for(caseworker)
    page = client.get(f"/citizens/{plan.citizen.uuid}/plan/").content.decode()
    assert url in page  # "Point to an offer" beside the activity
    assert client.get(url).status_code == 200
    response = client.post(url, {"offer": offer.uuid, "note": "Henvist 1/12"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"#activity-{activity.uuid}"
    )
    link = ActivityOffer.objects.get()
    assert (link.activity, link.offer, link.linked_by) == (activity, offer, caseworker.user)
    page = client.get(f"/citizens/{plan.citizen.uuid}/plan/").content.decode()
    assert f"#offer-{offer.uuid}" in page and "IPS-forløb" in page and "Henvist 1/12" in page
    assert AuditEntry.objects.filter(object_type="activityoffer", action="create").exists()
    # Another offer replaces it; "No offer" takes the link away.
    other = _offer(caseworker.organisation, "Mentorstøtte")
    assert client.post(url, {"offer": other.uuid}).status_code == 302
    assert ActivityOffer.objects.get().offer == other
    assert client.post(url, {"offer": ""}).status_code == 302
    assert not ActivityOffer.objects.exists()


def test_offer_link_refuses_bad_input_and_keeps_the_old_link(plan, caseworker, client_for):
    from enplan.cooperation.models import ActivityOffer

    activity = _activity(plan, caseworker)
    offer = _offer(caseworker.organisation)
    retired = _offer(caseworker.organisation, "Nedlagt tilbud", active=False)
    url = f"/citizens/{plan.citizen.uuid}/plan/activities/{activity.uuid}/offer/"
    client = client_for(caseworker)
    assert client.post(url, {"offer": offer.uuid}).status_code == 302
    for bad in (
        {"offer": retired.uuid},  # no longer in the catalogue
        {"offer": "not-a-uuid"},
        {"offer": offer.uuid, "note": "x" * 301},
    ):
        response = client.post(url, bad)
        assert response.status_code == 422, bad
        assert (
            'class="errorlist' in response.content.decode() or "error" in response.content.decode()
        )
    assert ActivityOffer.objects.get().offer == offer  # nothing lost


def test_offer_link_follows_who_may_see_and_change_the_activity(
    plan, caseworker, psych, outsider, client_for
):
    from enplan.cooperation import referrals
    from enplan.cooperation.models import ActivityOffer

    activity = _activity(plan, caseworker)
    offer = _offer(caseworker.organisation)
    referrals.link_offer(caseworker.user, activity, offer, "HEMMELIG-HENVISNING")
    url = f"/citizens/{plan.citizen.uuid}/plan/activities/{activity.uuid}/offer/"
    # Psychiatry has no consent to the jobcenter's employment activity: refused, and the
    # plan page shows neither the offer nor the note.
    assert client_for(psych).get(url).status_code == 403
    assert client_for(psych).post(url, {"offer": ""}).status_code == 403
    page = client_for(psych).get(f"/citizens/{plan.citizen.uuid}/plan/").content.decode()
    assert "HEMMELIG-HENVISNING" not in page and str(offer.uuid) not in page
    with pytest.raises(PermissionDenied):
        referrals.link_offer(psych.user, activity, None)
    # Outside the network: not found.
    assert client_for(outsider).get(url).status_code == 404
    assert ActivityOffer.objects.get().note == "HEMMELIG-HENVISNING"
