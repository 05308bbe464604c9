"""Governance: the metadata database, people and their roles, authentication, projects,
reviews and grants, and the audit trail (ARCHITECTURE: may import `model` only)."""
