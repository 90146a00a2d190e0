"""Spanish everywhere (issue 14): a full scenario (tests/spanish_scenario.py) read as each
person reads it — every page reachable by each role and by the anonymous public (links, GET
forms with each of their choices, and every GET route of the app's route table, so pages
added later are read too), every POST form sent empty (the error a person gets), every email
received by a real SMTP server (text and HTML), every document (acta, convocatoria,
certificación, progress report, matrix: md, html, docx, pdf, xlsx read back) and the CLI's
help and errors — and fails on any internal code or English (tests/spanish_scan.py says
exactly what and why)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import click
import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from starlette.routing import Route
from starlette.testclient import TestClient

from conaig_flow.cli import COMMANDS, cli
from conaig_flow.cli import demo as demo_cli
from conaig_flow.web import create_app
from tests.conftest import run_cli
from tests.smtp_capture import SmtpCapture
from tests.spanish_scan import Finding, findings, readable
from tests.spanish_scenario import Scenario, build
from tests.web_support import form_csrf

ROLES = ["anónimo", "secretaría", "administración", "revisor", "enlace", "integrante"]
#: Pages of one shape (ids replaced by #) read per role; the secretariat reads them all.
PER_SHAPE = 4
SKIP = ("/salir", "/static/")


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpCapture]:
    from tests.smtp_capture import running_capture

    yield from running_capture()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpCapture) -> Iterator[Scenario]:
    s = build(tmp_path_factory.mktemp("espanol"), smtp_server)
    yield s
    s.app.close()


@pytest.fixture(scope="module")
def web(scenario: Scenario) -> FastAPI:
    return create_app(scenario.app)


def signed_in(web: FastAPI, email: str | None) -> TestClient:
    c = TestClient(web, base_url="http://127.0.0.1", follow_redirects=False)
    if email is not None:
        token = form_csrf(c.get("/entrar").text)
        r = c.post("/entrar", data={"correo": email, "contrasena": demo_cli.DEMO_PASSWORD, "csrf_token": token})
        assert r.status_code == 303, r.text
    return c


class _Links:
    """Links, GET forms (one URL per choice of each select) and POST forms of a page."""

    def __init__(self, html: str, base: str) -> None:
        self.urls: list[str] = []
        self.posts: list[tuple[str, dict[str, str]]] = []
        for m in re.finditer(r"""<a\b[^>]*\bhref="([^"#]+)""", html):
            self.urls.append(urljoin(base, m.group(1).replace("&amp;", "&")))
        for form in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
            attrs, body = form.group(1), form.group(2)
            action = re.search(r'action="([^"]*)"', attrs)
            target = urljoin(base, (action.group(1) if action else base).replace("&amp;", "&"))
            fields = {n: v for n, v in re.findall(r'<input\b[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body)}
            selects = {n: re.findall(r'<option\b[^>]*value="([^"]*)"', inner)
                       for n, inner in re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S)}
            if re.search(r'method="post"', attrs, re.I):
                hidden = {n: v for n, v in re.findall(r'<input\b[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body)}
                self.posts.append((target, hidden))
                continue
            base_fields = {**fields, **{n: (o[0] if o else "") for n, o in selects.items()}}
            self.urls.append(f"{target}?{urlencode(base_fields)}" if base_fields else target)
            for name, options in selects.items():
                for option in options:
                    self.urls.append(f"{target}?{urlencode({**base_fields, name: option})}")


def _shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "#", parts.path) + "?" + ",".join(sorted(re.findall(r"([\w-]+)=", parts.query)))


def leaf_routes(routes: list[Any]) -> Iterator[Route]:
    """The app's routes, through the routers it includes (FastAPI wraps each included router
    in a route of its own that keeps the original router)."""
    for route in routes:
        if isinstance(route, Route):
            yield route
        elif hasattr(route, "original_router"):
            yield from leaf_routes(list(route.original_router.routes))


def _route_urls(web: FastAPI, scenario: Scenario) -> list[str]:
    """Every GET route of the app, its parameters filled with the scenario's values."""
    values = {"token": [scenario.token], "fmt": ["md", "html", "docx", "pdf", "xlsx"],
              "formato": ["md", "html", "docx", "pdf"], "documento": ["acta", "convocatoria"]}
    urls: list[str] = []
    for route in leaf_routes(web.routes):
        if "GET" not in (route.methods or ()) or route.path.startswith("/static"):
            continue
        paths = [route.path]
        for name in re.findall(r"\{(\w+)(?::\w+)?\}", route.path):
            options = values.get(name, ["1", "2"] if name.endswith("id") or name in ("number", "position") else ["1"])
            paths = [re.sub(r"\{" + name + r"(?::\w+)?\}", o, p, count=1) for p in paths for o in options]
        urls.extend(f"http://127.0.0.1{p}" for p in paths)
    return urls


def crawl(web: FastAPI, scenario: Scenario, role: str) -> tuple[dict[str, str], list[tuple[str, dict[str, str]]], set[str]]:
    """What ``role`` reads on every page it reaches: {url: text}, the POST forms seen, and the
    route patterns reached."""
    c = signed_in(web, scenario.logins.get(role))
    queue = ["http://127.0.0.1/", f"http://127.0.0.1/consulta/{scenario.consultation_id}",
             f"http://127.0.0.1/consulta/{scenario.consultation_id}/i/{scenario.token}", *_route_urls(web, scenario)]
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    read: dict[str, str] = {}
    posts: list[tuple[str, dict[str, str]]] = []
    routes: set[str] = set()
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if url in seen or parts.netloc != "127.0.0.1" or parts.path.startswith(SKIP):
            continue
        seen.add(url)
        shape = _shape(url)
        if role != "secretaría" and shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1
        r = c.get(url)
        if r.status_code in (301, 302, 303, 307, 308):
            queue.insert(0, urljoin(url, r.headers["location"]))
            continue
        for route in leaf_routes(web.routes):
            if route.path_regex.match(parts.path):
                routes.add(route.path)
        text = readable(r.headers.get("content-type", ""), r.content)
        if text is None:
            continue
        read[url] = text
        if r.headers.get("content-type", "").startswith("text/html"):
            links = _Links(r.text, url)
            queue.extend(u for u in links.urls if u not in seen)
            posts.extend(links.posts)
    c.close()
    return read, posts, routes


def _report(found: list[Finding]) -> str:
    unique = sorted({str(f) for f in found})
    return f"{len(unique)} hallazgos:\n" + "\n".join(unique[:150])


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_is_in_spanish_without_internal_codes(web: FastAPI, scenario: Scenario, role: str) -> None:
    read, _posts, routes = crawl(web, scenario, role)
    assert len(read) > 3, read.keys()
    if role == "secretaría":
        assert {"/entregables/{deliverable_id}", "/sesiones/{session_id}", "/consultas/{consultation_id}",
                "/tablero/informe", "/sesiones/{session_id}/documentos/{documento}.{formato}",
                "/sesiones/{session_id}/acuerdos/{number}/certificacion.{formato}",
                "/consultas/{consultation_id}/matriz.{fmt}", "/notificaciones/{message_id}"} <= routes, routes
    found = [f for url, text in read.items() for f in findings(text, f"{role} {urlsplit(url).path}?{urlsplit(url).query}")]
    assert not found, _report(found)


@pytest.mark.parametrize("role", ["secretaría", "enlace", "anónimo"])
def test_every_form_sent_empty_answers_in_spanish(web: FastAPI, scenario: Scenario, role: str) -> None:
    """The refusal a person gets for a form sent without its fields (and the page it returns to)."""
    _read, posts, _routes = crawl(web, scenario, role)
    c = signed_in(web, scenario.logins.get(role))
    token = form_csrf(c.get("/entrar" if role == "anónimo" else "/entregables").text)
    done: set[str] = set()
    found: list[Finding] = []
    for action, hidden in posts:
        path = urlsplit(action).path
        if _shape(action) in done or path.startswith(SKIP) or path.endswith(("/convocar", "/concluir", "/instalar", "/estado")):
            continue
        done.add(_shape(action))
        r = c.post(action, data={**hidden, "csrf_token": token})
        if r.status_code in (302, 303):
            r = c.get(urljoin(action, r.headers["location"]))
        text = readable(r.headers.get("content-type", ""), r.content)
        if text is None:
            found.append(Finding(f"{role} POST {path}", f"respuesta {r.headers.get('content-type')}", r.text[:120]))
        else:
            found.extend(findings(text, f"{role} POST {path}"))
    assert len(done) >= (8 if role == "secretaría" else 1), done
    assert not found, _report(found)


def test_every_email_received_is_in_spanish(scenario: Scenario, smtp_server: SmtpCapture) -> None:
    received = smtp_server.received
    kinds = {r.message["X-Conaig-Template"] or r.message["Subject"] for r in received}
    assert len(received) > 10, kinds
    found: list[Finding] = []
    for r in received:
        msg = r.message
        where = f"correo «{msg['Subject']}»"
        found.extend(findings(str(msg["Subject"]), where))
        for part in msg.walk():
            ctype = part.get_content_type()
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            text = readable(ctype, payload)
            if text is not None:
                found.extend(findings(text, f"{where} ({ctype})"))
    assert not found, _report(found)


def _commands(group: click.Group, prefix: list[str]) -> Iterator[list[str]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield [*prefix, name]
        if isinstance(command, click.Group):
            yield from _commands(command, [*prefix, name])


def test_the_help_of_every_command_is_in_spanish() -> None:
    runner = CliRunner()
    found: list[Finding] = []
    paths = [[], *_commands(cli, [])]
    names = frozenset(word for path in paths for word in path)
    assert len(paths) > len(COMMANDS)
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        found.extend(findings(result.output, f"conaig {' '.join(path)} --help", cli_help=True, allowed=names))
    assert not found, _report(found)


def test_common_cli_errors_are_in_spanish(scenario: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    """Usage errors may name the option at fault; the command's own refusals name no option
    and no code."""
    db = ["--db", scenario.db_url, "--now", "2022-07-04T10:30"]
    sec, minsa = demo_cli.SECRETARIAT, demo_cli.officer_email("MINSA")
    voting_code = scenario.app.definitions().plan.voting_members[2].code  # present, has not voted
    usage = [["advance"], ["advance", "1"], ["sesion"], ["advance", "x", "presentar", "--as", sec], ["status", "--estado"]]
    refusals = [
        ["advance", "1", "observar", "--as", sec],
        ["advance", "24", "close_consultation", "--as", sec],
        ["advance", "24", "cerrar-la-consulta-con-todos-los-aportes-respondidos", "--as", sec],
        ["advance", "1", "publicar", "--as", sec],
        ["advance", "1", "aprobar-en-sesion", "--as", sec],
        ["advance", "1", "desconocida", "--as", sec],
        ["advance", "2", "observe", "--as", minsa],
        ["session", "convene", "1", "--as", minsa],
        ["session", "attend", "3", voting_code, "--as", sec],
        ["session", "vote", "3", "1", voting_code, "en-contra", "--as", sec],
        ["session", "vote", "3", "1", voting_code, "abstencion", "--as", sec],
    ]
    found: list[Finding] = []
    for args, as_help in [*((a, True) for a in usage), *((a, False) for a in refusals)]:
        code, out, err = run_cli([*db, *args], capsys)
        assert code != 0, (args, out, err)
        assert err.strip(), args
        found.extend(findings(out + err, f"conaig {' '.join(args)}", cli_help=as_help))
    assert not found, _report(found)


SLIPS = [
    "Historial: Borrador → Presentado (submit)",
    "No se puede ejecutar «close_consultation»",
    "Acciones permitidas ahora: opine, observe, accept, withdraw",
    "Solo la Secretaría Técnica conduce las sesiones; usted actúa como officer.",
    "DP ya figura presente como invited en ese horario.",
    "Quien vota en contra expresa sus motivos: indique el motivo (--reason).",
    "Tipo: event / consultation",
    "Show this message and exit.",
    "Resultado: 3 a favor, 0 en contra, 1 abstenciones",
    "1 aportes vigentes · 1 respondidos",
    "quórum 12 de 11 requeridos",
    "Estimado(a) responsable de Ministerio de Salud:",
    "Ver el entregable N.° 5",
    "el aporte n.° 2",
    "Asiste su alterno/a",
    "Estado: None",
]
SPANISH = [
    "Para que la Secretaría Técnica observe el informe, preséntelo antes del plazo.",
    "Opine sobre el enfoque intercultural.",
    "Escriba a admin@conaig.gob.pe o abra /entregables/5/acciones/submit.",
    "Ley N° 27444, art. 99.2: 1 abstención, 2 abstenciones, 1 mes, 1 de ellos a tiempo.",
    "Estimado(a) responsable del Ministerio de Salud: la Defensoría del Pueblo asiste como invitada.",
    "Error: Falta el argumento 'ENTREGABLE'.",
    "12 integrantes presentes; quórum requerido: 11",
]


@pytest.mark.parametrize("text", SLIPS)
def test_the_scan_finds_each_slip_the_issue_names(text: str) -> None:
    assert findings(text, "ejemplo"), text


@pytest.mark.parametrize("text", SPANISH)
def test_the_scan_leaves_spanish_that_looks_like_a_code_alone(text: str) -> None:
    assert findings(text, "ejemplo") == []
