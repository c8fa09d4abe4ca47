"""Domain rules for courses (forløb)."""

from django.db import transaction

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.models import organisation_id_of
from enplan.network.permissions import require

from .actions import ADD_COURSE, EDIT_COURSE
from .models import Course


def save_course(citizen, actor, course: Course) -> Course:
    """Save a new or changed course; whoever writes it becomes its origin (for consent)."""
    created = course.pk is None
    if created:
        require(actor, ADD_COURSE, citizen)
    else:  # the form leaves `origin` alone: it is still the stored one here
        require(actor, EDIT_COURSE, citizen, origin_id=course.origin_id, category=course.category)
    course.citizen = citizen
    course.origin_id = organisation_id_of(actor)
    with transaction.atomic():  # after the check: a refusal's audit row stays
        course.save()
        record(actor, citizen, Action.CREATE if created else Action.UPDATE, course)
    return course
