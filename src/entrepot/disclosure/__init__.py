"""Disclosure control and output release: what leaves a workspace, and how
(ARCHITECTURE: may import `governance` only)."""
