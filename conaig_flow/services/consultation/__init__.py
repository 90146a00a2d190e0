"""The consultation on a deliverable: consultations and invitations, contributions and their
answers, organisations, the emails they cause and the systematisation matrix (XLSX, DOCX)."""
