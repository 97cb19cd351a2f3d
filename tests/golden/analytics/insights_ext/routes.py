"""Extra routes: yours. specfoundry created this file once and never overwrites it.

Every route you add must authenticate and declare its action:
``principal: Annotated[Principal, Depends(Authorize(entity, action))]`` (``Authorize``,
``SessionDep`` and the other dependencies are in ``insights.deps``); the generated test
suite fails on a route without it.
"""

from __future__ import annotations

from fastapi import FastAPI


def register(app: FastAPI) -> None:
    """Add your routers: ``app.include_router(my_router)``."""
