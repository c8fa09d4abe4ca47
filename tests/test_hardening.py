import re
from pathlib import Path

from django.conf import settings
from django.test import Client

TEMPLATES = Path(settings.BASE_DIR)


def test_security_headers_on_pages(citizen, caseworker, client_for):
    response = client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cache-Control"] == "no-store, private"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_settings_are_strict(monkeypatch):
    import importlib

    import enplan.settings.base as base

    monkeypatch.setattr(base, "SECRET_KEY", "x" * 50)
    prod = importlib.import_module("enplan.settings.production")
    assert prod.SECURE_HSTS_SECONDS >= 31536000 and prod.SECURE_SSL_REDIRECT
    assert prod.SESSION_COOKIE_SECURE and prod.CSRF_COOKIE_SECURE
    assert prod.SESSION_COOKIE_HTTPONLY and prod.DEBUG is False


def test_every_form_post_needs_the_csrf_token(citizen, caseworker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker.user)
    for url in (
        f"/citizens/{citizen.uuid}/plan/goals/new/",
        f"/citizens/{citizen.uuid}/consent/",
        "/citizens/new/",
        f"/citizens/{citizen.uuid}/contacts/new/",
    ):
        assert client.post(url, {"title": "x", "version": 1}).status_code == 403, url


def test_every_form_template_carries_the_csrf_token():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", text, re.S | re.I):
            assert "csrf_token" in form, path


def test_no_inline_script_or_style_in_templates():
    """CSP allows no inline code: keep it so."""
    for path in TEMPLATES.rglob("*.html"):
        if "gdpr/export.html" in str(path):
            continue  # rendered to PDF by WeasyPrint, never served to a browser
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert " style=" not in text and "<style" not in text, path
