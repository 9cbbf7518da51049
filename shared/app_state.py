"""What both services keep on their app (`app.extensions`), under one set of names.

Each service reads it through its own `current_app` (api/limits.py, voice/settings.py); the
keys and types are decided here once.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, cast

from shared.config import Config
from shared.lifecycle import ModelCatalog, catalog_for

CONFIG = "chatbot_config"
MODEL_CATALOG = "model_catalog"


def keep_config(extensions: MutableMapping[str, Any], config: Config) -> None:
    extensions[CONFIG] = config


def config_in(extensions: Mapping[str, Any]) -> Config:
    """The app's live Config (tests may swap it; everything reads it at request time)."""
    return cast(Config, extensions[CONFIG])


def start_catalog(extensions: MutableMapping[str, Any], config: Config) -> None:
    """The model catalog for `config`, reading the upstream's listing in the background."""
    catalog = catalog_for(config)
    catalog.start()
    extensions[MODEL_CATALOG] = catalog


def catalog_in(extensions: Mapping[str, Any]) -> ModelCatalog:
    return cast(ModelCatalog, extensions[MODEL_CATALOG])
