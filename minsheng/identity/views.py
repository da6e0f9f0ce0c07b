from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, public


@public
def login_view(request):
    error = None
    if request.method == "POST":
        user = authenticate(
            request,
            username=request.POST.get("username", ""),
            password=request.POST.get("password", ""),
        )
        if user is not None:
            login(request, user)
            target = request.POST.get("next") or request.GET.get("next") or "portal:home"
            if target != "portal:home" and not url_has_allowed_host_and_scheme(
                target, {request.get_host()}
            ):
                target = "portal:home"
            return redirect(target)
        error = True
    return render(
        request, "identity/login.html", {"error": error, "next": request.GET.get("next", "")}
    )


@citizen
@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:home")
