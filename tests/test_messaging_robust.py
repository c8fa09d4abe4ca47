"""Receipt never answers 500 (issue 10.5) and follows MedCom's duplicate rule (10.6).

Every input gets an Acknowledgement – positive, or negative with the reason – and a refused
message stores nothing but its receipt. A resent message (same MessageHeader.id, new
Bundle.id and timestamp) is a duplicate in JSON and in XML; only different content under a
known MessageHeader.id, or a known Bundle.id under another MessageHeader.id, is an error.
The last test receives through `manage.py runserver`, the server the demo uses.
"""

import base64
import copy
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.db import DataError, connection

from enplan.messaging import fhir
from enplan.messaging.models import Message, MessageIntegration, Receipt, Segment
from enplan.messaging.partners import ensure_example_organisations

from .conftest import make_citizen, make_professional
from .test_messaging_receive import (
    AABENRAA,
    BRUNO,
    EXAMPLE_SORS,
    RECEIVE,
    _batch,
    counts,
    ct,
    message,
)
from .test_messaging_receive import english as in_english

ROOT = Path(__file__).resolve().parent.parent
URL = "/api/v1/messaging/receive"
english = pytest.fixture(autouse=True)(in_english.__wrapped__)


@pytest.fixture
def world(db, caseworker):
    orgs = ensure_example_organisations()
    nurse = make_professional("birgit", orgs[AABENRAA])
    make_citizen(caseworker, cpr=BRUNO, given_name="Bruno", family_name="Elmer")
    del nurse
    return orgs


@pytest.fixture
def key(world):
    return MessageIntegration.issue("robust adapter", EXAMPLE_SORS)[1]


def post(client, key, data, content_type="application/fhir+json", url=URL):
    headers = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    return client.post(url, data=data, content_type=content_type, headers=headers)


def assert_ack(response, code: str) -> dict:
    """The answer is a MedCom Acknowledgement with `code`."""
    assert response["Content-Type"].startswith("application/fhir+json"), response.content[:200]
    ack = response.json()
    header = ack["entry"][0]["resource"]
    assert header["eventCoding"]["code"] == "acknowledgement-message"
    assert header["response"]["code"] == code, ack
    return ack


def reason(ack: dict) -> str:
    return json.dumps([e["resource"] for e in ack["entry"][1:]], ensure_ascii=False)


def example(name: str) -> tuple[dict, str]:
    path = next(p for p in RECEIVE if name in p.name)
    _cc, bundle = fhir.parse(path.read_bytes(), ct(path))
    return bundle, path.suffix.lstrip(".")


def resent(bundle: dict) -> dict:
    """What a sender's resend looks like: same MessageHeader.id, new Bundle.id and
    timestamp, and a relay's meta (never the content) changed."""
    again = copy.deepcopy(bundle)
    again["id"] = str(uuid.uuid4())
    again["timestamp"] = "2026-12-01T09:30:00+01:00"
    again["meta"] = {**(again.get("meta") or {}), "lastUpdated": "2026-12-01T09:30:00+01:00"}
    for entry in again["entry"]:
        entry["resource"].setdefault("meta", {})["versionId"] = "2"
    return again


def encode(bundle: dict, fmt: str) -> tuple[bytes, str]:
    data = fhir.to_xml(bundle) if fmt == "xml" else fhir.to_json(bundle)
    return data, f"application/fhir+{fmt}"


# --- MedCom's duplicate rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "first", "again"),
    [
        ("R-A-new", "json", "json"),
        ("R-A-new", "json", "xml"),
        ("R-Tek-A", "xml", "xml"),
        ("R-Tek-A", "xml", "json"),
    ],
)
def test_a_resend_with_a_new_bundle_id_is_a_duplicate(client, key, name, first, again):
    bundle, _fmt = example(name)
    original = assert_ack(post(client, key, *encode(bundle, first)), "ok")
    stored = counts()
    response = post(client, key, *encode(resent(bundle), again))
    assert response.status_code == 200 and response["X-Enplan-Outcome"] == "duplicate"
    assert assert_ack(response, "ok") == original  # the original acknowledgement, again
    assert counts() == stored and Message.objects.count() == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_same_header_id_with_other_content_is_refused(client, key, fmt):
    bundle, _fmt = example("R-A-new")
    assert_ack(post(client, key, *encode(bundle, fmt)), "ok")
    changed = resent(bundle)
    comm = next(
        e["resource"] for e in changed["entry"] if e["resource"]["resourceType"] == "Communication"
    )
    text = next(p for p in comm["payload"] if "contentString" in p)
    text["contentString"] += " (ændret)"
    response = post(client, key, *encode(changed, fmt))
    assert response.status_code == 422
    assert "already received with different content" in reason(assert_ack(response, "fatal-error"))
    assert Message.objects.count() == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_reused_bundle_id_under_another_header_id_is_refused(client, key, fmt):
    first = fhir.build(message(text="Første"))
    assert_ack(post(client, key, *encode(first, fmt)), "ok")
    other = fhir.build(message(text="Anden"))
    other["id"] = first["id"]
    response = post(client, key, *encode(other, fmt))
    assert response.status_code == 422
    assert "Bundle.id" in reason(assert_ack(response, "fatal-error"))
    assert Message.objects.count() == 1


def test_a_message_stored_before_the_rule_changed_is_still_recognised(client, key):
    """Messages stored with the earlier hash (meta and narrative included) are compared by
    their stored content, so their resends stay duplicates."""
    bundle, _fmt = example("R-A-new")
    assert_ack(post(client, key, *encode(bundle, "json")), "ok")
    Message.objects.update(content_hash="0" * 64)
    response = post(client, key, *encode(resent(bundle), "xml"))
    assert response["X-Enplan-Outcome"] == "duplicate"


# --- never a 500 ----------------------------------------------------------------------------


def _bundle(**change) -> bytes:
    bundle = fhir.build(message())
    for path, value in change.items():
        target = bundle
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    return fhir.to_json(bundle)


XINCLUDE = b"""<Bundle xmlns="http://hl7.org/fhir" xmlns:xi="http://www.w3.org/2001/XInclude">
<id value="x"/><type value="message"/><xi:include href="file:///etc/passwd" parse="text"/>
</Bundle>"""
NO_NAMESPACE = b"""<Bundle><id value="x"/><type value="message"/></Bundle>"""
DEEP_XML = b"<Bundle xmlns='http://hl7.org/fhir'>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</Bundle>"
CASES = {
    "number-for-a-date": (lambda: _bundle(timestamp=12345), "timestamp"),
    "number-for-an-id": (lambda: _bundle(id=7), "Bundle"),
    "date-out-of-range": (lambda: _bundle(timestamp="0001-01-01T00:00:00+14:00"), "timestamp"),
    "no-resourceType": (lambda: json.dumps({"type": "message", "entry": []}).encode(), "Bundle"),
    "unknown-resourceType": (lambda: json.dumps({"resourceType": "Foo"}).encode(), "Bundle"),
    "entry-resourceType-unknown": (
        lambda: _bundle(entry__0__resource__resourceType="Foo"),
        "",
    ),
    "deep-json": (lambda: b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "deep"),
    "deep-json-in-bundle": (
        lambda: b'{"resourceType":"Bundle","x":' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "",
    ),
    "deep-xml": (lambda: DEEP_XML, ""),
    "xinclude": (lambda: XINCLUDE, "XInclude"),
    "xml-without-fhir-namespace": (lambda: NO_NAMESPACE, "namespace"),
    "lone-surrogate": (
        lambda: _bundle().replace(b'"Hej"', b'"Hej \\ud800"'),
        "unicode",
    ),
    "nul-character": (lambda: _bundle().replace(b'"Hej"', b'"Hej \\u0000"'), "NUL"),
    "not-utf8": (lambda: _bundle().replace(b'"Hej"', b'"Hej \xff\xfe"'), ""),
    "bad-base64": (lambda: _attachment_bundle(b"%PDF-1.4", data="@@not base64@@"), ""),
    "id-too-long": (
        lambda: fhir.to_json(fhir.build(message(comm_id="urn:" + "x" * 120))),
        "longer than 100",
    ),
    "empty": (lambda: b"", ""),
    "array": (lambda: b"[1, 2, 3]", "Bundle"),
}


def _attachment_bundle(content: bytes, data: str | None = None) -> bytes:
    cc = message()
    cc.payloads.insert(
        0,
        fhir.Payload(
            identifier=f"urn:uuid:{uuid.uuid4()}",
            timestamp="2026-11-20T10:00:00+01:00",
            content_type="application/pdf",
            title="Bilag.pdf",
            data=data or base64.b64encode(content).decode(),
        ),
    )
    return fhir.to_json(fhir.build(cc))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_a_negative_ack_and_stores_nothing(client, key, case):
    make, says = CASES[case]
    data = make()
    content_type = "application/fhir+xml" if data.lstrip().startswith(b"<") else ""
    response = post(client, key, data, content_type or "application/fhir+json")
    assert 400 <= response.status_code < 500, (case, response.status_code)
    ack = assert_ack(response, "fatal-error")
    assert says.lower() in reason(ack).lower(), reason(ack)
    assert counts() == (0, 0, 0)
    assert Receipt.objects.get().outcome == "rejected"


def test_a_multipart_body_is_refused_with_an_ack(client, key):
    response = client.post(
        URL, {"file": "x", "more": "y"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 415
    assert_ack(response, "fatal-error")
    assert counts() == (0, 0, 0)


def test_a_body_past_djangos_upload_limit_but_within_ours_is_received(client, key, settings):
    """3 MB, past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which used to fire first (500)."""
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 3_000_000 < settings.ENPLAN_MESSAGE_MAX_BYTES
    data = _attachment_bundle(b"%PDF-1.4\n" + b"0" * 2_300_000)
    assert len(data) > 3_000_000
    response = post(client, key, data)
    assert response.status_code == 200, response.content[:300]
    assert_ack(response, "ok")
    assert Segment.objects.filter(kind="attachment").get().size > 2_300_000
    settings.ENPLAN_MESSAGE_MAX_BYTES = 1_000_000
    too_big = post(client, key, _attachment_bundle(b"%PDF-1.4\n" + b"1" * 2_300_000))
    assert too_big.status_code == 413
    assert "at most 1000000" in reason(assert_ack(too_big, "fatal-error"))


def test_one_bad_entry_in_a_batch_costs_the_others_nothing(client, key):
    good = [fhir.build(message(text=f"Besked {n}")) for n in range(3)]
    bad = json.loads(_bundle(timestamp=12345))
    b64 = json.loads(_attachment_bundle(b"%PDF", data="@@not base64@@"))
    response = post(client, key, _batch(good[0], bad, good[1], b64, good[2]), url=URL + "-batch")
    assert response.status_code == 200, response.content[:300]
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["200", "422", "200", "422", "200"]
    assert Message.objects.count() == 3


def test_a_message_the_database_refuses_costs_the_batch_nothing(client, key, monkeypatch):
    """Defence in depth: should storing one message fail for a reason the checks did not
    foresee (here the database refuses its segment), each message of the batch is received
    on its own, the others are stored and that one gets a negative acknowledgement."""
    good = [fhir.build(message(text=f"Besked {n}")) for n in range(2)]
    doomed = fhir.build(message(text="Databasen afviser denne"))
    real = Segment.objects.bulk_create

    def refuse(objs, *args, **kwargs):  # fault injection: the database says no
        if any(s.text == "Databasen afviser denne" for s in objs):
            raise DataError("value too long for type character varying(40)")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Segment.objects, "bulk_create", refuse)
    response = post(client, key, _batch(good[0], doomed, good[1]), url=URL + "-batch")
    assert response.status_code == 200
    assert [e["response"]["status"] for e in response.json()["entry"]] == ["200", "422", "200"]
    assert Message.objects.count() == 2
    assert "could not be stored" in Receipt.objects.get(outcome="rejected").reason


# --- through the demo's own server ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_receipt_through_runserver_answers_with_the_ack(caseworker):
    """`./dev demo` serves with `manage.py runserver`: its WSGI server accepts only str header
    values, and answered every receipt with a 500 (while storing the message)."""
    ensure_example_organisations()
    make_citizen(caseworker, cpr=BRUNO, given_name="Bruno", family_name="Elmer")
    _i, key = MessageIntegration.issue("runserver adapter", EXAMPLE_SORS)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "enplan.settings.demo", "DATABASE_URL": url}
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
        for path in RECEIVE[:2]:
            answer = requests.post(
                base + URL,
                data=path.read_bytes(),
                headers={**auth, "Content-Type": ct(path)},
                timeout=60,
            )
            assert answer.status_code == 200, answer.text[:500]
            assert answer.headers["X-Enplan-Outcome"] == "accepted"
            assert answer.json()["entry"][0]["resource"]["response"]["code"] == "ok"
        big = _attachment_bundle(b"%PDF-1.4\n" + b"0" * 2_300_000)
        answer = requests.post(
            base + URL, data=big, headers={**auth, "Content-Type": "application/fhir+json"}
        )
        assert answer.status_code == 200, answer.text[:500]
        bad = requests.post(
            base + URL, data=XINCLUDE, headers={**auth, "Content-Type": "application/fhir+xml"}
        )
        assert bad.status_code == 422
        assert bad.json()["entry"][0]["resource"]["response"]["code"] == "fatal-error"
        assert requests.post(base + URL, data=b"{}", timeout=10).status_code == 401
    finally:
        server.terminate()
        server.wait(10)
    assert Message.objects.count() == 3


# --- attachment URLs (issue 10.8) -----------------------------------------------------------


def test_only_http_attachment_urls_are_rendered_as_links(client, key, caseworker):
    from enplan.citizens.models import Citizen
    from enplan.messaging.models import Thread
    from enplan.network.models import NetworkRole
    from enplan.network.services import add_member
    from enplan.organisations.models import Professional

    nurse = Professional.objects.get(user__username="birgit")
    citizen = Citizen.objects.get(cpr=BRUNO)
    add_member(citizen, caseworker.user, role=NetworkRole.OTHER, professional=nurse)
    urls = {
        "Web.pdf": "https://example.org/bilag.pdf",
        "Script.pdf": "javascript:alert(document.cookie)",
        "Data.pdf": "data:text/html,<script>alert(1)</script>",
        "File.pdf": "file:///etc/passwd",
        "Ref.pdf": "urn:uuid:4b2a7c1e-0000-4000-8000-000000000001",
        "Tricky.pdf": " JaVaScRiPt:alert(1)",
    }
    cc = message()
    for title, url in urls.items():
        cc.payloads.insert(
            0,
            fhir.Payload(
                identifier=f"urn:uuid:{uuid.uuid4()}",
                timestamp="2026-11-20T10:00:00+01:00",
                content_type="application/pdf",
                title=title,
                url=url,
            ),
        )
    assert_ack(post(client, key, fhir.to_json(fhir.build(cc))), "ok")
    thread = Thread.objects.get()
    client.force_login(nurse.user)
    page = client.get(f"/citizens/{citizen.uuid}/messages/{thread.uuid}/").content.decode()
    assert 'href="https://example.org/bilag.pdf"' in page
    for title in ("Script.pdf", "Data.pdf", "File.pdf", "Ref.pdf", "Tricky.pdf"):
        assert title in page
    hrefs = [h.split('"', 1)[0].strip().lower() for h in page.split('href="')[1:]]
    for scheme in ("javascript:", "data:", "file:", "urn:"):
        assert not [h for h in hrefs if h.startswith(scheme)], scheme
