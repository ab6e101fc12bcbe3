"""User settings that are not window state: display name for the audit trail, remembered mappings.

Stored as JSON in the data dir, written atomically. Window geometry lives in QSettings; secrets in the
keyring; never here.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from partnerdesk import fsutil


class Settings:
    def __init__(self, path: Path):
        self.path = path
        self._data: dict[str, Any] = {}
        try:
            self._data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(self._data, dict):
                self._data = {}
        except (OSError, ValueError):
            self._data = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fsutil.write_atomic(self.path, json.dumps(self._data, indent=2, sort_keys=True).encode("utf-8"), private=True)

    # -- remembered import column mappings, keyed by the kind of import and the file's header ----------
    @staticmethod
    def _header_key(columns: list[str] | tuple[str, ...]) -> str:
        return "\x1f".join(c.strip().casefold() for c in columns)

    def import_mapping(self, kind: str, columns: list[str] | tuple[str, ...]) -> dict[str, str] | None:
        """The mapping last used for a file with exactly these columns, if any."""
        saved = (self.get("import_mappings") or {}).get(kind) or {}
        found = saved.get(self._header_key(columns))
        return dict(found) if isinstance(found, dict) else None

    def remember_import_mapping(self, kind: str, columns: list[str] | tuple[str, ...],
                                mapping: dict[str, str]) -> None:
        all_maps = dict(self.get("import_mappings") or {})
        mine = dict(all_maps.get(kind) or {})
        mine[self._header_key(columns)] = dict(mapping)
        all_maps[kind] = mine
        self.set("import_mappings", all_maps)

    @property
    def display_name(self) -> str:
        return self.get("display_name") or os_user()


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"
