"""The elderly canteen's meal counter (老年食堂): find the elder, record the meal, show the
subsidy from the month's yuan entitlement."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError

from .. import selectors
from ..forms import MealForm, SearchForm
from ..services import meals
from . import show_error


@staff("canteen_operator")
def meal_counter(request):
    canteens = list(selectors.canteens_for(user=request.user))
    if not canteens:
        raise Http404
    query = request.GET.get("q", "") or request.POST.get("q", "")
    today = timezone.localdate()
    if request.method == "POST":
        elder = selectors.meal_elder_get_for(
            user=request.user, elder_id=request.POST.get("elder", "")
        )
        canteen = next((c for c in canteens if str(c.pk) == request.POST.get("canteen")), None)
        if elder is None or canteen is None:
            messages.error(request, _("Find the elder again and choose your canteen."))
            return redirect("elderly_care:meals")
        try:
            price = Decimal(request.POST.get("price", "") or meals.DEFAULT_PRICE)
        except InvalidOperation:
            price = Decimal(-1)
        try:
            record = meals.meal_record(
                elder=elder,
                canteen=canteen,
                meal=request.POST.get("meal", ""),
                served_on=today,
                actor=request.user,
                price=price,
            )
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(
                request,
                _("Recorded for %(name)s: subsidy %(subsidy)s yuan, the elder pays %(pay)s yuan.")
                % {
                    "name": elder.person.name,
                    "subsidy": record.subsidy,
                    "pay": record.price - record.subsidy,
                },
            )
        return redirect(f"{request.path}?q={query}")
    hour = timezone.localtime().hour
    default_meal = "breakfast" if hour < 10 else "lunch" if hour < 15 else "dinner"
    found = [
        (e, meals.meal_allowance_left(elder=e, month=today),
         MealForm(canteens=canteens, auto_id=f"meal{e.pk}-%s", initial={"meal": default_meal, "price": meals.DEFAULT_PRICE}))
        for e in selectors.meal_elders_for(user=request.user, query=query)
    ]
    return render(
        request,
        "elderly_care/meals.html",
        {
            "found": found,
            "q": query,
            "search": SearchForm({"q": query}, label=_("Name or last 4 characters of the ID number")),
        },
    )
