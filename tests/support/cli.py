"""Run the real CLI in-process (`generator.cli.main.run`) and capture what it prints."""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from generator.cli.main import run


@dataclass
class Result:
    code: int
    out: str
    err: str


def invoke(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    old_cwd = Path.cwd()
    saved = {key: os.environ.get(key) for key in (env or {})}
    try:
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(args)
    finally:
        os.chdir(old_cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Result(code, out.getvalue(), err.getvalue())
