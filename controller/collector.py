"""Python's cyclic garbage collector, held back where frr-edge allocates much and leaves no cyclic garbage.

Only the standard library: the command line pauses the collector before it imports anything heavy.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; it resumes, and catches up, when the block is done.

    The pipeline allocates hundreds of thousands of small acyclic objects at 50,000 Services, and a command's
    start-up (pydantic, the models, their validators) tens of thousands that live until exit; the collector
    would rescan the growing heap again and again (measured here: 20-40% of a pipeline run at scale, 7% of
    `frr-edge validate` of a small file). Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
