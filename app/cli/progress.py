"""The progress bar of the long commands (``validate`` of a folder, ``records load``).

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
    def __init__(self, total: int, stream: TextIO, enabled: bool, *, rate: bool = False) -> None:
        self.total, self.stream, self.rate = total, stream, rate
        self.enabled = enabled and total > 0
        self.done = 0
        self.started = self.drawn_at = time.monotonic()
        self.shown = 0

    def step(self, label: str = "", n: int = 1) -> None:
        """Count ``n`` more done; ``label`` names what is being worked on."""
        self.done += n
        now = time.monotonic()
        if not self.enabled or (now - self.drawn_at < REDRAW_SECONDS and self.done < self.total):
            return
        self.drawn_at = now
        filled = int(WIDTH * self.done / self.total)
        line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total}"
        if self.rate:
            line += f" files, {self.done / max(now - self.started, 1e-6):,.0f}/s"
        if label:
            shown = label if len(label) <= LABEL_WIDTH else "…" + label[-(LABEL_WIDTH - 1):]
            line += f" {shown:<{LABEL_WIDTH}}"
        self.shown = max(self.shown, len(line))
        self.stream.write("\r" + line.ljust(self.shown))
        self.stream.flush()

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
