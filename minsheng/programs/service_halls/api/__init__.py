"""The program's API router: the queue at /api/v1/service_halls/ (api/queue.py) and the
hall manager's operations under /manage/ (api/manage.py)."""

from .manage import router as manage_router
from .queue import router

router.add_router("/manage", manage_router)

__all__ = ["router"]
