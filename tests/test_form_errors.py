"""Every form of the product, found from the URL configuration, submitted empty and with
each required field missing: the answer is a clear message in the user's language, never a
500 and never a raw database or constraint text (issue 11.6)."""

import html as html_lib
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from .pages import Markup, page_urls, seeded_world
from .test_i18n_pages import _foreign_strings

# What would betray the database or the code behind a message.
RAW = re.compile(
    r"IntegrityError|constraint|UNIQUE|NOT NULL|violates|Traceback|django\.|duplicate key"
    r"|_uniq|_check\b|\bNone\b|\{'|\['|Begrænsning",
    re.IGNORECASE,
)
# A constraint's or column's name (consent_has_exactly_one_recipient).
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+){2,}\b")
ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)


def _value(field: dict) -> str | None:
    """A plausible value for a field, as a person would fill it in."""
    kind, current = field["type"], field["value"]
    if field["tag"] == "select":
        chosen = [v for v, selected in field["options"] if selected and v]
        first = [v for v, _selected in field["options"] if v]
        return (chosen or first or [""])[0]
    if kind in ("checkbox", "radio"):
        return current or "on" if field["checked"] or field["required"] else None
    if kind == "file":
        return None
    if current:
        return current
    today = timezone.localdate()
    return {
        "date": today.isoformat(),
        "datetime-local": f"{today.isoformat()}T10:00",
        "time": "10:00",
        "email": "test@example.org",
        "number": "1",
        "tel": "12345678",
        "url": "https://example.org/",
    }.get(kind, "Test 1")


def _filled(form: dict, leave_out: str | None = None) -> dict:
    data = {}
    for field in form["fields"]:
        if field["name"] in ("csrfmiddlewaretoken", leave_out):
            continue
        value = _value(field)
        if value is not None:
            data.setdefault(field["name"], value)
    return data


def _errors(response) -> list[str]:
    return [
        html_lib.unescape(re.sub(r"<[^>]+>", "", e)).strip()
        for e in ERROR.findall(response.content.decode())
    ]


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_form_refuses_missing_input_politely(db, language):
    assert _problems(language) == []


def _problems(language: str) -> list[str]:
    world = seeded_world()
    foreign = _foreign_strings(language)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(world.user)
    problems, tried = [], 0
    for name, url in page_urls(world):
        page = client.get(url)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        for form in Markup(page.content.decode()).forms:
            required = [f["name"] for f in form["fields"] if f["required"]]
            if form["method"] != "post" or not required:
                continue
            target = form["action"] or url
            # "Empty" as a browser sends it: the hidden fields (CSRF token, plan version) only.
            hidden = {f["name"]: f["value"] for f in form["fields"] if f["type"] == "hidden"}
            attempts = [("empty", hidden)] + [
                (f"without {field}", _filled(form, leave_out=field)) for field in required
            ]
            for label, data in attempts:
                tried += 1
                response = client.post(target, data)
                where = f"{name} {target} {label}"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                    continue
                if response.status_code in (301, 302, 303):
                    problems.append(f"{where}: accepted ({response.status_code})")
                    continue
                errors = _errors(response)
                if not errors:
                    problems.append(f"{where}: {response.status_code} without a message")
                for e in errors:
                    if RAW.search(e) or IDENTIFIER.search(e):
                        problems.append(f"{where}: raw text {e!r}")
                    if any(re.search(rf"(?<!\w){re.escape(s)}(?!\w)", e) for s in foreign):
                        problems.append(f"{where}: message in the other language {e!r}")
                    if language == "da" and "This field is required" in e:
                        problems.append(f"{where}: untranslated {e!r}")
    assert tried >= 20, tried
    return problems
