"""What the care network announces. Apps that react (messaging sends the systematic
notifications) subscribe in their AppConfig.ready(); the network imports none of them, so
there is no import cycle between the network and the apps above it.

Receivers run synchronously, inside the transaction of the change: an outbox row a
receiver writes commits or rolls back with the change that caused it.
"""

from django.dispatch import Signal

# A professional became the citizen's koordinerende sagsbehandler (first assignment or a
# handover). Sent with: actor (the user, or None for the system), citizen, membership.
coordinator_assigned = Signal()
