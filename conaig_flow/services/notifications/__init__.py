"""What to tell whom and when: the reminder sweep and forecast, and the notices a deliverable's
state change or a session's convocatoria put in the outbox (``notify`` delivers them)."""
