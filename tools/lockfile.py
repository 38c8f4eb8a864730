"""Pipfile.lock as a hash-pinned requirements file, which `make install` hands to uv.

Pipfile and Pipfile.lock stay the project's dependency record (`make lock` re-locks them with pipenv); only the
install reads the lock with uv instead of `pipenv sync`, which spent ~45 s of a fresh clone's install in pipenv
and pip against uv's ~3 s. Every package must be pinned (`==`) with at least one hash, so uv installs exactly the
locked files (`--require-hashes`) or nothing. Standard library only: it runs before the virtualenv exists.

    python3 -m tools.lockfile runtime [--lock Pipfile.lock]   # the [packages] section
    python3 -m tools.lockfile dev [--lock Pipfile.lock]       # [packages] and [dev-packages] together
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SETS: Mapping[str, tuple[str, ...]] = {"runtime": ("default",), "dev": ("default", "develop")}
"""What each install set takes from the lock; a package in both sections must be pinned alike."""


class LockError(Exception):
    """The lock cannot be installed as it is; the message is the one line the user sees."""


def _entry(name: str, spec: Any, where: str) -> str:
    if not isinstance(spec, dict):
        raise LockError(f"{where}: package {name!r} is not a table")
    version, hashes = spec.get("version"), spec.get("hashes")
    if not (isinstance(version, str) and version.startswith("==")):
        raise LockError(f"{where}: package {name!r} has version {version!r}; only '==' pins can be installed")
    if not (isinstance(hashes, list) and hashes and all(isinstance(h, str) and ":" in h for h in hashes)):
        raise LockError(f"{where}: package {name!r} has no hashes; every locked package needs at least one")
    extras = spec.get("extras") or []
    line = name + (f"[{','.join(sorted(extras))}]" if extras else "") + version
    if spec.get("markers"):
        line += f" ; {spec['markers']}"
    return " \\\n    ".join([line, *(f"--hash={h}" for h in hashes)])


def _meta(lock: Mapping[str, Any], key: str) -> Any:
    """`_meta.<key>` of the lock, None where the lock has no such table."""
    meta = lock.get("_meta")
    return meta.get(key) if isinstance(meta, dict) else None


def requirements(lock: Mapping[str, Any], install_set: str, *, where: str = "Pipfile.lock") -> str:
    """The requirements text of `install_set` ('runtime' or 'dev'): the lock's index, then one pinned, hashed
    line per package, sorted by name."""
    sources = _meta(lock, "sources") or []
    urls = [s.get("url") for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []
    if not urls or not all(isinstance(url, str) and url.startswith("https://") for url in urls):
        raise LockError(f"{where}: _meta.sources must name at least one https index (got {urls!r})")
    lines = [f"--index-url {urls[0]}", *(f"--extra-index-url {url}" for url in urls[1:])]
    entries: dict[str, str] = {}
    for section in SETS[install_set]:
        packages = lock.get(section, {})
        if not isinstance(packages, dict):
            raise LockError(f"{where}: section {section!r} is not a table")
        for name, spec in packages.items():
            line = _entry(name, spec, where)
            if entries.setdefault(name.lower(), line) != line:
                raise LockError(f"{where}: package {name!r} is locked differently in [packages] and [dev-packages]")
    lines += [entries[name] for name in sorted(entries)]
    return "\n".join(lines) + "\n"


def _check_python(lock: Mapping[str, Any], *, where: str) -> None:
    """The virtualenv is made with the Python that runs this (`PYTHON` in the Makefile): it must be the lock's."""
    requires = _meta(lock, "requires")
    wanted = requires.get("python_version") if isinstance(requires, dict) else None
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if wanted and wanted != running:
        raise LockError(f"{where} is locked for Python {wanted}, but {sys.executable} is {running} (set PYTHON=)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tools.lockfile", description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=sorted(SETS), help="runtime: [packages]; dev: both sections")
    parser.add_argument("--lock", type=Path, default=Path("Pipfile.lock"), help="default: ./Pipfile.lock")
    args = parser.parse_args(argv)
    try:
        try:
            lock = json.loads(args.lock.read_text())
        except OSError as error:
            raise LockError(f"{args.lock}: cannot be read ({error.strerror or error})") from None
        except ValueError as error:
            raise LockError(f"{args.lock}: not JSON ({error})") from None
        if not isinstance(lock, dict):
            raise LockError(f"{args.lock}: not a Pipfile.lock (expected a JSON object)")
        text = requirements(lock, args.set, where=str(args.lock))
        _check_python(lock, where=str(args.lock))
        sys.stdout.write(text)
    except LockError as error:
        print(f"lockfile: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
