def median_wait_minutes(*, day):
    return None


def coverage_current():
    return None
