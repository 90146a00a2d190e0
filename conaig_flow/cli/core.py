"""Core commands: init, plan, status, advance, history, users, audit, lifecycle."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.cli.output import shorten, table
from conaig_flow.domain.actors import ROLES, SYSTEM, Actor
from conaig_flow.domain.audit_chain import ChainBreak
from conaig_flow.errors import ConaigError, InvalidInput, NotFound
from conaig_flow.i18n import action_name, days_phrase, fecha, fecha_hora, role_label
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.records import DeliverableView
from conaig_flow.store.definitions import default_plan_file

if TYPE_CHECKING:
    from conaig_flow.domain.audit_chain import ChainBreak
    from conaig_flow.services.sessions.evidence import SessionEvidence


@click.command()
@click.option("--plan", "plan_file", type=click.Path(path_type=Path), help="Archivo YAML del plan (por defecto, el de la CONAIG 2021-2022).")
@click.option("--lifecycles", "lifecycles_dir", type=click.Path(path_type=Path, file_okay=False), help="Carpeta de ciclos de vida (por defecto, ../lifecycles junto al plan).")
@pass_cli
def init(c: CliContext, plan_file: Path | None, lifecycles_dir: Path | None) -> None:
    """Crear o actualizar la base de datos, cargar el plan y crear sus entregables."""
    from conaig_flow.services import plans

    report = plans.init(c.app, plan_file or default_plan_file(), lifecycles_dir)
    defs = c.app.definitions()
    click.echo(f"Plan «{defs.plan.plan.title}» ({report.plan_code})")
    click.echo(f"  base de datos: {c.app.db.safe_url}")
    if report.definitions_loaded:
        click.echo("  definiciones cargadas (plan y ciclos de vida).")
    else:
        click.echo("  las definiciones ya estaban cargadas: sin cambios.")
    click.echo(f"  entidades nuevas: {report.entities_added}; entregables creados: {report.deliverables_created}; "
               f"entregables en total: {plans.count_deliverables(c.app)}.")


@click.group("plan")
def plan_group() -> None:
    """Consultar el plan cargado."""


@plan_group.command("show")
@pass_cli
def plan_show(c: CliContext) -> None:
    """Objetivos, actividades, productos, responsables y programación."""
    defs = c.app.definitions()
    plan = defs.plan
    if c.as_json:
        c.emit_json(plan.model_dump(mode="json"))
        return
    click.echo(plan.plan.title)
    click.echo(f"Comisión: {plan.commission.name} ({plan.commission.code}); preside: "
               f"{plan.entity(plan.commission.presidency).name}; Secretaría Técnica: "
               f"{plan.commission.secretariat.unit_name} ({plan.commission.secretariat.unit_code}).")
    members = plan.voting_members
    invited = [e for e in plan.entities if not e.has_vote]
    click.echo(f"Integrantes con voto ({len(members)}): {', '.join(e.code for e in members)}")
    if invited:
        click.echo(f"Invitados sin voto: {', '.join(f'{e.code} ({e.name})' for e in invited)}")
    click.echo("Períodos: " + "; ".join(f"{p.code} ({fecha(p.start)} al {fecha(p.end)})" for p in plan.periods))
    for obj in plan.objectives:
        click.echo(f"\nObjetivo prioritario {obj.number} ({obj.code}): {shorten(obj.title, 160)}")
        rows = []
        for act in (a for a in plan.activities if a.objective == obj.code):
            r = act.responsible
            if r.entities:
                who = ", ".join(r.entities)
            elif r.commission:
                who = plan.commission.code
            elif r.from_activity:
                who = f"entidades con {r.from_activity} aprobado"
            else:
                who = f"equipo formado en {r.team_from}"
            marks = " ".join(("X" if p.code in act.schedule else "·").center(len(p.code)) for p in plan.periods)
            rows.append([act.code, shorten(act.title, 48), shorten(act.product.name, 48),
                         plan.product_kinds.get(act.product.kind) or defs.lifecycles[act.product.kind].name,
                         shorten(who, 40), marks])
        click.echo(table(["Act.", "Actividad", "Producto", "Tipo", "Responsables",
                          " ".join(p.code for p in plan.periods)], rows))


@click.command()
@click.option("--entity", help="Código de la entidad responsable (p. ej. MINSA).")
@click.option("--period", help="Período del plazo (p. ej. I-2022).")
@click.option("--state", help="Estado, con su nombre o su código (p. ej. «Presentado»).")
@click.option("--activity", help="Actividad (p. ej. A1.1).")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def status(c: CliContext, entity: str | None, period: str | None, state: str | None, activity: str | None, as_json: bool) -> None:
    """Entregables con su estado y plazo, a la fecha (--now)."""
    state = _state_code(c, state)
    items = deliverables.list_deliverables(c.app, SYSTEM, entity=entity, period=period, state=state, activity=activity)
    if not items:
        _check_filters(c, entity, period, state, activity)
    if as_json or c.as_json:
        c.emit_json([d.to_json() for d in items])
        return
    now = c.app.clock.now()
    click.echo(f"Situación al {fecha_hora(now)} (hora de Lima): {len(items)} entregables")
    rows = []
    for d in items:
        left = "" if d.terminal else days_phrase(d.days_left(now))
        rows.append([d.id, d.activity, d.owner, d.period, d.state_label, _due(d), left, d.version])
    click.echo(table(["ID", "Act.", "Responsable", "Período", "Estado", "Vence", "Plazo", "Ver."], rows))
    moved = sorted({d.deadline.reason for d in items if d.deadline.moved and not d.terminal and d.deadline.reason})
    for reason in moved:
        click.echo(f"* {reason}")


def _state_code(c: CliContext, state: str | None) -> str | None:
    """The state named by its label («Presentado», «presentado») or by its code."""
    if not state:
        return state
    labels = {s.label.lower(): s.name for lc in c.app.definitions().lifecycles.values() for s in lc.states}
    return labels.get(state.strip().lower(), state)


def _due(d: DeliverableView) -> str:
    """The effective deadline, starred when it is not the plan's date (the reason is listed below)."""
    return fecha(d.deadline.effective_day) + ("*" if d.deadline.moved else "")


def _actor(c: CliContext, email: str) -> Actor:
    """The user named by ``--as``: an unknown one is a usage error (exit 2), not a lookup."""
    from conaig_flow.services import users

    try:
        return users.actor_for(c.app, email)
    except NotFound as exc:
        raise InvalidInput(exc.message) from None


def _read_document(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"No se encuentra el documento «{path}».") from None
    except IsADirectoryError:
        raise InvalidInput(f"«{path}» es una carpeta, no un documento.") from None
    except OSError as exc:
        raise InvalidInput(f"No se puede leer el documento «{path}» ({exc.strerror}).") from None


def _check_filters(c: CliContext, entity: str | None, period: str | None, state: str | None, activity: str | None) -> None:
    """An empty listing because of a misspelt filter is an error, not "nothing to do"."""
    from conaig_flow.services import plans

    defs = c.app.definitions()
    plan = defs.plan
    known = {
        "entidad": (entity, [e.code for e in plan.entities] + [plan.commission.code]),
        "período": (period, [p.code for p in plan.periods]),
        "actividad": (activity, [a.code for a in plan.activities]),
        "estado": (state, sorted({s.name for lc in defs.lifecycles.values() for s in lc.states})),
    }
    shown = {"estado": sorted({f"«{s.label}»" for lc in defs.lifecycles.values() for s in lc.states})}
    known = {
        **known,
    }
    for what, (value, options) in known.items():
        if value and value not in options and not (what == "entidad" and plans.owner_exists(c.app, value)):
            listed = ", ".join(shown.get(what, options))
            raise InvalidInput(f"{what.capitalize()} desconocida «{value}». Valores posibles: {listed}."
                               if what in ("entidad", "actividad") else
                               f"{what.capitalize()} desconocido «{value}». Valores posibles: {listed}.")


@click.command()
@click.argument("deliverable_id", type=int, metavar="ENTREGABLE")
@click.argument("trigger", metavar="ACCIÓN")
@click.option("--as", "email", required=True, help="Correo del usuario que actúa.")
@click.option("--comment", help="Comentario (obligatorio para observar o retirar).")
@click.option("--document", "documents", multiple=True, type=click.Path(path_type=Path), help="Documento a adjuntar (puede repetirse).")
@click.option("--norm", help="Norma institucional de aprobación, p. ej. «Resolución Ministerial N° 123-2022-MINSA».")
# Kept (hidden) so that an old habit gets the service's Spanish refusal rather than click's
# English "no such option": the session reference is written by the session's agreement.
@click.option("--session", "session_ref", hidden=True)
@click.option("--expect-version", type=int, help="Versión que usted vio; si cambió, la acción se rechaza.")
@pass_cli
def advance(c: CliContext, deliverable_id: int, trigger: str, email: str, comment: str | None,
            documents: tuple[Path, ...], norm: str | None, session_ref: str | None, expect_version: int | None) -> None:
    """Ejecutar una acción del ciclo de vida (presentar, observar, dar-conformidad-tecnica…).

    ACCIÓN es el nombre de la acción tal como la muestra el ciclo de vida, en minúsculas, sin
    tildes y con guiones (p. ej. presentar-subsanacion, retirar), o sus primeras palabras si
    bastan para distinguirla (dar-conformidad); «conaig lifecycle list» los lista. La aprobación en sesión no se ejecuta aquí: la registra el acuerdo de la sesión
    (conaig session …); la consulta se abre y se cierra con «conaig consultation»."""
    actor = _actor(c, email)
    files = [(p.name, _read_document(p)) for p in documents]
    after = deliverables.advance(
        c.app, actor, deliverable_id, _trigger(c, actor, deliverable_id, trigger), comment=comment, documents=files,
        norm_reference=norm, session_ref=session_ref, expected_version=expect_version,
    )
    # Read after the fact: a refusal (even "not found") must go through advance, which records it.
    before = c.app.definitions().lifecycles[after.kind].label(
        deliverables.history(c.app, actor, deliverable_id)[-1].from_state
    )
    click.echo(f"Entregable {after.id} ({after.activity}, {after.owner}): «{before}» → "
               f"«{after.state_label}» (versión {after.version}).")


def _trigger(c: CliContext, actor: Actor, deliverable_id: int, typed: str) -> str:
    """The lifecycle's trigger for the action name typed («observar», «Dar conformidad
    técnica»); the old codes (observe, accept…) still work for scripts. Anything else goes to
    the service as typed, which refuses it (and records the refusal)."""
    try:
        lc = c.app.definitions().lifecycles[deliverables.get(c.app, actor, deliverable_id).kind]
    except ConaigError:
        return typed
    names = {action_name(t.label): t.trigger for t in lc.transitions}
    key = action_name(typed)
    if key in names:
        return names[key]
    # the first words of one action's name are enough («registrar-la-norma», «dar-conformidad»)
    starting = {trigger for name, trigger in names.items() if key and name.startswith(key + "-")}
    return starting.pop() if len(starting) == 1 else typed


@click.command()
@click.argument("deliverable_id", type=int)
@click.option("--as", "email", help="Ver como este usuario (por defecto, sin restricción).")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def history(c: CliContext, deliverable_id: int, email: str | None, as_json: bool) -> None:
    """Historial de un entregable (cada acción con quién, cuándo y qué aportó)."""
    actor = _actor(c, email) if email else SYSTEM
    d = deliverables.get(c.app, actor, deliverable_id)
    events = deliverables.history(c.app, actor, deliverable_id)
    agreed = deliverables.history_sessions(c.app, actor, deliverable_id)
    if as_json or c.as_json:
        c.emit_json([{**e.to_json(), "acuerdo": _agreement_json(agreed.get(e.seq))} for e in events])
        return
    lc = c.app.definitions().lifecycles[d.kind]
    click.echo(f"Entregable {d.id}: {d.title}\nEstado: {d.state_label}; vence el {fecha(d.deadline.effective_day)}; {d.origin}.")
    if d.deadline.reason:
        click.echo(d.deadline.reason)
    if not events:
        click.echo("Sin acciones registradas.")
    for e in events:
        click.echo(f"{e.seq:>3}. {fecha_hora(e.at)}  {lc.action_label(e.trigger)}: «{lc.label(e.from_state)}» → «{lc.label(e.to_state)}»  "
                   f"por {e.actor_email} ({role_label(e.actor_role)}, {e.actor_entity or '—'})")
        ev = agreed.get(e.seq)
        if ev is not None:
            acta = f"; {ev.acta_code}" if ev.acta_code else ""
            click.echo(f"       acuerdo: Acuerdo N° {ev.agreement_number} ({ev.result_label}) de la {ev.session_label} "
                       f"del {fecha(ev.session_date)}{acta}")
        for label, value in (("comentario", e.comment), ("norma", e.norm_reference), ("sesión", e.session_ref)):
            if value:
                click.echo(f"       {label}: {value}")
        for h in e.documents:
            click.echo(f"       documento sha256:{h}")


def _agreement_json(ev: SessionEvidence | None) -> dict[str, object] | None:
    if ev is None:
        return None
    return {"id": ev.agreement_id, "numero": ev.agreement_number, "resultado": ev.result_label,
            "sesion_id": ev.session_id, "sesion": ev.session_label, "fecha_sesion": ev.session_date.isoformat(),
            "acta": ev.acta_code}


@click.group("users")
def users_group() -> None:
    """Usuarios: enlaces de entidades, Secretaría Técnica, revisores, integrantes."""


@users_group.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Nombre completo.")
@click.option("--entity", required=True, help="Código de la entidad (p. ej. MINSA).")
@click.option("--role", required=True, metavar="ROL",
              help=f"Rol: {', '.join(f'«{role_label(r)}»' for r in ROLES)}.")
@click.option("--password", help="Contraseña para la web (si se omite, no podrá iniciar sesión).")
@click.option("--capacity", metavar="CALIDAD", help="Para integrantes de la comisión: titular o alterno.")
@pass_cli
def users_add(c: CliContext, email: str, name: str, entity: str, role: str, password: str | None, capacity: str | None) -> None:
    """Registrar un usuario."""
    from conaig_flow.services import users

    roles = {role_label(r).lower(): r for r in ROLES}
    u = users.add_user(c.app, email, name, entity, roles.get(role.strip().lower(), role), password, capacity)
    click.echo(f"Usuario {u.email} registrado: {u.name}, {role_label(u.role)} de {u.entity}.")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def users_list(c: CliContext, as_json: bool) -> None:
    """Listar los usuarios."""
    from conaig_flow.services import users

    items = users.list_users(c.app)
    if as_json or c.as_json:
        c.emit_json([u.__dict__ for u in items])
        return
    click.echo(table(["Correo", "Nombre", "Entidad", "Rol", "Activo"],
                     [[u.email, u.name, u.entity, role_label(u.role), "sí" if u.active else "no"] for u in items]))


@click.group("audit")
def audit_group() -> None:
    """Auditoría del historial."""


@audit_group.command("verify")
@pass_cli
def audit_verify(c: CliContext) -> None:
    """Comprobar que ningún evento fue modificado, borrado o reordenado."""
    from conaig_flow.services import audit, checkpoints

    result = audit.verify(c.app)
    read, findings = checkpoints.verify(c.app)
    for point in findings:
        click.echo(f"Historial alterado según los puntos de control: {point.describe()}.", err=True)
    if result.first_break is None:
        events = "1 evento" if result.events == 1 else f"{result.events} eventos"
        docs = "1 documento" if result.documents == 1 else f"{result.documents} documentos"
        if not findings:
            click.echo(f"Historial íntegro: {events} de {result.deliverables} entregables y {docs} verificados"
                       + (f", contrastados con {read} puntos de control." if read else "; aún no hay puntos de control."))
            return
    else:
        click.echo(f"Historial alterado: {_finding(result.first_break)}.", err=True)
        others = [f for f in result.findings if f != result.first_break]
        if others:
            click.echo(f"Otros hallazgos ({len(others)}):", err=True)
            for other in others[:20]:
                click.echo(f"  - {_finding(other)}.", err=True)
            if len(others) > 20:
                click.echo(f"  … y {len(others) - 20} más.", err=True)
    raise click.exceptions.Exit(1)


def _finding(b: ChainBreak) -> str:
    if b.deliverable_id is None:
        return str(b.reason)
    if b.event_id is not None:
        where = f"evento {b.event_id} (N° {b.seq})"
    elif b.seq is not None:
        where = f"evento N° {b.seq}"
    else:
        where = "final de la cadena" if "cadena" in b.reason or "estado" in b.reason else "datos del entregable"
    return f"entregable {b.deliverable_id}, {where}: {b.reason}"


@audit_group.command("sessions")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def audit_sessions(c: CliContext, as_json: bool) -> None:
    """Aprobaciones y acuerdos sin respaldo en el acuerdo de una sesión concluida.

    Lista cada aprobación en sesión (y cada acuerdo que no aprueba) del historial cuyo
    respaldo no es un acuerdo de una sesión concluida sobre ese entregable, p. ej. las
    registradas a mano por versiones anteriores. Termina con código 1 si encuentra alguna."""
    from conaig_flow.services.sessions.evidence import audit_sessions as run_audit

    result = run_audit(c.app)
    if as_json or c.as_json:
        c.emit_json({"revisados": result.checked, "sin_respaldo": [u.to_json() for u in result.unbacked]})
    elif not result.unbacked:
        steps = "1 paso" if result.checked == 1 else f"{result.checked} pasos"
        click.echo(f"Todas las aprobaciones y acuerdos en sesión tienen su acuerdo de sesión concluida ({steps} revisados).")
    else:
        n = len(result.unbacked)
        click.echo(f"{n} {'paso' if n == 1 else 'pasos'} sin respaldo en el acuerdo de una sesión concluida "
                   f"(de {result.checked} revisados):", err=True)
        click.echo(table(["Entregable", "Actividad", "Responsable", "Evento", "Acción", "Cuándo", "Quién", "Problema"],
                         [[u.deliverable_id, u.activity, u.owner, u.seq, u.label, fecha_hora(u.at), u.actor_email,
                           u.problem] for u in result.unbacked]))
    if result.unbacked:
        raise click.exceptions.Exit(1)


@audit_group.command("refused")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def audit_refused(c: CliContext, limit: int, as_json: bool) -> None:
    """Intentos rechazados (quién, qué, por qué)."""
    from conaig_flow.services import audit

    items = audit.refused_attempts(c.app, limit)
    if as_json or c.as_json:
        c.emit_json([i.__dict__ for i in items])
        return
    click.echo(table(["Cuándo", "Quién", "Rol", "Acción", "Sobre", "Motivo"],
                     [[i.at[:19], i.actor_email, role_label(i.actor_role), i.action, i.target, shorten(i.reason.replace("\n", " "), 70)] for i in items]))


@click.group("lifecycle")
def lifecycle_group() -> None:
    """Ciclos de vida de los productos."""


@lifecycle_group.command("diagram")
@click.argument("kind")
@pass_cli
def lifecycle_diagram(c: CliContext, kind: str) -> None:
    """Diagrama de estados en Mermaid."""
    from conaig_flow.rendering.diagram import mermaid

    lcs = c.app.definitions().lifecycles
    if kind not in lcs:
        raise NotFound(f"No hay ciclo de vida «{kind}». Tipos: {', '.join(sorted(lcs))}.")
    click.echo(mermaid(lcs[kind]))


@lifecycle_group.command("list")
@pass_cli
def lifecycle_list(c: CliContext) -> None:
    """Tipos de producto y sus ciclos de vida."""
    lcs = c.app.definitions().lifecycles
    click.echo(table(["Tipo", "Nombre", "Estados", "Acciones"],
                     [[k, lc.name, len(lc.states), len(lc.transitions)] for k, lc in sorted(lcs.items())]))
    for _kind, lc in sorted(lcs.items()):
        names = dict.fromkeys(action_name(t.label) for t in lc.transitions if set(t.roles) - {"system"})
        click.echo(f"{lc.name}: {', '.join(names)}")


@audit_group.command("checkpoint")
@pass_cli
def audit_checkpoint(c: CliContext) -> None:
    """Escribir ahora un punto de control de auditoría (fuera de la base de datos, firmado)."""
    from conaig_flow.services import checkpoints

    point = checkpoints.write(c.app, "a pedido")
    click.echo(f"Punto de control {point.label}: {point.leaves} cadenas y registros.")


@audit_group.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Archivo JSON de salida.")
@pass_cli
def audit_export(c: CliContext, out: Path) -> None:
    """Exportar los puntos de control y la clave pública para que un tercero los conserve."""
    from conaig_flow.cli.signatures import write_file
    from conaig_flow.services import checkpoints

    content = checkpoints.export(c.app)
    write_file(out, content)
    click.echo(f"Puntos de control exportados en {out} ({len(content)} bytes).")
