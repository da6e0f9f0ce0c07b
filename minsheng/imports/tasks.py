from django_tasks import task


@task(queue_name="imports")
def import_run_task(job_id: int) -> dict:
    from .services import import_run_by_id

    job = import_run_by_id(job_id=job_id)
    return {"state": job.state, "ok": job.ok, "failed": job.failed}


@task(queue_name="imports")
def export_run_task(job_id: int) -> dict:
    from .exports import export_run_by_id

    job = export_run_by_id(job_id=job_id)
    return {"state": job.state, "rows": job.processed}
