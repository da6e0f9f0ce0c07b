from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as platform_urlpatterns


@csrf_exempt
@login_not_required
def insert(request, point_id: int):
    """One INSERT … RETURNING, autocommit: the floor under any request that writes a row."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO bench_halls_bare (point_id, client, at) VALUES (%s, %s, now()) RETURNING id",
                    [point_id, request.headers.get("X-Client", "")])
        (row_id,) = cur.fetchone()
    return JsonResponse({"id": row_id}, status=201)


# The bare view first, then the platform's own URLs: the benchmark drives both through the
# same workers, taking turns, so that both see the same machine.
urlpatterns = [path("bare/<int:point_id>/", insert), *platform_urlpatterns]
