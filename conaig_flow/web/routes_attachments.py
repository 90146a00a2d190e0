"""Contributors' attachments to a consultation's contributions, for the Technical Secretariat
(the consultation page and the exported matrix link here; services.consultation checks who)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from conaig_flow.services.consultation import contributions
from conaig_flow.web.deps import RowId, Session, conaig

router = APIRouter(include_in_schema=False)


@router.get("/consultas/{consultation_id}/aportes/{contribution_id}/adjunto")
def contribution_attachment(request: Request, session: Session, consultation_id: RowId, contribution_id: RowId) -> Response:
    request.state.audited = True  # attachment() records its own refusals
    name, content = contributions.attachment(conaig(request), session.actor, consultation_id, contribution_id)
    # always a download, never shown inline: the file comes from outside the commission
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
