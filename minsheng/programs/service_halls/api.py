from ninja import Router

router = Router(tags=["service_halls"])
