def city_summary():
    return {"coverage_percent": None, "attendance_percent": None}
