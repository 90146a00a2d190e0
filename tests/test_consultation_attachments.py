"""Contributors' attachments reach the Technical Secretariat: linked on the consultation page
and in the exported matrix (XLSX and DOCX), downloadable by the Secretariat and the
administration only."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook

from conaig_flow.bootstrap import App
from conaig_flow.services.consultation import contributions
from conaig_flow.web import create_app
from tests.conftest import pdf_bytes
from tests.test_web_authz import consultation_world
from tests.web_support import PEOPLE, add_web_people, client, sign_in


def test_the_secretariat_sees_and_downloads_a_contributors_attachment_and_the_matrix_links_it(app: App) -> None:
    add_web_people(app)
    world = consultation_world(app)
    cid = world["consultation_id"]
    content = pdf_bytes("anexo con datos del diagnóstico")
    got = contributions.submit(app, cid, text="Vea el anexo", name="Rosa Huamán", organisation="Vecinas de Juli",
                               email="rosa@example.pe", attachment=("anexo-diagnóstico.pdf", content))
    web = create_app(app)
    st, _ = sign_in(web, PEOPLE["secretariat"])
    page = st.get(f"/consultas/{cid}").text
    link = f"/consultas/{cid}/aportes/{got.id}/adjunto"
    assert f'href="{link}"' in page and "anexo-diagnóstico.pdf" in page
    r = st.get(link)
    assert r.status_code == 200 and r.content == content
    assert "attachment" in r.headers["content-disposition"] and r.headers["content-type"] == "application/octet-stream"
    admin, _ = sign_in(web, PEOPLE["admin"])
    assert admin.get(link).content == content
    for who in ("officer", "member", "reviewer"):
        c, _ = sign_in(web, PEOPLE[who])
        assert c.get(link).status_code == 403
    r = client(web).get(link)
    assert r.status_code == 303 and r.headers["location"].startswith("/entrar?")
    assert st.get(f"/consultas/{cid}/aportes/{world['contribution_id']}/adjunto").status_code == 200  # the invited one's
    assert st.get(f"/consultas/{cid + 1}/aportes/{got.id}/adjunto").status_code == 404  # not of that consultation

    # no CONAIG_PUBLIC_URL and nothing served yet: links use serve's default address
    url = f"http://127.0.0.1:8000{link}"
    ws = load_workbook(io.BytesIO(st.get(f"/consultas/{cid}/matriz.xlsx").content)).active
    assert ws is not None and ws.cell(row=4, column=12).value == "Adjunto"
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=8).value == "Vea el anexo")
    cell = ws.cell(row=row, column=12)
    assert cell.value == "anexo-diagnóstico.pdf" and cell.hyperlink is not None and cell.hyperlink.target == url
    doc = Document(io.BytesIO(st.get(f"/consultas/{cid}/matriz.docx").content))
    text = "\n".join(c.text for r in doc.tables[0].rows for c in r.cells)
    assert f"anexo-diagnóstico.pdf ({url})" in text
