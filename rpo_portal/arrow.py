"""Which allocator Arrow uses in this project's processes.

pyarrow's wheels allocate with mimalloc by default. The importer and the KPI engine build and
drop large Arrow buffers chunk after chunk; with mimalloc the first chunks of an import cost
about twice their later time (fresh pages), and a re-import of a million applications, which
compares the stored rows in Arrow, took 2.8-3.1x a bare COPY against 2.0-2.2x with jemalloc,
the other allocator the wheels carry; the KPI engine runs as fast with either
(docs/benchmarks.md). Arrow's own ARROW_DEFAULT_MEMORY_POOL still decides when it is set.
"""

import contextlib
import os

import pyarrow as pa


def memory_pool_choose() -> None:
    """Make jemalloc Arrow's default memory pool, unless the environment names one."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    # A pyarrow built without jemalloc keeps its default.
    with contextlib.suppress(NotImplementedError):
        pa.set_memory_pool(pa.jemalloc_memory_pool())
