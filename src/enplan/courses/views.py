from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.access import get_visible_citizen
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.core.views import form_page

from .actions import ADD_COURSE, EDIT_COURSE
from .forms import CourseForm
from .models import Course
from .services import save_course


@login_required
@performs(ADD_COURSE)
def course_new(request, citizen_uuid):
    return _course_form(request, citizen_uuid)


@login_required
@performs(EDIT_COURSE)
def course_edit(request, citizen_uuid, course_uuid):
    return _course_form(request, citizen_uuid, course_uuid)


def _course_form(request, citizen_uuid, course_uuid=None):
    citizen = get_visible_citizen(request.user, citizen_uuid, "course")
    course = (
        get_object_or_404(
            Course.objects.visible_to(request.user), citizen=citizen, uuid=course_uuid
        )
        if course_uuid
        else Course(citizen=citizen)
    )
    policy = for_viewer(request.user, citizen)
    if course_uuid and policy.withheld_item(course):
        record(request.user, citizen, Action.REFUSED, course, reason="consent")
        raise PermissionDenied(_("This is not shared with you: the citizen's consent is missing."))
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        save_course(citizen, request.user, form.save(commit=False))
        messages.success(request, _("The course is saved."))
        return redirect("citizens:overview", citizen.uuid)
    action = (
        reverse("citizens:course_edit", args=[citizen.uuid, course.uuid])
        if course_uuid
        else reverse("citizens:course_new", args=[citizen.uuid])
    )
    return form_page(
        request,
        form,
        title=_("Course (forløb)"),
        action=action,
        citizen=citizen,
        cancel_url=reverse("citizens:overview", args=[citizen.uuid]),
    )
