from django.conf import settings
from django.http import HttpRequest


def portal_languages(request: HttpRequest) -> dict:
    """The portal's own language list (the staff pages keep Danish and English)."""
    if not request.path_info.startswith("/portal/"):
        return {}
    return {"portal_languages": settings.PORTAL_LANGUAGES}
