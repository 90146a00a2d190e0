"""Read models the web pages use (and nothing else): dashboard, deliverable page, sessions,
reports offered for download, the outbox seen by the secretariat, sign-in and user administration."""
