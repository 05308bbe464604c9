"""The FastAPI application: routers, error mapping, and the deny-by-default guard."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from entrepot.governance import errors
from entrepot.web.routes import (
    audit_trail,
    authentication,
    data,
    organisations,
    outputs,
    projects,
    public,
    registry,
)
from entrepot.web.settings import Settings

#: Routes anyone may call: health, logging in, and the public list of projects.
PUBLIC = frozenset({("GET", "/health"), ("POST", "/auth/login"), ("GET", "/public/projects")})

ROUTERS = tuple(
    module.router
    for module in (
        public,
        authentication,
        organisations,
        projects,
        registry,
        data,
        outputs,
        audit_trail,
    )
)

STATUS = {
    errors.NotAuthenticated: 401,
    errors.Refused: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Invalid: 422,
}


def create_app(settings: Settings) -> FastAPI:
    """The API over one warehouse home and metadata database."""
    app = FastAPI(
        title="entrepot",
        summary="Governed access to an oncology real-world-data warehouse",
        version="0.1.0",
    )
    app.state.settings = settings
    unguarded = [r for r, permission in route_permissions().items() if permission is None]
    if unguarded:
        raise RuntimeError(f"routes without a permission (deny by default): {unguarded}")
    for router in ROUTERS:
        app.include_router(router)
    for error, status in STATUS.items():
        app.add_exception_handler(error, _handler(status))
    return app


def route_permissions() -> dict[tuple[str, str], str | None]:
    """Each (method, path) of the API and the permission it requires (None: unguarded).

    Public routes map to "public".
    """
    found = {}
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute), route
            for method in sorted(route.methods):
                key = (method, route.path)
                found[key] = "public" if key in PUBLIC else _permission(route.dependant)
    return found


def _permission(dependant) -> str | None:
    for dependency in dependant.dependencies:
        permission = getattr(dependency.call, "permission", None) or _permission(dependency)
        if permission:
            return permission
    return None


def _handler(status: int):
    async def handle(_request: Request, error: Exception) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": str(error)}, status_code=status, headers=headers)

    return handle
