from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from enplan.citizens.access import get_visible_citizen
from enplan.core.views import form_page

from .forms import CourseForm
from .models import Course


@login_required
def course_edit(request, citizen_uuid, course_uuid=None):
    citizen = get_visible_citizen(request.user, citizen_uuid)
    course = (
        get_object_or_404(
            Course.objects.visible_to(request.user), citizen=citizen, uuid=course_uuid
        )
        if course_uuid
        else Course(citizen=citizen)
    )
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        form.save()
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
