from django.apps import AppConfig


class CaseloadConfig(AppConfig):
    """A professional's caseload, registering a citizen, the citizen overview, and the map of a
    citizen's pages (the `citizens:` URL namespace).

    These pages compose every context (network, courses, plans, consent, messaging), so they
    sit above them; `citizens` keeps the citizen, its access entrance and its own small pages
    at the bottom, where every context may use them. The templates stay in
    citizens/templates/citizens/.
    """

    name = "enplan.caseload"
    label = "caseload"
