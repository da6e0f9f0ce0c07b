import sys
import threading

from minsheng.demo.accounts import _width, format_table
from minsheng.demo.supervisor import Child, Supervisor


def test_a_child_that_dies_is_restarted_and_all_stop_on_request():
    crashing = Child("crash", [sys.executable, "-c", "raise SystemExit(3)"])
    steady = Child("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    logs = []
    supervisor = Supervisor([crashing, steady], cwd=".", log=logs.append)
    supervisor.start()
    threading.Timer(2.5, lambda: setattr(supervisor, "stopping", True)).start()
    supervisor.run(poll=0.1)
    assert crashing.restarts >= 1
    assert any("crash exited with 3" in m for m in logs)
    assert steady.restarts == 0
    assert steady.process.poll() is not None  # stopped with the supervisor


def test_sign_in_table_aligns_chinese_text():
    table = format_table([["账号", "role"], ["admin", "管理员"]]).splitlines()
    # The second column starts at the same display column (a Chinese character is 2 wide).
    assert _width(table[0][: table[0].index("role")]) == _width(
        table[2][: table[2].index("管理员")]
    )
