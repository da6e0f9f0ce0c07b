from django.shortcuts import render

from minsheng.access.decorators import citizen, public
from minsheng.core.registry import registry


@public
def home(request):
    """The citizen portal's home: one tile per program service, from the registry."""
    return render(request, "portal/home.html", {"tiles": registry.portal_tiles()})


@citizen
def profile(request):
    person = getattr(request.user, "person", None)
    return render(request, "portal/profile.html", {"person": person})
