from ninja import Router

router = Router(tags=["elderly_care"])
