"""Deliverables: listing, reading and advancing them, their records, the working calendar and
the per-entity calendar feed."""
