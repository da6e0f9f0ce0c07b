"""What a database's connections are doing during a benchmark: sampled ``pg_stat_activity``.

    .venv/bin/python bench/pg_activity_sample.py DB SECONDS [--every 0.05] [--pg postgres://postgres@127.0.0.1:5432]

Every ``--every`` seconds for ``SECONDS``, reads the state, wait event and statement of each
connection to ``DB`` (other than its own) that is running a statement or is inside a
transaction, and prints how many samples each (state, wait event, statement head) got. Divided
by the number of samples, a line is the average number of connections in that state: "idle in
transaction" after a statement is the server's Python between that statement and the next
while the transaction's locks are held; "Lock transactionid" is waiting for another
transaction's row lock. Run it beside ``after_school_rush.py`` once "the window opens" is printed.
"""

import argparse
import collections
import time

import psycopg


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("db")
    p.add_argument("seconds", type=float)
    p.add_argument("--every", type=float, default=0.05)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = p.parse_args()
    tally, samples = collections.Counter(), 0
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            rows = conn.execute(
                "SELECT state, coalesce(wait_event_type, '-'), coalesce(wait_event, '-'),"
                " left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND (state = 'active' OR state LIKE 'idle in transaction%%')", [args.db]).fetchall()
            samples += 1
            tally.update(rows)
            time.sleep(args.every)
    print(f"{samples} samples of {args.db}'s connections, every {args.every} s")
    for (state, wtype, wevent, query), n in tally.most_common(25):
        print(f"{n:6d} {n / samples:5.2f}  {state[:12]:12} {wtype:8} {wevent:16} {query}")


if __name__ == "__main__":
    main()
