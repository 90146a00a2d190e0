"""Entry point for several uvicorn workers: each builds its App from the environment
(``CONAIG_DB``, ``CONAIG_HOME``, ``CONAIG_NOW``, ``CONAIG_LISTENING_URL``), which ``conaig serve`` sets."""

from __future__ import annotations

import os

from fastapi import FastAPI

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.web.app import create_app


def build() -> FastAPI:
    app = bootstrap(Settings.from_env())
    app.listening_url = os.environ.get("CONAIG_LISTENING_URL") or None  # see cli.web.run_server
    return create_app(app)
