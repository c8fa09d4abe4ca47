"""One language at a time (issue 11.10): every page a professional can GET, found from the URL
configuration, rendered in Danish and in English, shows no interface text of the other
language; dates read the Danish way in both."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from enplan.accounts.models import User

from .pages import Markup, page_urls, seeded_world

LOCALE = Path(settings.LOCALE_PATHS[0])

# Danish terms that stay Danish in the English interface on purpose (DOMAIN.md: real-world
# terms keep their names), and names of Danish laws and institutions.
DELIBERATELY_DANISH = {
    "samtykke",
    "forløb",
    "netværksmøde",
    "koordinerende sagsbehandler",
    "sagsbehandler",
    "Lokalpsykiatri",
    "Jobcenter",
    "Serviceloven",
    "Sundhedsloven",
    "Sygedagpengeloven",
    "Lov om aktiv socialpolitik",
    "Lov om en aktiv beskæftigelsesindsats (LAB)",
    "Dansk",  # the language switch names each language in that language
    "English",
}
# Catalogue strings that are also ordinary words of the other language or of the demo's
# own (Danish, user-written) data, so finding them proves nothing.
AMBIGUOUS = {
    "Note",
    "note",
    "Plan",
    "Status",
    "status",
    "Version",
    "Mentor",
    "Send",
    "Organisation",
    "organisation",
    "start",
}
# Text the demo's people wrote in Danish, which stays Danish in the English interface, as
# any user data does: outcome notes from the Gladsaxe report's table, activity titles, and
# the signature (name, role) a message carries as it was sent.
DEMO_DATA = {"Ude af misbrug", "Virksomhedspraktik", "Sagsbehandler", "Sygeplejerske", "Borgeren"}


def _catalogue(language: str) -> dict[str, str]:
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    out = {}
    for key, value in catalog.items():
        if isinstance(key, tuple):  # a plural form: (msgid, n)
            key = key[0]
        if key and "\x04" in key:  # msgctxt\x04msgid
            key = key.split("\x04", 1)[1]
        if key:
            out.setdefault(key, value)
    return out


def _fragments(text: str) -> list[str]:
    """The literal parts of a catalogue string worth looking for: placeholders split it;
    parts of fewer than 2 words or 8 letters are too common to prove anything."""
    parts = re.split(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|\{\w*\}", text)
    out = []
    for part in parts:
        part = re.sub(r"\s+", " ", part).strip(" .,:;–-()")
        if len(part) >= 8 or (len(part.split()) >= 2 and len(part) >= 6):
            out.append(part)
    return out


def _foreign_strings(language: str) -> set[str]:
    """Interface strings that must not appear on a page in `language`."""
    danish = _catalogue("da")
    english_names = _catalogue("en")
    if language == "en":
        # Danish translations that differ from their English msgid, and the Danish msgids
        # that have an English name.
        candidates = {v for k, v in danish.items() if v != k}
        candidates |= {k for k, v in english_names.items() if v != k}
    else:
        candidates = {k for k, v in danish.items() if v != k}
        candidates -= set(english_names)  # Danish msgids are Danish
    found = set()
    for text in candidates:
        found.update(_fragments(text))
    # Strings that read the same in both languages are nobody's leftovers.
    same = {v for k, v in danish.items() if v == k} | {v for k, v in english_names.items()}
    wanted_elsewhere = (
        set(danish.values()) if language == "da" else set(danish) - set(english_names)
    )
    return {
        s
        for s in found
        if s not in DELIBERATELY_DANISH | AMBIGUOUS | DEMO_DATA | same
        and not any(s in w for w in wanted_elsewhere if len(w) > len(s))
    }


# English words that Danish does not have: on a Danish page they betray a string that never
# reached the catalogue at all (the catalogue comparison cannot see those).
# ("have" is left out: it is Danish too, as in "skal have en rolle".)
ENGLISH_WORDS = re.compile(r"\b(the|is|are|you|your|this|with|has|which|there|of)\b")


# Pages written for the citizen come in her language, whatever the staff user's.
IN_THE_CITIZENS_LANGUAGE = {"portal_staff:onepage"}


def _leftovers(text: str, foreign: set[str], language: str = "en") -> list[str]:
    found = sorted(
        s for s in foreign if s in text and re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)
    )
    if language == "da":
        found += [
            f"…{text[max(0, m.start() - 30) : m.end() + 30]}…" for m in ENGLISH_WORDS.finditer(text)
        ]
    return found


@pytest.fixture
def world(db):
    return seeded_world()


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_page_speaks_one_language(world, language):
    foreign = _foreign_strings(language)
    assert len(foreign) > 200  # the check has teeth
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(world.user)
    found, pages = {}, 0
    for name, url in page_urls(world):
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        if name in IN_THE_CITIZENS_LANGUAGE:
            continue
        pages += 1
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, name
        leftovers = _leftovers(Markup(html).visible_text(), foreign, language)
        if leftovers:
            found[f"{name} {url}"] = leftovers
    # The refusal pages: a professional in the administration, a manager on a caseworker's
    # page, anybody on a page that is not there.
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    leftovers = _leftovers(Markup(response.content.decode()).visible_text(), foreign, language)
    if leftovers:
        found["403 page of the administration"] = leftovers
    manager = User.objects.get(username="leder")
    client.force_login(manager)
    for url, status in ((f"/citizens/{world.citizen.uuid}/", 403), ("/citizens/x/", 404)):
        response = client.get(url)
        assert response.status_code == status
        leftovers = _leftovers(Markup(response.content.decode()).visible_text(), foreign, language)
        if leftovers:
            found[f"{status} page"] = leftovers
    assert pages >= 20
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_dates_read_the_danish_way_in_both_languages(world):
    client = Client()
    client.force_login(world.user)
    for language in ("da", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        text = client.get(f"/citizens/{world.citizen.uuid}/messages/").content.decode()
        assert re.search(r"\b\d\d\.\d\d\.20\d\d \d\d:\d\d\b", text), language
        assert not re.search(r"\b(a|p)\.m\.", text) and not re.search(r"\d/\d\d/20\d\d", text)


def test_the_log_in_page_is_danish_unless_english_was_chosen(client, db):
    english_browser = {"headers": {"Accept-Language": "en-GB,en;q=0.9"}}
    assert '<html lang="da">' in client.get("/accounts/login/", **english_browser).text
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert '<html lang="en">' in client.get("/accounts/login/").text
    client.post("/i18n/setlang/", {"language": "da", "next": "/accounts/login/"})
    assert '<html lang="da">' in client.get("/accounts/login/", **english_browser).text


# Catalogue entries whose Danish is their msgid and that need no English name: the same in
# both languages (names of languages, of laws and institutions, words both languages share).
SAME_IN_BOTH = {
    "Dari",
    "Farsi",
    "Pashto",
    "Somali",
    "Tigrinya",
    "Urdu",
    "Casemanager",
    "Jobcenter",
    "Mentor",
    "Note",
    "note",
    "Organisation",
    "organisation",
    "Plan",
    "Send",
    "Status",
    "status",
    "Version",
    "Version %(v)s",
    "e-mail",
    "start",
    "Serviceloven",
    "Sundhedsloven",
    "Sygedagpengeloven",
    "Lov om aktiv socialpolitik",
    "Lov om en aktiv beskæftigelsesindsats (LAB)",
    "%(who)s, %(organisation)s, %(did)s",
    "%(who)s %(did)s",
}


def test_every_danish_msgid_has_an_english_name():
    """A msgid that is Danish (its Danish translation is itself) must be named in English by
    the en catalogue, or the English interface shows it in Danish."""
    danish, english = _catalogue("da"), _catalogue("en")
    untranslated = sorted(
        k for k, v in danish.items() if k == v and k not in english and k not in SAME_IN_BOTH
    )
    assert not untranslated, untranslated
