"""The glossary: one source (enplan.core.glossary) for README's table and for the inline
explanations of Danish terms on the pages."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from enplan.core.glossary import TERMS, explain, readme_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_glossary_is_the_data_source():
    text = README.read_text()
    section = text.split("\n## Glossary\n", 1)[1]
    table = "\n".join(line for line in section.strip().splitlines() if line.startswith("|"))
    assert table + "\n" == readme_table()


def test_the_terms_the_pages_name_are_in_the_glossary():
    names = {t.term for t in TERMS}
    for term in (
        "samtykke",
        "attest",
        "netværksmøde",
        "koordinerende sagsbehandler",
        "trepartssamtale",
        "planlægningsmøde",
        "tilbudskatalog",
        "bisidder",
    ):
        assert term in names


def test_a_term_is_wrapped_with_its_explanation_in_the_readers_language():
    template = Template(
        "{% load enplan %}{{ text|glossary }}|{% glossary %}<h1>Mine samtykker</h1>"
        '<a href="/">samtykke</a>{% endglossary %}'
    )
    with translation.override("da"):
        html = template.render(Context({"text": "Planlægningsmøde <script>"}))
    assert "&lt;script&gt;" in html  # the text is escaped as usual
    abbr = re.search(
        r'<abbr class="gloss" title="([^"]+)" tabindex="0" aria-describedby="(gl-\w+)">'
        r"Planlægningsmøde</abbr>",
        html,
    )
    assert abbr and "den fælles plan" in abbr.group(1)
    assert f'id="{abbr.group(2)}">' in html
    assert ">samtykker</abbr>" in html
    assert '<a href="/">samtykke</a>' in html  # never inside a link
    with translation.override("en"):
        html = str(explain("Network meeting (netværksmøde)"))
    assert "the citizen meets the professionals" in html


def test_every_citizen_term_is_explained_in_every_portal_language():
    for language in ("ar", "tr", "so"):
        with translation.override(language):
            missing = [t.term for t in TERMS if t.citizen and translation.gettext(t.en) == t.en]
        assert not missing, (language, missing)


@pytest.mark.django_db
def test_the_terms_are_explained_on_the_staff_pages(client_for, citizen, caseworker):
    client = client_for(caseworker)
    page = client.get(f"/citizens/{citizen.uuid}/consent/").content.decode()
    assert 'class="gloss"' in page and ">Samtykker</abbr>" in page
    assert 'class="gloss"' in client.get("/cooperation/offers/").content.decode()


@pytest.mark.django_db
def test_the_terms_are_explained_in_min_plan(citizen, caseworker, plan):
    from .test_portal import citizen_client

    client = citizen_client(citizen)
    contacts = client.get("/portal/contacts/").content.decode()
    assert re.search(r'<abbr class="gloss"[^>]*>Koordinerende sagsbehandler</abbr>', contacts)
    consents = client.get("/portal/consents/").content.decode()
    assert ">samtykker</abbr>" in consents
    client.post("/i18n/setlang/", {"language": "ar", "next": "/portal/consents/"})
    contacts = client.get("/portal/contacts/").content.decode()
    assert "هناك موظف واحد فقط لكل مواطن" in contacts  # the explanation in her language
