"""What every command shares: the global options and the App built from them, once.

The App (and with it the database, the definitions and the services' modules) is built only
when a command asks for it, so ``conaig --help`` and ``--version`` import none of it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from conaig_flow.app import App, Settings


@dataclass
class CliContext:
    db_url: str | None
    home: str | None
    now: str | None
    as_json: bool
    _app: App | None = field(default=None)

    @property
    def settings(self) -> Settings:
        from conaig_flow.app import Settings

        return Settings.from_env(home=self.home, db_url=self.db_url, now=self.now)

    @property
    def app(self) -> App:
        if self._app is None:
            from conaig_flow.bootstrap import bootstrap

            self._app = bootstrap(self.settings)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()

    def emit_json(self, data: Any) -> None:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


pass_cli = click.make_pass_decorator(CliContext)
