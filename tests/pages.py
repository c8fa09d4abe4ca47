"""Every staff page of the product, found from the URL configuration, in a seeded world.

Tests that must hold on *every* page (valid ids, one language at a time, forms that refuse
bad input politely) walk this list instead of a hand-kept one, so a new page is covered the
day it is added.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from enplan.accounts.models import User
from enplan.citizens.models import Citizen
from enplan.consent.models import Consent
from enplan.courses.models import Course
from enplan.messaging.models import Segment, Thread
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.plans.models import Activity, Goal, Track
from enplan.synthetic import demo

# Namespaces that are not staff HTML pages of ours: the admin (Django's own markup, another
# helper's), the JSON/FHIR APIs and the language switch (POST only).
SKIPPED_PREFIXES = ("admin", "api", "fhir", "set_language")
# Views that only redirect or stream a file on GET.
NOT_PAGES = {
    "home",
    "accounts:logout",
    "accounts:oidc_start",
    "accounts:oidc_callback",
    "citizens:attachment",
}


def named_patterns(resolver: URLResolver | None = None, ns: str = "") -> list[tuple[str, list]]:
    """(view name, kwarg names) of every named URL pattern, namespaces included."""
    resolver = resolver or get_resolver()
    found = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            for name, kwargs in named_patterns(p, inner):
                found.append((name, [*p.pattern.converters, *kwargs]))
        elif isinstance(p, URLPattern) and p.name:
            found.append((f"{ns}{p.name}", list(p.pattern.converters)))
    return found


@dataclass
class World:
    user: User
    citizen: Citizen
    objects: dict = field(default_factory=dict)

    def kwargs_for(self, name: str, kwarg_names: list[str]) -> dict | None:
        values = {}
        for kw in kwarg_names:
            key = kw
            if kw == "obj_uuid":
                key = name.split(":")[-1].split("_")[0]  # goal_edit → goal
            obj = self.objects.get(key)
            if obj is None:
                return None
            values[kw] = obj.uuid
        return values


def seeded_world() -> World:
    """The demo data set, seen by its coordinating caseworker Mette: every kind of object a
    page can show exists (plan items, thread, consent, course, network members)."""
    demo.seed(out=lambda *a: None)
    user = User.objects.get(username="mette")
    thread = Thread.objects.filter(organisation=user.professional.organisation).first()
    citizen = thread.citizen
    objects = {
        "citizen_uuid": citizen,
        "thread_uuid": thread,
        "segment_uuid": Segment.objects.filter(message__thread=thread).first(),
        "membership_uuid": NetworkMembership.objects.filter(citizen=citizen, ended_at=None)
        .exclude(role=NetworkRole.COORDINATOR)
        .first(),
        "consent_uuid": Consent.objects.filter(citizen=citizen).first(),
        "course_uuid": Course.objects.filter(citizen=citizen).first(),
        "goal": Goal.objects.filter(citizen=citizen).first(),
        "activity": Activity.objects.filter(citizen=citizen).first(),
        "track": Track.objects.filter(citizen=citizen).first(),
    }
    return World(user=user, citizen=citizen, objects=objects)


def page_urls(world: World) -> list[tuple[str, str]]:
    """(view name, URL) of every HTML page a professional can GET."""
    urls = []
    for name, kwargs in named_patterns():
        if name.startswith(SKIPPED_PREFIXES) or name in NOT_PAGES:
            continue
        values = world.kwargs_for(name, kwargs)
        if values is None:
            continue
        urls.append((name, reverse(name, kwargs=values)))
    return urls


# --- reading a page's markup -------------------------------------------------------------------

REFERENCE_ATTRS = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "list")


class Markup(HTMLParser):
    """Ids, id references, forms and visible text of one HTML page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, id)
        self.forms: list[dict] = []
        self.text: list[str] = []
        self._skip = 0
        self._select: dict | None = None
        self._textarea: dict | None = None
        title = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
        self.title = title.group(1).strip() if title else None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") is not None:
            self.ids.append(a["id"])
        for attr in REFERENCE_ATTRS:
            if a.get(attr):
                self.refs.extend((tag, attr, ref) for ref in a[attr].split())
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "form":
            self.forms.append(
                {
                    "method": (a.get("method") or "get").lower(),
                    "action": a.get("action") or a.get("hx-post") or "",
                    "fields": [],
                }
            )
        elif self.forms and tag in ("input", "select", "textarea") and a.get("name"):
            f = {
                "tag": tag,
                "type": (a.get("type") or "text").lower(),
                "name": a["name"],
                "value": a.get("value", ""),
                "required": "required" in a,
                "checked": "checked" in a,
                "options": [],
            }
            self.forms[-1]["fields"].append(f)
            if tag == "select":
                self._select = f
            if tag == "textarea":
                self._textarea = f
        elif tag == "option" and self._select is not None:
            self._select["options"].append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data
        if not self._skip and data.strip():
            self.text.append(data.strip())

    def problems(self) -> list[str]:
        """Duplicate ids, references to ids that are not on the page, and a missing or broken
        <title> (a template block left open swallows page content into it)."""
        seen, out = set(), []
        if self.title is not None and ("<" in self.title or len(self.title) > 150):
            out.append(f"<title> holds markup or a whole page: {self.title[:60]!r}…")
        for i in self.ids:
            if i in seen:
                out.append(f"duplicate id {i!r}")
            seen.add(i)
        out += [
            f"<{t} {attr}={ref!r}> points at no id" for t, attr, ref in self.refs if ref not in seen
        ]
        return out

    def visible_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))
