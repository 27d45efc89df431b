"""`omni run --watch`: poll the inbox forever, building only when something new landed."""

from __future__ import annotations

import time
from collections.abc import Callable


def run_every(
    interval_seconds: float,
    load: Callable[[], tuple[int, bool]],
    build: Callable[[], int],
    *,
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] = print,
    cycles: int | None = None,
) -> int:
    """Repeat load -> build -> wait until interrupted (or `cycles` times); the last exit code.

    `load` returns (exit code, whether any file was loaded or replaced). The first cycle always
    builds, like `omni run`; later ones only after new data or after a failed build, so an idle
    inbox costs one listing per interval. A failing cycle is reported and the next one still runs:
    a watcher outlives a bad file or a server that is down for a while.
    """
    needs_build = True
    code = 0
    done = 0
    try:
        while True:
            load_code, landed = load()
            build_code = 0
            if needs_build or landed:
                build_code = build()
            needs_build = build_code != 0
            code = max(load_code, build_code)
            done += 1
            if cycles is not None and done >= cycles:
                break
            say(f"next poll in {interval_seconds:g} s (Ctrl-C to stop)")
            sleep(interval_seconds)
    except KeyboardInterrupt:
        say("stopped")
    return code
