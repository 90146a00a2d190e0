"""The pure core: plan and lifecycle models, the state engine, planning of deliverables,
the audit chain. Imports only the standard library, pydantic, transitions and itself."""
