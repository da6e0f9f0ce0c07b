from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
@login_not_required
def insert(request, point_id: int):
    """One INSERT … RETURNING, autocommit: the floor under any request that writes a row."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO bench_halls_bare (point_id, client, at) VALUES (%s, %s, now()) RETURNING id",
                    [point_id, request.headers.get("X-Client", "")])
        (row_id,) = cur.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bare/<int:point_id>/", insert)]
