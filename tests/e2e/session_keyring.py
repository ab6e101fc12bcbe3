"""A keyring backend for CLI subprocesses in tests: secrets in a JSON file named by $PARTNERDESK_TEST_KEYRING,
which the tests keep OUTSIDE every data folder (it stands in for the OS keyring, so the secrets scan can
check that no key reached the data folder, settings or logs). Select it with
PYTHON_KEYRING_BACKEND=session_keyring.SessionKeyring and this folder on PYTHONPATH. Tests only."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class SessionKeyring(KeyringBackend):
    priority = 1

    def _path(self) -> Path:
        return Path(os.environ["PARTNERDESK_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        p = self._path()
        return json.loads(p.read_text()) if p.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path().write_text(json.dumps(data))
