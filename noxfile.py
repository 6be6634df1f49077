"""The test suite under every supported (Python, Django) pair, on SQLite and on PostgreSQL, and once with
the lowest version of every direct dependency, so that the ranges in pyproject.toml are true.

    nox -l                                             # every session
    nox                                                # the legs .ci/run adds to `make test` (-t ci)
    nox -s "tests(3.13-django6.1, sqlite)"             # one leg; -k django6.0 picks by name
    nox -s minimum -- -m "not slow"                    # arguments after -- go to pytest

Each session runs `python -m pytest` with the arguments given after `--`, as `make test` does with
PYTEST_ARGS; the rest comes from [tool.pytest.ini_options]. PostgreSQL is POSTGRES_URL, by default the
local server that .ci/run starts. TEST_DB_SUFFIX passes through, as for `make test`.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import nox
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Django 6.0 and newer need Python 3.12, so 3.11 has only the LTS. Keep in step with the classifiers.
PAIRS = [
    ("3.11", "5.2"),
    ("3.12", "5.2"),
    ("3.12", "6.0"),
    ("3.12", "6.1"),
    ("3.13", "5.2"),
    ("3.13", "6.0"),
    ("3.13", "6.1"),
]
# The newest Django on the newest Python: `make test` already covers 5.2 on 3.11 in CI.
CI_PAIR = PAIRS[-1]
MINIMUM_PYTHON = PROJECT["requires-python"].removeprefix(">=")

DATABASES = {
    # None takes DATABASE_URL out of the environment: the host project then uses SQLite.
    "sqlite": None,
    "postgres": os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
}
CHROMIUM = Path("/usr/bin/chromium")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = True
# `nox` alone runs what CI adds to `make test`, not every leg of the matrix.
nox.options.tags = ["ci"]


def _runs(python: str) -> bool:
    try:
        # The name comes from PAIRS above, not from any input.
        result = subprocess.run([python, "--version"], capture_output=True, timeout=30)  # noqa: S603
        return result.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _put_pyenv_interpreters_on_path() -> None:
    """pyenv puts a shim for every installed version on PATH, but a shim only runs the versions made
    global, so `python3.12` can fail although pyenv has 3.12: put the real interpreters first instead."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    extra = []
    for version in sorted({python for python, _ in PAIRS}):
        if _runs(f"python{version}"):
            continue
        installed = sorted(
            pyenv_root.glob(f"versions/{version}.*/bin"),
            key=lambda path: [int(part) for part in path.parent.name.split(".") if part.isdigit()],
        )
        if installed:
            extra.append(str(installed[-1]))
    if extra:
        os.environ["PATH"] = os.pathsep.join([*extra, os.environ.get("PATH", "")])


_put_pyenv_interpreters_on_path()


def _check_chromium(session: nox.Session) -> None:
    """Stop before the run, as `make test` does, rather than fail the browser tests at the end."""
    args = " ".join(session.posargs)
    if CHROMIUM.exists() or "not browser" in args or "not slow" in args:
        return
    session.error(
        f"the browser tests need Chromium at {CHROMIUM}: install it as root with 'apt-get install chromium' "
        "(make test does), or leave them out with -- -m 'not browser'"
    )


def _pytest(session: nox.Session, db: str) -> None:
    _check_chromium(session)
    session.run("python", "-m", "pytest", *session.posargs, env={"DATABASE_URL": DATABASES[db]})


@nox.session
@nox.parametrize("db", [nox.param(db, id=db) for db in DATABASES])
@nox.parametrize(
    "python,django",
    [
        nox.param(
            python, django, id=f"{python}-django{django}", tags=["ci"] if (python, django) == CI_PAIR else []
        )
        for python, django in PAIRS
    ],
)
def tests(session: nox.Session, django: str, db: str) -> None:
    """The whole suite with the newest release of one Django feature version."""
    session.install("-e", ".[dev]", f"Django~={django}.0")
    _pytest(session, db)


def lower_bounds() -> list[str]:
    """`name==lowest` for every direct dependency of the plugin and of its extras, read from pyproject.toml.

    A pin rather than a resolver's lowest-direct strategy: a lower bound that cannot be installed (no wheel
    for this Python, say) then fails instead of silently becoming the next release up."""
    requirements = [*PROJECT["dependencies"]]
    for extra in PROJECT["optional-dependencies"].values():
        requirements += extra
    pins = []
    for line in requirements:
        requirement = Requirement(line)
        if requirement.name == PROJECT["name"]:
            continue  # dev includes site by naming the project itself
        lowest = [spec.version for spec in requirement.specifier if spec.operator in {">=", "~=", "=="}]
        if len(lowest) != 1:
            raise ValueError(f"pyproject.toml: {line!r} needs exactly one lower bound")
        pins.append(f"{requirement.name}=={lowest[0]}")
    return pins


@nox.session(python=MINIMUM_PYTHON)
@nox.parametrize("db", [nox.param(db, id=db, tags=["ci"] if db == "postgres" else []) for db in DATABASES])
def minimum(session: nox.Session, db: str) -> None:
    """The oldest supported Python with the lowest allowed version of every direct dependency. PostgreSQL in
    CI: psycopg and dj-database-url only matter there, and its tests cover more."""
    constraints = Path(session.create_tmp()) / "lowest.txt"
    pins = lower_bounds()
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    session.log("lower bounds: " + " ".join(pins))
    session.install("-c", str(constraints), "-e", ".[dev]")
    _pytest(session, db)
