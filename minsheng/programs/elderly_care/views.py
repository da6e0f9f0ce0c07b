from django.http import HttpResponse

from minsheng.access.decorators import citizen, staff


@citizen
def apply(request):
    return HttpResponse("")


@staff("caregiver")
def caregiver_today(request):
    return HttpResponse("")


@staff("community_worker", "civil_affairs_officer", "provider_admin")
def elders(request):
    return HttpResponse("")


@staff("provider_admin", "civil_affairs_officer")
def orders(request):
    return HttpResponse("")


@staff("civil_affairs_officer", "supervisor")
def anomalies(request):
    return HttpResponse("")


@staff("provider_admin", "civil_affairs_officer")
def statements(request):
    return HttpResponse("")


@staff("community_worker", "civil_affairs_officer")
def alarms(request):
    return HttpResponse("")


@staff("civil_affairs_officer", "supervisor")
def dashboard(request):
    return HttpResponse("")
