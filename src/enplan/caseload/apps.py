from django.apps import AppConfig


class CaseloadConfig(AppConfig):
    """A citizen's pages for professionals and the services behind them: the caseload,
    registering a citizen, the overview, details, contacts, the access log, and the map of a
    citizen's pages (the `citizens:` URL namespace).

    These compose every context (network, courses, plans, consent, messaging), so they sit
    above them; `citizens` keeps the citizen model, its access entrance and its forms at the
    bottom, where every context may use them. The templates stay in citizens/templates/.
    """

    name = "enplan.caseload"
    label = "caseload"
