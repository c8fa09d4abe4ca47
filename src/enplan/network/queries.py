"""Read-only questions about a care network, importable by any app above the network
(messaging, plans, api) without pulling in the network's services."""

from .models import NetworkMembership, NetworkRole


def coordinator_of(citizen) -> NetworkMembership | None:
    """The citizen's active koordinerende sagsbehandler's membership, if any."""
    return (
        NetworkMembership.objects.active()
        .filter(citizen=citizen, role=NetworkRole.COORDINATOR)
        .select_related("professional", "organisation")
        .first()
    )
