"""The session console and the members' page through HTTP (no browser): every action answers
with its Spanish confirmation after the redirect, the irreversible ones need «Confirmo», the
live fragment answers 304 while nothing changed, and documents are read only by readers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.web import create_app
from tests.conftest import pdf_bytes
from tests.session_kit import abstention_allowed_app, lima
from tests.web_support import PASSWORD, PEOPLE, add_web_people, sign_in


def post(c: Any, path: str, csrf: str, **data: Any) -> Any:
    return c.post(path, data={"csrf_token": csrf, **data})


def confirmation(c: Any, r: Any) -> str:
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"]).text
    match = re.search(r'id="confirmacion">([^<]+)<', page)
    assert match, "no confirmation on the page"
    return match.group(1)


def test_the_console_runs_a_session_with_one_post_per_form_and_confirms_every_action(sqlite_app: App, clock: FixedClock) -> None:
    app = sqlite_app
    add_web_people(app)
    users.add_user(app, "alterno.minedu@example.pe", "Alterno MINEDU", "MINEDU", "member", PASSWORD, "alterno")
    voting = [e.code for e in app.definitions().plan.voting_members]
    clock.set(lima("2022-05-16T09:00"))
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, "/sesiones", csrf, fecha="2022-05-20", hora="10:00", tipo="ordinaria", lugar="Sala")
    sid = int(r.headers["location"].split("/sesiones/")[1].split("?")[0])
    base = f"/sesiones/{sid}/consola"
    for text in ("Uno", "Dos", "Tres"):
        assert confirmation(st, post(st, f"{base}/agenda", csrf, tipo="other", texto=text)).startswith("Se agregó el punto")
    assert confirmation(st, post(st, f"{base}/agenda/2/editar", csrf, texto="Dos bis")) == "Se modificó el texto del punto 2."
    assert confirmation(st, post(st, f"{base}/agenda/3/mover", csrf, a="1")) == "El punto 3 pasó a ser el punto 1."
    assert confirmation(st, post(st, f"{base}/agenda/2/retirar", csrf)) == "Se retiró del orden del día el punto 2 («Uno»)."
    member, mcsrf = sign_in(web, PEOPLE["member"])
    r = post(member, f"/sesiones/{sid}/participar/pedido", mcsrf, texto="Brecha digital")
    assert confirmation(member, r).startswith("Se registró su pedido N° 1")
    assert confirmation(st, post(st, f"{base}/pedidos/1", csrf, accion="aceptar")) == \
        "Se aceptó el pedido N° 1: es el punto 3 del orden del día."
    r = post(st, f"{base}/convocar", csrf)
    assert r.status_code == 422 and "Marque la casilla «Confirmo» para emitir la convocatoria" in r.text
    assert confirmation(st, post(st, f"{base}/convocar", csrf, confirmo="si")).startswith("Se emitió la convocatoria")
    r = post(st, f"{base}/agenda/1/retirar", csrf)
    assert r.status_code == 409 and "art. 98.4 de la Ley N° 27444" in r.text

    clock.set(lima("2022-05-20T10:02"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    assert "Sin quórum: 0 de 21; se requieren 11 (art. 99.1 de la Ley N° 27444)." in st.get(base).text
    form = {f"asistencia_{c}": "titular" for c in voting[:20]} | {"hora": "10:00"}
    form[f"asistencia_{voting[20]}"] = "ausente"
    form["asistencia_MINEDU"] = "ausente"  # its alterno checks in from the phone
    msg = confirmation(st, post(st, f"{base}/asistencia", csrf, **form))
    assert msg.startswith("Se registró la asistencia de 19 entidades: ") and "MINSA (titular) a las 10:00" in msg
    page = st.get(base).text
    assert "Hay quórum: 19 de 21; se requieren 11 (art. 99.1 de la Ley N° 27444)." in page
    assert confirmation(st, post(st, f"{base}/registro", csrf, abrir="si")).startswith("Se abrió el registro")
    alterno, acsrf = sign_in(web, "alterno.minedu@example.pe")
    assert "la Secretaría Técnica la confirmará" in confirmation(alterno, post(alterno, f"/sesiones/{sid}/participar/asistencia", acsrf))
    page = st.get(base).text
    cid = re.search(r"/consola/registros/(\d+)", page).group(1)  # type: ignore[union-attr]
    assert confirmation(st, post(st, f"{base}/registros/{cid}", csrf, accion="confirmar")) == \
        "Se registró la asistencia de MINEDU (alterno) a las 10:02, según su registro."
    assert confirmation(st, post(st, f"{base}/instalar", csrf)).startswith("Se instaló la sesión a las 10:02 en primera convocatoria")

    clock.set(lima("2022-05-20T10:10"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    page = st.get(base).text
    assert f'<option value="{voting[20]}">' not in page  # the absent entity is not offered
    assert confirmation(st, post(st, f"{base}/puntos/1/abrir", csrf)) == "Se abrió la votación del punto 1 a las 10:10."
    member, mcsrf = sign_in(web, PEOPLE["member"])
    r = post(member, f"/sesiones/{sid}/participar/puntos/1/voto", mcsrf, sentido="for")
    assert confirmation(member, r) == "Se registró su voto en el punto 1: a favor, como titular de MINSA, a las 10:10."
    alterno, acsrf = sign_in(web, "alterno.minedu@example.pe")
    r = post(alterno, f"/sesiones/{sid}/participar/puntos/1/voto", acsrf, sentido="against", motivo="Sin presupuesto")
    assert "en contra, como alterno de MINEDU" in confirmation(alterno, r)
    live = st.get(f"/sesiones/{sid}/en-vivo")
    assert "2 votos" not in live.text and "1 a favor, 1 en contra, 0 abstenciones" in live.text
    assert st.get(f"/sesiones/{sid}/en-vivo", headers={"If-None-Match": live.headers["etag"]}).status_code == 304
    msg = confirmation(st, post(st, f"{base}/puntos/1/todos", csrf, sentido="for"))
    assert msg == "Se registraron 18 votos en el punto 1: todos los presentes a favor."
    msg = confirmation(st, post(st, f"{base}/puntos/1/voto", csrf, entidad=voting[3], sentido="against", motivo="Lo aclaró en sala"))
    assert msg == f"Se corrigió el voto de {voting[3]} en el punto 1: en contra."
    r = post(st, f"{base}/puntos/1/cerrar", csrf)
    assert r.status_code == 422
    msg = confirmation(st, post(st, f"{base}/puntos/1/cerrar", csrf, confirmo="si"))
    assert msg == "Se cerró la votación del punto 1: 18 a favor, 2 en contra, 0 abstenciones. Resultado: aprobado."
    r = post(member, f"/sesiones/{sid}/participar/puntos/1/voto", mcsrf, sentido="against", motivo="Cambio")
    assert r.status_code == 409 and "ya se cerró" in r.text
    page = st.get(base).text
    assert "corrección registrado por la Secretaría Técnica" in page


def test_members_and_officers_cannot_use_the_console(sqlite_app: App, clock: FixedClock) -> None:
    app = sqlite_app
    add_web_people(app)
    clock.set(lima("2022-05-16T09:00"))
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, "/sesiones", csrf, fecha="2022-05-20", hora="10:00", tipo="ordinaria", lugar="Sala")
    sid = int(r.headers["location"].split("/sesiones/")[1].split("?")[0])
    member, mcsrf = sign_in(web, PEOPLE["member"])
    assert member.get(f"/sesiones/{sid}/consola").status_code == 403
    assert post(member, f"/sesiones/{sid}/consola/agenda", mcsrf, tipo="other", texto="X").status_code == 403
    assert member.get(f"/sesiones/{sid}/participar").status_code == 200
    assert st.get(f"/sesiones/{sid}/participar").status_code == 403


def test_session_documents_are_uploaded_from_the_console_and_read_only_by_those_who_follow_sessions(
    sqlite_app: App, clock: FixedClock
) -> None:
    app = sqlite_app
    add_web_people(app)
    clock.set(lima("2022-05-16T09:00"))
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, "/sesiones", csrf, fecha="2022-05-20", hora="10:00", tipo="ordinaria", lugar="Sala")
    sid = int(r.headers["location"].split("/sesiones/")[1].split("?")[0])
    content = pdf_bytes("informe")
    r = st.post(f"/sesiones/{sid}/consola/documentos", data={"csrf_token": csrf},
                files={"archivo": ("informe técnico.pdf", content, "application/pdf")})
    assert confirmation(st, r) == "Se adjuntó el documento «informe técnico.pdf» a la sesión."
    r = st.post(f"/sesiones/{sid}/consola/documentos", data={"csrf_token": csrf})
    assert r.status_code == 422 and "Elija el archivo" in r.text
    link = re.search(rf'href="(/sesiones/{sid}/adjuntos/[0-9a-f]+)"', st.get(f"/sesiones/{sid}/consola").text).group(1)  # type: ignore[union-attr]
    member, _ = sign_in(web, PEOPLE["member"])
    assert link in member.get(f"/sesiones/{sid}/participar").text
    got = member.get(link)
    assert got.status_code == 200 and got.content == content
    assert "informe%20t%C3%A9cnico.pdf" in got.headers["content-disposition"]
    officer, _ = sign_in(web, PEOPLE["officer"])
    assert officer.get(link).status_code == 403
    assert member.get(f"/sesiones/{sid}/adjuntos/{'0' * 64}").status_code == 404


def test_the_previous_sessions_acta_is_approved_from_the_console_only_once_this_session_is_installed(
    sqlite_app: App, clock: FixedClock
) -> None:
    """Art. 102: an acta not approved at the end of its session is approved at the start of the
    next one; the console's form does it, refuses it before the next session is installed (and
    changes nothing), and confirms it in Spanish."""
    from conaig_flow.services.sessions import attendance, votes
    from conaig_flow.services.sessions import views as session_views
    from tests.session_kit import arrive, convened_session, voting_codes

    app = sqlite_app
    add_web_people(app)
    st_actor = users.actor_for(app, PEOPLE["secretariat"])
    first = convened_session(app, clock, st_actor, others=("Punto",))
    codes = voting_codes(app)[:11]
    arrive(app, st_actor, first, codes, "09:50")
    attendance.open_session(app, st_actor, first)
    for code in codes:
        votes.vote(app, st_actor, first, 1, code, "for")
    votes.close(app, st_actor, first)
    assert session_views.session_record(app, first).acta_state != "approved"
    second = convened_session(app, clock, st_actor, day="2022-06-10", others=("Otro punto",), convene_on="2022-06-06T09:00")
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, f"/sesiones/{second}/consola/acta-anterior", csrf, sesion=str(first))
    assert r.status_code == 409 and "al inicio de la siguiente sesión instalada (art. 102 de la Ley N° 27444)" in r.text
    assert session_views.session_record(app, first).acta_state != "approved"
    arrive(app, st_actor, second, codes, "09:50", day="2022-06-10")
    attendance.open_session(app, st_actor, second)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, f"/sesiones/{second}/consola/acta-anterior", csrf, sesion=str(first))
    assert confirmation(st, r) == "Se aprobó el ACTA N° 001-2022-CONAIG al inicio de esta sesión."
    record = session_views.session_record(app, first)
    assert record.acta_state == "approved" and record.acta_approved_in == "Sesión ordinaria N° 002-2022 de la CONAIG"


def convened_from_console(app: App, clock: FixedClock, item: str) -> tuple[Any, Any, str]:
    """The web app, and a session convened from the console on 16 May for 20 May 2022 10:00
    with one item; returns (web app, secretariat client, console path)."""
    clock.set(lima("2022-05-16T09:00"))
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, "/sesiones", csrf, fecha="2022-05-20", hora="10:00", tipo="ordinaria", lugar="Sala")
    sid = int(r.headers["location"].split("/sesiones/")[1].split("?")[0])
    base = f"/sesiones/{sid}/consola"
    post(st, f"{base}/agenda", csrf, tipo="other", texto=item)
    assert confirmation(st, post(st, f"{base}/convocar", csrf, confirmo="si")).startswith("Se emitió la convocatoria")
    return web, st, base


def test_the_console_adds_an_out_of_agenda_item_only_with_everyone_present_and_records_the_casting_vote(
    tmp_path: Path, clock: FixedClock
) -> None:
    # a commission whose norm allows abstention: the presidency abstains on the item, then decides
    with abstention_allowed_app(tmp_path, clock) as app:
        _out_of_agenda_and_casting_vote(app, clock)


def installed_without_two(app: App, clock: FixedClock) -> tuple[Any, Any, str, str, list[str], str, list[str]]:
    """A session convened from the console, installed at 10:00 with every voting member but the
    last two (the presidency present): (web app, secretariat client, csrf, console path, voting
    members, presidency, the two missing)."""
    add_web_people(app)
    plan = app.definitions().plan
    voting = [e.code for e in plan.voting_members]
    presidency = plan.commission.presidency
    web, st, base = convened_from_console(app, clock, "Aprobar el cronograma")
    clock.set(lima("2022-05-20T10:02"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    missing = [c for c in voting if c != presidency][-2:]
    form = {f"asistencia_{c}": ("ausente" if c in missing else "titular") for c in voting} | {"hora": "10:00"}
    confirmation(st, post(st, f"{base}/asistencia", csrf, **form))
    confirmation(st, post(st, f"{base}/instalar", csrf))
    return web, st, csrf, base, voting, presidency, missing


def _out_of_agenda_and_casting_vote(app: App, clock: FixedClock) -> None:
    web, st, csrf, base, voting, presidency, missing = installed_without_two(app, clock)
    assert 'id="form-fuera-de-agenda"' in st.get(base).text
    r = post(st, f"{base}/agenda", csrf, tipo="other", texto="Pronunciamiento urgente")
    assert r.status_code == 409 and "art. 98.4 de la Ley N° 27444" in r.text and f"faltan: {', '.join(sorted(missing))}" in r.text
    assert len(re.findall(r'class="item" id="punto-', st.get(base).text)) == 1  # nothing was added

    # a tie on item 1, the presidency present and abstaining: its casting vote is recorded from the console
    clock.set(lima("2022-05-20T10:10"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    voters = [c for c in voting if c != presidency and c not in missing]
    against = {f"excepcion_{c}": "against" for c in voters[:9]} | {f"motivo_{c}": "Prefiere otro cronograma" for c in voters[:9]}
    abstains = {f"excepcion_{presidency}": "abstain", f"motivo_{presidency}": "Su sector elaboró la propuesta"}
    confirmation(st, post(st, f"{base}/puntos/1/todos", csrf, sentido="for", **against, **abstains))
    msg = confirmation(st, post(st, f"{base}/puntos/1/cerrar", csrf, confirmo="si"))
    assert msg == "Se cerró la votación del punto 1: 9 a favor, 9 en contra, 1 abstención. Resultado: empate (dirime la Presidencia)."
    assert 'id="dirimente-1"' in st.get(base).text
    msg = confirmation(st, post(st, f"{base}/puntos/1/dirimente", csrf, sentido="for"))
    assert msg == f"Se registró el voto dirimente de la Presidencia ({presidency}) en el punto 1: a favor."
    assert 'id="dirimente-1"' not in st.get(base).text
    r = post(st, f"{base}/puntos/1/dirimente", csrf, sentido="against")
    assert r.status_code == 409 and "ya dirimió el empate del punto 1" in r.text

    # with every voting member present, the out-of-agenda item is added
    form = {f"asistencia_{c}": "titular" for c in missing} | {"hora": "10:12"}
    clock.set(lima("2022-05-20T10:12"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    confirmation(st, post(st, f"{base}/asistencia", csrf, **form))
    msg = confirmation(st, post(st, f"{base}/agenda", csrf, tipo="other", texto="Pronunciamiento urgente"))
    assert msg == "Se agregó el punto 2, fuera de agenda: solo se aprueba con el voto unánime de todos los integrantes."
    assert "2. Pronunciamiento urgente (fuera de agenda)" in st.get(base).text


def test_the_secretariat_corrects_the_capacity_of_a_check_in_when_confirming_it(sqlite_app: App, clock: FixedClock) -> None:
    app = sqlite_app
    add_web_people(app)  # PEOPLE["member"]: the titular of MINSA
    web, st, base = convened_from_console(app, clock, "Uno")
    sid = int(base.split("/")[2])
    clock.set(lima("2022-05-20T09:58"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    confirmation(st, post(st, f"{base}/registro", csrf, abrir="si"))
    member, mcsrf = sign_in(web, PEOPLE["member"])
    confirmation(member, post(member, f"/sesiones/{sid}/participar/asistencia", mcsrf))
    page = st.get(base).text
    cid = re.search(r"/consola/registros/(\d+)", page).group(1)  # type: ignore[union-attr]
    assert re.search(rf'<select id="calidad-{cid}" name="calidad"><option value="titular" selected>', page)
    r = post(st, f"{base}/registros/{cid}", csrf, accion="confirmar", calidad="suplente")
    assert r.status_code == 422 and "La calidad es titular o alterno." in r.text
    msg = confirmation(st, post(st, f"{base}/registros/{cid}", csrf, accion="confirmar", calidad="alterno"))
    assert msg == "Se registró la asistencia de MINSA (alterno) a las 09:58, según su registro."
    assert '<th scope="row">MINSA</th><td>alterno</td><td>09:58</td>' in st.get(f"/sesiones/{sid}/en-vivo").text


def test_the_console_offers_no_casting_vote_to_a_presidency_impeded_on_the_tied_item(sqlite_app: App, clock: FixedClock) -> None:
    """Art. 101.1: a presidency that declared a conflict of interest on an item does not intervene
    in it; 9 for and 9 against is a tie nobody may decide, and the item is not approved."""
    app = sqlite_app
    web, st, csrf, base, voting, presidency, missing = installed_without_two(app, clock)
    clock.set(lima("2022-05-20T10:10"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    confirmation(st, post(st, f"{base}/puntos/1/conflicto", csrf, entidad=presidency, motivo="Su titular integra la entidad evaluada"))
    voters = [c for c in voting if c != presidency and c not in missing]
    against = {f"excepcion_{c}": "against" for c in voters[:9]} | {f"motivo_{c}": "Prefiere otro cronograma" for c in voters[:9]}
    confirmation(st, post(st, f"{base}/puntos/1/todos", csrf, sentido="for", **against))
    msg = confirmation(st, post(st, f"{base}/puntos/1/cerrar", csrf, confirmo="si"))
    assert msg == ("Se cerró la votación del punto 1: 9 a favor, 9 en contra, 0 abstenciones. Resultado: no aprobado "
                   "(empate sin voto dirimente: la Presidencia está impedida de intervenir en el punto).")
    assert 'id="dirimente-1"' not in st.get(base).text
    r = post(st, f"{base}/puntos/1/dirimente", csrf, sentido="for")
    assert r.status_code == 409
    assert f"La Presidencia ({presidency}) declaró conflicto de intereses en el punto 1" in r.text
    assert "art. 101.1 de la Ley N° 27444" in r.text
