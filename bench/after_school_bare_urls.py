from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
@login_not_required
def claim(request, day_id: int):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT taken, capacity FROM after_school_offeringday WHERE id = %s FOR UPDATE", [day_id])
        taken, capacity = cur.fetchone()
        if taken >= capacity:
            return JsonResponse({"code": "full"}, status=409)
        cur.execute("INSERT INTO bench_bare_claim (day_id, client) VALUES (%s, %s)",
                    [day_id, request.headers.get("X-Client", "")])
        cur.execute("UPDATE after_school_offeringday SET taken = taken + 1 WHERE id = %s", [day_id])
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("bare/<int:day_id>/", claim)]
