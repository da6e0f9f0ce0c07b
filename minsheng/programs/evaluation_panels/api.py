from ninja import Router

router = Router(tags=["evaluation_panels"])
