def run(ctx) -> dict[str, int]:
    return {}
