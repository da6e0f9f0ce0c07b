"""Set-up by panel organisers: the year's key livelihood projects of their area and their
milestones (the services of services.projects; scope from the organiser's assignments)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError, NotFound
from minsheng.imports.exports import export_response

from .. import exports, selectors, services
from ..forms import SETUP_ROLES, EvaluationForm, MilestoneForm, ProjectForm
from . import show_errors


@staff(*SETUP_ROLES)
def projects(request):
    if (download := export_response(request, exports.SETUP_PROJECTS)) is not None:
        return download
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The project was created. Add its milestones next."))
            return redirect("evaluation_panels:manage_milestones", project_id=project.pk)
        except DomainError as exc:
            show_errors(request, exc)
    rows = selectors.setup_projects(user=request.user).order_by("-cycle__year", "title")
    return render(request, "evaluation_panels/manage_projects.html", {"form": form, "projects": rows[:200]},
                  status=422 if request.method == "POST" else 200)


@staff(*SETUP_ROLES)
def milestones(request, project_id: int):
    try:
        project = selectors.project_get_for_setup(user=request.user, project_id=project_id)
    except NotFound:
        return render(request, "evaluation_panels/not_found.html", status=404)
    posted = request.POST if request.method == "POST" else None
    evaluation_form = EvaluationForm(posted if request.POST.get("form") == "evaluation" else None)
    form = MilestoneForm(posted if request.POST.get("form") != "evaluation" else None)
    if evaluation_form.is_bound and evaluation_form.is_valid():
        try:
            ev = services.evaluation_create(project=project, actor=request.user, **evaluation_form.cleaned_data)
            messages.success(request, _("The evaluation was arranged. Publish the candidates and draw the panel here."))
            return redirect("evaluation_panels:evaluation_manage", evaluation_id=ev.pk)
        except DomainError as exc:
            show_errors(request, exc)
    if form.is_bound and form.is_valid():
        try:
            services.milestone_add(project=project, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The milestone was added."))
            return redirect("evaluation_panels:manage_milestones", project_id=project.pk)
        except DomainError as exc:
            show_errors(request, exc)
    return render(request, "evaluation_panels/manage_milestones.html",
                  {"project": project, "form": form, "milestones": project.milestones.all(),
                   "evaluation_form": evaluation_form, "evaluations": project.evaluations.order_by("round")})
