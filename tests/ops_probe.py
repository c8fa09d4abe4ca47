"""A task for tests/test_ops_worker.py: records which process ran which number, so that the
test can see every run happen exactly once across several worker processes."""

import os
import time

from django_tasks import task


@task()
def probe(n: int, path: str) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{n} {os.getpid()}\n".encode())  # one write: lines never interleave
    finally:
        os.close(fd)
    time.sleep(0.03)  # long enough that both workers get their share
    return n
