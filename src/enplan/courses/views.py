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
from enplan.core.models import organisation_id_of
from enplan.core.views import form_page

from .forms import CourseForm
from .models import Course


@login_required
def course_edit(request, citizen_uuid, course_uuid=None):
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
        raise PermissionDenied(_("This is not shared with you: the citizen's consent is missing."))
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        course = form.save(commit=False)
        course.origin_id = organisation_id_of(request.user)
        course.save()
        record(request.user, citizen, Action.UPDATE if course_uuid else Action.CREATE, course)
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
