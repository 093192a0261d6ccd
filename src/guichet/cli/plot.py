"""Plots the `guichet simulate --plot` command writes (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_simulation_plot(
    path: Path,
    *,
    waits: Sequence[float],
    queue_samples: Sequence[tuple[float, int]],
    sl_threshold_s: float,
    title: str,
) -> None:
    """Wait-time distribution and queue length over time of one replication, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    try:
        waited = [w for w in waits if w > 0]
        share = len(waited) / len(waits) if waits else 0.0
        if waited:
            left.hist(waited, bins=60, color="#3b6ea8", edgecolor="white", linewidth=0.3)
        left.axvline(sl_threshold_s, color="#c0392b", linestyle="--", linewidth=1.2)
        left.set_title(f"Time in queue of those who waited ({share:.1%} of contacts)")
        left.set_xlabel("seconds")
        left.set_ylabel("contacts")
        left.annotate(
            f"T = {sl_threshold_s:g} s",
            xy=(sl_threshold_s, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -14),
            textcoords="offset points",
            color="#c0392b",
        )
        hours = [t / 3600.0 for t, _ in queue_samples]
        lengths = [n for _, n in queue_samples]
        right.step(hours, lengths, where="post", color="#2e7d32", linewidth=1.0)
        right.set_title("Contacts waiting (peak per interval)")
        right.set_xlabel("hours")
        right.set_ylabel("waiting")
        right.set_ylim(bottom=0)
        fig.suptitle(title)
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
