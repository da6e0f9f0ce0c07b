from ninja import Router

router = Router(tags=["enterprise_startup"])
