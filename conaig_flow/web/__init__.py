"""The web app: server-rendered Spanish pages and a JSON API over the same services."""

from __future__ import annotations

from conaig_flow.web.app import create_app

__all__ = ["create_app"]
