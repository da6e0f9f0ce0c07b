from django.shortcuts import render

from minsheng.access.decorators import staff
from minsheng.core.registry import registry


@staff()
def inbox(request):
    return render(request, "workbench/inbox.html", {"entries": registry.workbench_entries()})
