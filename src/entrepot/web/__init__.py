"""The HTTP API: a thin shell over governance, rights, access and disclosure.

Deny by default: every route names the permission it needs (`authorization.MATRIX`), and
`create_app` refuses to start if a route outside `PUBLIC` names none.
"""

from entrepot.web.app import create_app
from entrepot.web.settings import Settings

__all__ = ["Settings", "create_app"]
