"""Documents people read and print (actas, convocatorias): Jinja2 templates written in a
small Markdown subset, turned into Markdown, HTML, DOCX (python-docx) and PDF (fpdf2)."""
