"""Administrators cannot become a caseworker: no password setting, reset links by e-mail
(locmem and a real SMTP server), every such action audited; role start pages; the 403 page."""

import re
import socket
import time
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from enplan.accounts.models import Role, User
from enplan.audit.models import Action, AuditEntry

from .conftest import PASSWORD


@pytest.fixture
def sysadmin(db):
    return User.objects.create_user("sys", password=PASSWORD, role=Role.SYSADMIN)


@pytest.fixture
def dpo(db):
    return User.objects.create_user("dpo", password=PASSWORD, role=Role.DPO)


def _reset_link(body: str) -> str:
    return re.search(r"https?://\S+/accounts/reset/\S+/", body).group(0)


def test_the_admin_has_no_way_to_set_another_users_password(client, sysadmin, caseworker):
    client.force_login(sysadmin)
    user = caseworker.user
    page = client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="password' not in page and "/password/" not in page
    # Django's own "change password" page is gone (its URL falls through to "not found").
    response = client.get(f"/admin/accounts/user/{user.pk}/password/", follow=True)
    assert 'name="password1"' not in response.content.decode()
    client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "Overtaget-2026!", "password2": "Overtaget-2026!"},
        follow=True,
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # A new user gets no password from the administrator either.
    add = client.get("/admin/accounts/user/add/").content.decode()
    assert 'name="password1"' not in add


def test_reset_link_by_email_lets_the_person_choose_a_password_and_is_audited(
    client, sysadmin, caseworker
):
    user = caseworker.user
    user.email = "mette@example.org"
    user.save()
    client.force_login(sysadmin)
    response = client.post(f"/admin/accounts/user/{user.pk}/send-reset-link/", follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["mette@example.org"]
    assert "admin" not in mail.outbox[0].body.lower() or "sys" not in mail.outbox[0].to
    sent = AuditEntry.objects.get(context__event="password_reset_link_sent")
    assert (sent.actor, sent.object_type, sent.object_id) == ("sys", "user", str(user.pk))
    assert sent.context["username"] == "mette" and sent.at <= timezone.now()
    # The administrator's session does not carry the password: the person sets it.
    client.logout()
    link = _reset_link(mail.outbox[0].body)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b'name="new_password1"' in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Nyt-kodeord-2026!", "new_password2": "Nyt-kodeord-2026!"},
        follow=True,
    )
    assert done.status_code == 200
    user.refresh_from_db()
    assert user.check_password("Nyt-kodeord-2026!")
    assert AuditEntry.objects.filter(context__event="password_set_by_link", actor="mette").exists()
    # The link works once.
    again = client.get(link, follow=True)
    assert b'name="new_password1"' not in again.content


def test_the_admin_list_action_sends_links_and_refuses_users_without_email(
    client, sysadmin, caseworker, outsider
):
    caseworker.user.email = "mette@example.org"
    caseworker.user.save()
    client.force_login(sysadmin)
    client.post(
        "/admin/accounts/user/",
        {
            "action": "send_reset_links",
            "_selected_action": [caseworker.user.pk, outsider.user.pk],
        },
    )
    assert [m.to for m in mail.outbox] == [["mette@example.org"]]
    assert AuditEntry.objects.filter(context__event="password_reset_link_sent").count() == 1


def test_changing_an_email_notifies_the_old_address_and_delays_reset_links(
    client, sysadmin, caseworker
):
    """Otherwise an administrator could point the address at themselves and reset."""
    user = caseworker.user
    user.email = "mette@example.org"
    user.save()
    client.force_login(sysadmin)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "sys@example.org",
        "role": user.role,
        "is_active": "on",
    }
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert mail.outbox[-1].to == ["mette@example.org"]
    assert AuditEntry.objects.filter(context__event="email_changed", actor="sys").exists()
    mail.outbox.clear()
    client.post(f"/admin/accounts/user/{user.pk}/send-reset-link/")
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(context__event="password_reset_link_sent").exists()
    User.objects.filter(pk=user.pk).update(
        email_changed_at=timezone.now() - timezone.timedelta(hours=25)
    )
    client.post(f"/admin/accounts/user/{user.pk}/send-reset-link/")
    assert [m.to for m in mail.outbox] == [["sys@example.org"]]


def test_creating_users_and_changing_roles_is_audited(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "ny",
            "first_name": "Ny",
            "last_name": "Bruger",
            "email": "ny@example.org",
            "role": Role.PROFESSIONAL,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="ny")
    assert not user.has_usable_password()
    created = AuditEntry.objects.get(action=Action.CREATE, object_type="user")
    assert created.actor == "sys" and created.context["username"] == "ny"
    data = {
        "username": "ny",
        "first_name": "Ny",
        "last_name": "Bruger",
        "email": "ny@example.org",
        "role": Role.MANAGER,
        "is_active": "on",
    }
    assert client.post(f"/admin/accounts/user/{user.pk}/change/", data).status_code == 302
    changed = AuditEntry.objects.get(context__event="role_changed")
    assert (changed.context["old_role"], changed.context["new_role"]) == ("professional", "manager")


def test_an_active_users_login_identity_cannot_be_rebound_in_the_admin(
    client, sysadmin, caseworker
):
    user = caseworker.user
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    client.force_login(sysadmin)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "role": user.role,
        "is_active": "on",
        "oidc_subject": "sys-own-mitid",
    }
    client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    user.refresh_from_db()
    assert user.oidc_subject is None


def test_professional_profile_cannot_be_moved_to_another_user(client, sysadmin, caseworker):
    client.force_login(sysadmin)
    page = client.get(f"/admin/organisations/professional/{caseworker.pk}/change/").content.decode()
    assert 'name="user"' not in page


# --- a real SMTP server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_the_reset_link_goes_out_through_a_real_smtp_server(
    client, sysadmin, caseworker, smtp_server
):
    controller, inbox = smtp_server
    user = caseworker.user
    user.email = "mette@example.org"
    user.save()
    client.force_login(sysadmin)
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        ENPLAN_BASE_URL="https://enplan.example.dk",
    ):
        client.post(f"/admin/accounts/user/{user.pk}/send-reset-link/")
    for _ in range(50):
        if inbox.messages:
            break
        time.sleep(0.1)
    [(to, content)] = inbox.messages
    assert to == ["mette@example.org"]
    assert "https://enplan.example.dk/accounts/reset/" in content.replace("=\n", "")


# --- start pages and the 403 page -----------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.in_main = False

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("/static/"):
            self.links.append(href)


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


@pytest.fixture
def politician(db):
    return User.objects.create_user("pol", password=PASSWORD, role=Role.POLITICIAN)


@pytest.mark.parametrize("role", ["professional", "manager", "politician", "sysadmin", "dpo"])
def test_every_role_lands_on_a_start_page_it_may_open(client, role, caseworker, citizen):
    user = (
        caseworker.user
        if role == "professional"
        else User.objects.create_user(f"u-{role}", password=PASSWORD, role=role)
    )
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    final = response.redirect_chain[-1][0]
    expected = {
        "professional": "/citizens/",
        "manager": "/insights/",
        "politician": "/insights/",
        "sysadmin": "/admin/",
        "dpo": "/admin/",
    }[role]
    assert final == expected


@pytest.mark.parametrize("role", ["professional", "manager", "politician", "sysadmin", "dpo"])
def test_a_403_page_never_links_to_a_page_that_is_403_for_that_user(
    client, role, caseworker, citizen, outsider
):
    user = (
        outsider.user
        if role == "professional"
        else User.objects.create_user(f"u-{role}", password=PASSWORD, role=role)
    )
    client.force_login(user)
    refused = [
        f"/citizens/{citizen.uuid}/plan/",
        "/citizens/",
        "/citizens/new/",
        "/admin/gdpr/citizenrecord/",
        "/admin/accounts/user/",
        "/messages/",
    ]
    seen_403 = 0
    for url in refused:
        response = client.get(url, follow=True)
        if response.status_code != 403:
            continue
        seen_403 += 1
        html = response.content.decode()
        assert "Ingen adgang" in html or "Not allowed" in html
        links = _links(html)
        assert links, html
        for link in links:
            assert client.get(link, follow=True).status_code != 403, (role, url, link)
    assert seen_403 or role == "professional"


def test_the_403_page_and_the_admin_speak_danish_in_danish_mode(client, dpo, manager, citizen):
    client.force_login(manager)
    page = client.get("/admin/", follow=True, headers={"accept-language": "da"})
    html = page.content.decode()
    assert page.status_code == 403
    assert "Ingen adgang" in html and "Gå til din startside" in html
    assert "The administration is for" not in html
    client.force_login(dpo)
    html = client.get("/admin/").content.decode()
    assert "Borgerjournaler (GDPR)" in html and "Citizen records" not in html
    listing = client.get("/admin/gdpr/citizenrecord/", {"q": citizen.cpr}).content.decode()
    assert "Eksportér alt (GDPR art. 15)" in listing and "Export everything" not in listing
