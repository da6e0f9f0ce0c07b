import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.identity.models import User
from minsheng.imports import parsers
from minsheng.imports.base import Column, Importer, register_importer
from minsheng.imports.models import ImportJob, ImportState
from minsheng.imports.reading import SAMPLE_BYTES, csv_encoding, open_rows
from minsheng.imports.services import import_start


def save_accounts(rows, job):
    User.objects.bulk_create(
        [User(username=r["username"], name=r["name"], email=r["email"] or "") for r in rows],
        update_conflicts=True,
        unique_fields=["username"],
        update_fields=["name", "email"],
    )


ACCOUNTS = register_importer(
    Importer(
        key="tests.accounts",
        title="测试账户",
        columns=[
            Column("username", ("用户名", "username"), parsers.text(max_length=20, pattern=r"[a-z0-9_]+", hint="只能用小写字母、数字和下划线。")),
            Column("name", ("姓名", "name"), parsers.text(max_length=100)),
            Column("age", ("年龄", "age"), parsers.integer(min_value=0, max_value=150)),
            Column("email", ("邮箱", "email"), parsers.text(max_length=100), required=False),
        ],
        natural_key=("username",),
        save_rows=save_accounts,
        chunk_size=2,
    )
)
register_importer(
    Importer(
        key="tests.accounts_strict",
        title="测试账户（全部或不导入）",
        columns=ACCOUNTS.columns,
        natural_key=("username",),
        save_rows=save_accounts,
        all_or_nothing=True,
    )
)

GOOD_AND_BAD = "用户名,姓名,年龄,邮箱\nzhang,张三,30,z@example.cn\nli,李四,abc,\nBad Name,王五,20,\nwang,王六,40,\nzhang,张三重复,31,\n"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("root", "pw", name="管理员")


def upload(name, data):
    return SimpleUploadedFile(name, data)


def users():
    return set(User.objects.exclude(username="root").values_list("username", flat=True))


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_reports_each_bad_row(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="tests.accounts", file=upload("a.csv", GOOD_AND_BAD.encode()), dry_run=True, actor=admin_user)
    job.refresh_from_db()
    assert users() == set()
    assert (job.state, job.total, job.processed, job.ok, job.failed) == (ImportState.DONE, 5, 5, 2, 3)
    by_row = {(e["row"], e["column"]) for e in job.errors}
    assert by_row == {(3, "年龄"), (4, "用户名"), (6, "")}
    assert any("只能用小写字母" in e["message"] for e in job.errors)
    assert AuditEvent.objects.filter(event_type="imports.dry_run", target_id=str(job.pk)).exists()


@pytest.mark.django_db
def test_real_run_saves_valid_rows_and_is_idempotent(admin_user, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            job = import_start(importer_key="tests.accounts", file=upload("a.csv", GOOD_AND_BAD.encode()), dry_run=False, actor=admin_user)
        job.refresh_from_db()
        assert (job.ok, job.failed) == (2, 3)
    assert users() == {"zhang", "wang"}
    assert User.objects.get(username="zhang").name == "张三"


@pytest.mark.django_db
def test_all_or_nothing_importer_writes_nothing_when_a_row_is_bad(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="tests.accounts_strict", file=upload("a.csv", GOOD_AND_BAD.encode()), dry_run=False, actor=admin_user)
    job.refresh_from_db()
    assert users() == set() and job.ok == 0 and job.failed == 3 and job.message


@pytest.mark.django_db
def test_gbk_csv_from_chinese_excel_is_decoded(admin_user, django_capture_on_commit_callbacks):
    data = "用户名,姓名,年龄\r\nzhao,赵𠮷祥,66\r\nqian,钱·买买提,50\r\n".replace("𠮷", "吉").encode("gbk")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="tests.accounts", file=upload("gbk.csv", data), dry_run=False, actor=admin_user)
    job.refresh_from_db()
    assert job.ok == 2, job.errors
    assert User.objects.get(username="zhao").name == "赵吉祥"


def test_a_csv_roster_is_read_as_a_stream_not_whole():
    """The first rows come out when only the first chunks of the file have been read."""
    body = "".join(f"u{i},张{i},30,\r\n" for i in range(60_000)).encode("utf-8")
    data = "用户名,姓名,年龄,邮箱\r\n".encode() + body

    class Watched(io.BytesIO):
        furthest = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Watched.furthest = max(Watched.furthest, self.tell())
            return chunk

        read1 = read

    rows = open_rows(Watched(data), "csv")
    assert next(rows) == ["用户名", "姓名", "年龄", "邮箱"] and next(rows) == ["u0", "张0", "30", ""]
    assert Watched.furthest < len(data) // 4, (Watched.furthest, len(data))
    assert sum(1 for _ in rows) == 59_999  # and then every row, in order


def test_a_utf8_character_cut_by_the_sample_still_reads_as_utf8():
    """The encoding is judged on the first 64 KiB; a character cut in two there is not GBK."""
    head = "用户名,姓名,年龄,邮箱\r\n".encode()
    tail = b",n,30,\r\n"
    data = head + b"x" * (SAMPLE_BYTES - 1 - len(head) - len(tail)) + tail + "赵,赵吉祥,66,\r\n".encode()
    assert data[SAMPLE_BYTES - 1 : SAMPLE_BYTES + 2] == "赵".encode()  # the sample ends inside 赵
    with pytest.raises(UnicodeDecodeError):
        data[:SAMPLE_BYTES].decode("utf-8")
    assert csv_encoding(data[:SAMPLE_BYTES]) == "utf-8-sig"
    assert list(open_rows(io.BytesIO(data), "csv"))[-1] == ["赵", "赵吉祥", "66", ""]


@pytest.mark.django_db
def test_a_csv_that_turns_into_gbk_after_its_first_rows_is_refused_and_saves_nothing(
    admin_user, django_capture_on_commit_callbacks
):
    utf8 = "用户名,姓名,年龄\r\n".encode() + "".join(f"u{i},张{i},30\r\n" for i in range(8_000)).encode()
    data = utf8 + "zhao,赵吉祥,66\r\n".encode("gbk")
    assert len(utf8) > SAMPLE_BYTES  # the GBK bytes are past the sample the encoding is judged on
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="tests.accounts", file=upload("mixed.csv", data), dry_run=False,
                           actor=admin_user)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and "UTF-8" in job.message
    assert users() == set()


@pytest.mark.django_db
def test_xlsx_with_english_headers_and_numeric_cells(admin_user, django_capture_on_commit_callbacks):
    wb = Workbook()
    ws = wb.active
    ws.append(["Username", "Name", "Age"])
    ws.append(["sun", "孙七", 70])
    ws.append([None, None, None])  # blank rows are skipped
    ws.append(["zhou", "周八", 200])
    out = io.BytesIO()
    wb.save(out)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="tests.accounts", file=upload("r.xlsx", out.getvalue()), dry_run=False, actor=admin_user)
    job.refresh_from_db()
    assert (job.total, job.ok, job.failed) == (2, 1, 1)
    assert job.errors == [{"row": 4, "column": "年龄", "message": job.errors[0]["message"]}]
    assert users() == {"sun"}


@pytest.mark.django_db
def test_missing_columns_fail_the_job_with_a_clear_message(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="tests.accounts", file=upload("a.csv", "姓名\n张三\n".encode()), dry_run=True, actor=admin_user)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and "用户名" in job.message and "年龄" in job.message


@pytest.mark.django_db
def test_wrong_type_and_permissions_are_refused_before_queueing(admin_user):
    with pytest.raises(ValidationFailed):
        import_start(importer_key="tests.accounts", file=upload("x.csv", b"\x00\x01binary"), dry_run=True, actor=admin_user)
    with pytest.raises(ValidationFailed):
        import_start(importer_key="tests.accounts", file=upload("x.xls", b"\xd0\xcf\x11\xe0old excel"), dry_run=True, actor=admin_user)
    with pytest.raises(ValidationFailed):  # unknown importer
        import_start(importer_key="nope", file=upload("a.csv", b"a\n"), dry_run=True, actor=admin_user)
    clerk = User.objects.create_user("clerk", "pw", name="窗口", is_staff=True)
    with pytest.raises(NotAllowed):
        import_start(importer_key="tests.accounts", file=upload("a.csv", b"a\n"), dry_run=True, actor=clerk)
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_upload_page_job_page_and_error_reports(admin_user, client, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    assert client.get("/imports/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/imports/", {"importer": "tests.accounts", "dry_run": "on", "file": upload("a.csv", GOOD_AND_BAD.encode())})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert page.count('data-test="error"') == 3 and 'http-equiv="refresh"' not in page
    assert client.get(f"/imports/{job.pk}/progress.json").json()["percent"] == 100
    csv_report = client.get(f"/imports/{job.pk}/errors.csv").content.decode("utf-8-sig")
    assert csv_report.splitlines()[0].count(",") == 2 and len(csv_report.splitlines()) == 4
    wb = load_workbook(io.BytesIO(client.get(f"/imports/{job.pk}/errors.xlsx").content))
    assert [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)] == [3, 4, 6]
    # a bad upload stays on the form with the message, nothing queued
    r = client.post("/imports/", {"importer": "tests.accounts", "file": upload("x.bin", b"\x00\x00")})
    assert r.status_code == 422 and ImportJob.objects.count() == 1


@pytest.mark.django_db
def test_jobs_are_visible_only_to_their_owner(admin_user, client):
    job = import_start(importer_key="tests.accounts", file=upload("a.csv", GOOD_AND_BAD.encode()), dry_run=True, actor=admin_user)
    other = User.objects.create_superuser("root2", "pw", name="另一位")
    other.is_superuser = False
    other.save(update_fields=["is_superuser"])
    client.force_login(other)
    assert client.get(f"/imports/{job.pk}/").status_code == 403  # not even an importing role
    citizen = User.objects.create_user("c", "pw", name="居民")
    client.force_login(citizen)
    assert client.get(f"/imports/{job.pk}/").status_code == 403


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_fails_the_job_with_a_message(admin_user, django_capture_on_commit_callbacks):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="tests.accounts", file=upload("fake.xlsx", out.getvalue()), dry_run=True, actor=admin_user)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and ".xlsx" in job.message


def test_a_reader_left_after_its_header_with_the_file_closed_is_collected_quietly():
    """Reading only the header, closing the file, then dropping the rows: nothing raises."""
    import gc
    import warnings

    binary = io.BytesIO("用户名,姓名,年龄\r\nzhao,赵吉祥,66\r\n".encode())
    rows = open_rows(binary, "csv")
    assert next(rows) == ["用户名", "姓名", "年龄"]
    binary.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows.close()  # what collecting the generator does
        del rows
        gc.collect()
