from ninja import Router

router = Router(tags=["after_school"])
