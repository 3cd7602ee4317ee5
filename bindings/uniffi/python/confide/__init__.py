"""Confide for Python: end-to-end encrypted inference sessions (client and host), secp256k1 keys
and signed messages, LLMFeed and Warp, from the Rust core through UniFFI. See docs/UNIFFI.md."""

import atexit as _atexit
import time as _time

from .confide import *  # noqa: F403 (the generated module is the API)
from .confide import __all__, workers_in_flight


def _wait_for_workers(limit_secs: float = 5.0) -> None:
    # An `…_async` call's worker thread wakes its caller through the event loop; if the
    # interpreter shut down meanwhile, the worker asking for the GIL would abort the process.
    deadline = _time.monotonic() + limit_secs
    while workers_in_flight() and _time.monotonic() < deadline:
        _time.sleep(0.001)


_atexit.register(_wait_for_workers)
