from django.contrib import messages
from django.shortcuts import redirect, render

from minsheng.access.decorators import citizen, public
from minsheng.core.errors import DomainError
from minsheng.core.registry import registry


@public
def home(request):
    """The citizen portal's home: one tile per program service, from the registry."""
    return render(request, "portal/home.html", {"tiles": registry.portal_tiles()})


@citizen
def profile(request):
    """我的 — the user's real-name data (masked), family members, and a form to add one."""
    from minsheng.identity import services as identity
    from minsheng.identity.forms import (
        FAMILY_MEMBER_ADDED,
        REAL_NAME_REGISTERED,
        FamilyMemberForm,
        RealNameForm,
        apply_errors,
    )
    from minsheng.identity.verification import real_name_verifier
    from minsheng.identity.views import real_name_redirect

    person = identity.Person.objects.filter(user=request.user).first()
    action = request.POST.get("action") if request.method == "POST" else None
    realname_form = RealNameForm(
        request.POST if action == "realname" else None, initial={"name": request.user.name}
    )
    family_form = FamilyMemberForm(request.POST if action == "family" else None)
    form = {"realname": realname_form, "family": family_form}.get(action)
    if form is not None and form.is_valid():
        try:
            if action == "realname" and real_name_verifier().redirect_flow:
                # the provincial identity service confirms it: off there and back
                return real_name_redirect(request, **form.cleaned_data)
            if action == "realname":
                identity.person_register_for_user(user=request.user, **form.cleaned_data)
                messages.success(request, REAL_NAME_REGISTERED)
            else:
                identity.family_member_add(user=request.user, **form.cleaned_data)
                messages.success(request, FAMILY_MEMBER_ADDED)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return redirect("portal:profile")
    relations = (
        [r for r in identity.person_relations_of(person) if r.person_id == person.pk]
        if person
        else []
    )
    return render(
        request,
        "portal/profile.html",
        {
            "person": person,
            "relations": relations,
            "realname_form": realname_form,
            "family_form": family_form,
            "may_unmask": request.user.is_staff and identity.user_may_unmask(request.user),
        },
        status=400 if form is not None and form.errors else 200,
    )
