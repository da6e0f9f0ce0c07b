from django.http import HttpResponse

from minsheng.access.decorators import citizen, staff


@citizen
def home(request):
    return HttpResponse("")


@citizen
def teacher_today(request):
    return HttpResponse("")


@staff("school_admin", "education_supervisor")
def manage(request):
    return HttpResponse("")


@staff("education_supervisor", "school_admin", "supervisor")
def supervision(request):
    return HttpResponse("")
