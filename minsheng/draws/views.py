from django.http import HttpResponse
from django.shortcuts import render

from minsheng.access.decorators import public

from .models import DrawState
from .selectors import draw_get_public

SHOWN = 200


def _result_lines(draw) -> list[str]:
    if draw.stratified:
        return [f"{s}\t{pid}" for s, ids in sorted(draw.result.items()) for pid in ids]
    return list(draw.result)


@public
def draw_detail(request, key):
    draw = draw_get_public(key=key)
    lines = _result_lines(draw) if draw.state == DrawState.DRAWN else []
    return render(
        request,
        "draws/detail.html",
        {
            "draw": draw,
            "shown": lines[:SHOWN],
            "result_count": len(lines),
            "more": max(0, len(lines) - SHOWN),
            "verify_command": f"minsheng draw-verify {draw.key}",
            "offline_command": (
                f"minsheng draw-verify --seed {draw.seed} --candidates {draw.key}-candidates.txt"
                if draw.seed
                else ""
            ),
        },
    )


def _text(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public
def draw_candidates(request, key):
    draw = draw_get_public(key=key)
    return _text(draw.candidates_text, f"{draw.key}-candidates.txt")


@public
def draw_result(request, key):
    draw = draw_get_public(key=key)
    lines = _result_lines(draw) if draw.state == DrawState.DRAWN else []
    return _text("".join(f"{line}\n" for line in lines), f"{draw.key}-result.txt")
