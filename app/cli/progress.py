"""The progress bar of the long commands (``validate`` of a folder, ``records load``,
``schemas fetch``, ``import all``).

One line on stderr, redrawn in place, so that the report lines on stdout stay clean and a
log file gets no bar at all (the commands enable it only on a terminal or when asked).
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30
LABEL_WIDTH = 40
#: Redrawing more often than this costs time and shows nothing a reader can follow.
REDRAW_SECONDS = 0.1


class ProgressBar:
    """``total`` may grow while the work goes on (:meth:`expect`): a harvest learns how many
    records a source holds only from its first page."""

    def __init__(self, total: int, stream: TextIO, enabled: bool, *, rate: bool = False,
                 unit: str = "files") -> None:
        self.total, self.stream, self.rate, self.unit = total, stream, rate, unit
        self.enabled = enabled
        self.done = 0
        self.started = self.drawn_at = time.monotonic()
        self.shown = 0

    def step(self, label: str = "", n: int = 1) -> None:
        """Count ``n`` more done; ``label`` names what is being worked on."""
        self.done += n
        now = time.monotonic()
        if not self.enabled or self.total <= 0 or (
                now - self.drawn_at < REDRAW_SECONDS and self.done < self.total):
            return
        self.drawn_at = now
        filled = min(WIDTH, int(WIDTH * self.done / self.total))
        line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total}"
        if self.rate:
            line += f" {self.unit}, {self.done / max(now - self.started, 1e-6):,.0f}/s"
        if label:
            shown = label if len(label) <= LABEL_WIDTH else "…" + label[-(LABEL_WIDTH - 1):]
            line += f" {shown:<{LABEL_WIDTH}}"
        self.shown = max(self.shown, len(line))
        self.stream.write("\r" + line.ljust(self.shown))
        self.stream.flush()

    def expect(self, n: int) -> None:
        """``n`` more to do than the bar knew of."""
        self.total += max(0, n)

    def message(self, line: str) -> None:
        """A line above the bar; the bar comes back at the next step."""
        self.close()
        self.stream.write(f"{line}\n")
        self.stream.flush()

    def close(self) -> None:
        """Wipe the bar (however wide it grew) so that the next line starts clean."""
        if self.enabled and self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0
