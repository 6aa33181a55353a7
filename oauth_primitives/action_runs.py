"""What the bound Actions of one credentials exchange did: the values the Actions runtime
(actions_runtime/, Node.js) reports, and that the token's shape (token_shape.py) judges
alike at the authority and in Preview."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ActionRun:
    """What one Action did: the claims it set (in order), its denial, or its failure: an
    error it threw (`error`, its name and message, and where in the Action's own code:
    `line` and `column`, from 1, when the runtime could tell), or its time running out
    (`timed_out`)."""

    name: str
    claims: list[tuple[str, object]] = field(default_factory=list)
    deny: tuple[str, str] | None = None
    error: str | None = None
    line: int | None = None
    column: int | None = None
    timed_out: bool = False
    logs: list[str] = field(default_factory=list)
    ms: int = 0


@dataclass
class Exchange:
    """Every Action of one exchange that ran, in order; it stops at a denial or failure."""

    runs: list[ActionRun]

    @property
    def denial(self) -> ActionRun | None:
        return next((r for r in self.runs if r.deny is not None), None)

    @property
    def failure(self) -> ActionRun | None:
        return next((r for r in self.runs if r.error is not None or r.timed_out), None)


def place(run: ActionRun) -> str:
    """Where in its code an Action failed, as its author is told: "line 3, column 9"."""
    return where(run.line, run.column)


def where(line: int | None, column: int | None) -> str:
    """A place in an Action's code in words ("line 3, column 9"), "" when not known."""
    if line is None:
        return ""
    return f"line {line}" + (f", column {column}" if column is not None else "")
