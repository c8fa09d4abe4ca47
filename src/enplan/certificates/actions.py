"""Write actions on certificate requests (enforced in `certificates.services`)."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

# Certificates are asked for by the jobcenter: ORIGIN here is a member whose organisation is
# a jobcenter (`origin_sector`).
REQUEST = declare(
    "certificates.request",
    _("Request a certificate (attest) about the citizen from a health professional"),
    Actor.COORDINATOR,
    Actor.ORIGIN,
)
RECORD_ANSWER = declare(
    "certificates.record_answer",
    _("Enter the answer to a certificate request received outside enplan"),
    Actor.COORDINATOR,
    Actor.ORIGIN,
)
CLOSE = declare(
    "certificates.close",
    _("Close a certificate request with how the answer was used in the case"),
    Actor.COORDINATOR,
    Actor.ORIGIN,
)
