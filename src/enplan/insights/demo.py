"""Demo figures for the manager (leder) and the politician (politiker): their mandates, two
closed relational coordination rounds (imported from earlier paper surveys: answers without
respondent markers) with enough answers on some ties to show an index, and an open round the
demo professionals can answer."""

import datetime
import random

from django.utils import timezone

from enplan.accounts.models import User
from enplan.organisations.models import Organisation, Profession

from .models import ITEM_KEYS, Mandate, SurveyAnswer, SurveyRound

# (from org, from profession, to org, to profession, answers, mean score) per tie
TIES = [
    ("jc", Profession.CASEWORKER, "lpc", Profession.NURSE, 7, 3.0),
    ("jc", Profession.CASEWORKER, "gp", Profession.GP, 6, 2.2),
    ("jc", Profession.CASEWORKER, "rus", Profession.CASEMANAGER, 8, 3.6),
    ("lpc", Profession.NURSE, "jc", Profession.CASEWORKER, 6, 2.8),
    ("rus", Profession.CASEMANAGER, "jc", Profession.CASEWORKER, 5, 3.9),
    ("gp", Profession.GP, "jc", Profession.CASEWORKER, 3, 2.0),  # too few: "<5"
]


def seed(orgs: dict[str, Organisation], municipality: str, seed_value: int = 15) -> None:
    rng = random.Random(seed_value)
    manager = User.objects.get(username="leder")
    Mandate.objects.create(user=manager, organisation=orgs["jc"])
    Mandate.objects.create(
        user=User.objects.get(username="politiker"), municipality_code=municipality
    )
    today = timezone.localdate()
    for i, (title, age_days, lift) in enumerate(
        (
            ("Samarbejdsmåling, efterår 2025", 400, 0.0),
            ("Samarbejdsmåling, forår 2026", 220, 0.4),
        )
    ):
        round_ = SurveyRound.objects.create(
            title=title,
            owner=orgs["jc"],
            opened_by=manager,
            closes_on=today - datetime.timedelta(days=age_days - 30),
            closed_at=timezone.now() - datetime.timedelta(days=age_days - 30),
        )
        SurveyRound.objects.filter(pk=round_.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=age_days - i)
        )
        round_.organisations.set([o.pk for o in orgs.values()])
        answers = []
        for f_org, f_prof, t_org, t_prof, n, mean in TIES:
            for _ in range(n):
                scores = {k: min(5, max(1, round(rng.gauss(mean + lift, 0.8)))) for k in ITEM_KEYS}
                answers.append(
                    SurveyAnswer(
                        round=round_,
                        from_organisation=orgs[f_org],
                        from_profession=f_prof,
                        to_organisation=orgs[t_org],
                        to_profession=t_prof,
                        **scores,
                    )
                )
        SurveyAnswer.objects.bulk_create(answers)
    current = SurveyRound.objects.create(
        title="Samarbejdsmåling, efterår 2026",
        owner=orgs["jc"],
        opened_by=manager,
        closes_on=today + datetime.timedelta(days=30),
    )
    current.organisations.set([o.pk for o in orgs.values()])
