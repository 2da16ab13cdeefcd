"""Typed access to what the composition root (impl/app.py) keeps on `app.state`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from impl.settings import Settings


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
