from django.http import HttpResponse

from minsheng.access.decorators import public, staff


@public
def points(request):
    return HttpResponse("")


@public
def coverage(request):
    return HttpResponse("")


@staff("window_clerk", "hall_manager")
def clerk_home(request):
    return HttpResponse("")


@staff("hall_manager", "supervisor")
def stats(request):
    return HttpResponse("")


@staff("hall_manager", "supervisor")
def recommend(request):
    return HttpResponse("")
