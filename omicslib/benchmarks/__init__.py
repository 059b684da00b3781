"""Benchmarks that print measured throughput and memory (run: ``make benchmark``).

Each module's ``main(argv)`` prints one table; ``python -m omicslib.benchmarks`` runs them all.
"""

from __future__ import annotations

import ctypes
import gc
import threading
import time
from typing import Callable

import psutil
import torch


def _trim() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc
        pass


class PeakMemory:
    """Peak memory of a block in MB: CUDA's max allocated on a GPU, else the peak growth of the
    process's resident set over its level on entry (sampled every 2 ms by a thread). On the CPU, memory
    freed earlier is handed back to the system first (glibc ``malloc_trim``, where there is one), so that a
    later, smaller block does not read close to 0 by reusing it."""

    def __init__(self, device: torch.device):
        self.device = torch.device(device)

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            _trim()
        self.proc, self._stop = psutil.Process(), threading.Event()
        self.base = self.peak = self.proc.memory_info().rss
        self._t = threading.Thread(target=self._poll, daemon=True)
        self._t.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)
        if self.device.type == "cuda":
            self.mb = torch.cuda.max_memory_allocated(self.device) / 2**20
        else:
            self.mb = (self.peak - self.base) / 2**20


def samples_per_second(step: Callable[[], None], batch: int, steps: int, device: torch.device) -> float:
    """Throughput of ``steps`` calls of ``step`` (one warm-up call first, CUDA synchronised)."""
    sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
    step()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return steps * batch / (time.perf_counter() - t0)
