from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as platform_urlpatterns


@csrf_exempt
@login_not_required
def claim(request, day_id: int):
    """A place on a day: lock its row, refuse when full, else insert the claim and count it."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT taken, capacity FROM bench_bare_day WHERE id = %s FOR UPDATE", [day_id])
        taken, capacity = cur.fetchone()
        if taken >= capacity:
            return JsonResponse({"code": "full"}, status=409)
        cur.execute("INSERT INTO bench_bare_claim (day_id, client) VALUES (%s, %s)",
                    [day_id, request.headers.get("X-Client", "")])
        cur.execute("UPDATE bench_bare_day SET taken = taken + 1 WHERE id = %s", [day_id])
    return JsonResponse({"ok": True}, status=201)


# The bare view first, then the platform's own URLs: the benchmark drives both through the
# same workers, taking turns, so that both see the same machine. The bare view has its own
# copy of the day rows (bench_bare_day), so it never takes the rush's places.
urlpatterns = [path("bare/<int:day_id>/", claim), *platform_urlpatterns]
