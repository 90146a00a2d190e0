"""Entry point for several uvicorn workers: each builds its App from the environment
(``CONAIG_DB``, ``CONAIG_HOME``, ``CONAIG_NOW``), which ``conaig serve`` sets."""

from __future__ import annotations

from fastapi import FastAPI

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.web.app import create_app


def build() -> FastAPI:
    return create_app(bootstrap(Settings.from_env()))
