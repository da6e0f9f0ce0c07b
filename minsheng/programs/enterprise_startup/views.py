from django.shortcuts import render

from minsheng.access.decorators import citizen, public, staff


@citizen
def home(request):
    return render(request, "enterprise_startup/home.html", {})


@public
def verify(request):
    return render(request, "enterprise_startup/home.html", {})


@staff("case_officer", "department_head")
def staff_tasks(request):
    return render(request, "enterprise_startup/home.html", {})


@staff("supervisor", "department_head")
def dashboard(request):
    return render(request, "enterprise_startup/home.html", {})
