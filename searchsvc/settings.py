"""Settings, each declared once with its default, environment variable and help.

The library takes a :class:`Settings` object; the CLI builds its options from
:data:`SETTINGS` and only the ``serve`` command reads the environment (through
:meth:`Settings.from_env`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidParameter


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    help: str

    @property
    def env(self) -> str:
        return "SEARCHSVC_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("index_dir", "index", str, "Folder of the on-disk index."),
    Setting("host", "127.0.0.1", str, "Address the HTTP server listens on."),
    Setting("port", 8080, int, "Port the HTTP server listens on."),
    Setting("threads", 8, int, "Worker threads of the HTTP server (per worker process)."),
    Setting("workers", 1, int, "HTTP server processes sharing the port; more than 1 uses more CPU cores."),
    Setting("api_key", None, str, "When set, write endpoints require 'Authorization: Bearer KEY'."),
    Setting("max_body_bytes", 10 * 1024 * 1024, int, "Largest request body accepted, in bytes."),
    Setting("max_batch_documents", 1000, int, "Most documents accepted in one bulk write."),
    Setting("max_field_length", 1_000_000, int, "Longest value of any one document field, in characters."),
    Setting("max_query_length", 1000, int, "Longest query string accepted, in characters."),
    Setting(
        "commit_interval",
        1.0,
        float,
        "Seconds an acknowledged HTTP write waits before its batch is committed.",
    ),
    Setting("commit_batch", 500, int, "Pending HTTP writes that trigger a commit at once."),
    Setting("fragments", 3, int, "Highlighted body fragments per hit."),
    Setting("fragment_chars", 160, int, "Approximate length of one highlighted fragment, in characters."),
    Setting("variants_file", None, str, "Plain file of extra variant groups, one group per line."),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    index_dir: str = "index"
    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 8
    workers: int = 1
    api_key: str | None = None
    max_body_bytes: int = 10 * 1024 * 1024
    max_batch_documents: int = 1000
    max_field_length: int = 1_000_000
    max_query_length: int = 1000
    commit_interval: float = 1.0
    commit_batch: int = 500
    fragments: int = 3
    fragment_chars: int = 160
    variants_file: str | None = None

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied; ``None`` values leave a setting as it is."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``SEARCHSVC_*`` variables, then ``overrides`` that are not None."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw is None or raw == "":
                continue
            try:
                values[setting.name] = setting.type(raw)
            except ValueError:
                raise InvalidParameter(
                    f"environment variable {setting.env}={raw!r} is not a valid {setting.type.__name__}"
                ) from None
        return cls(**values).replace(**overrides)


def setting(name: str) -> Setting:
    """The declaration of one setting, for CLI help and defaults."""
    return _BY_NAME[name]


def _check_defaults() -> None:
    # The dataclass and the declarations must agree; fail at import if they drift.
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    declared = {s.name: s.default for s in SETTINGS}
    if fields != declared:
        raise RuntimeError(f"Settings and SETTINGS disagree: {fields} != {declared}")


_check_defaults()
