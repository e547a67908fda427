"""Builds the pipeline's parts from settings: the classifier, and (when a city is configured) the locator."""
from __future__ import annotations

import logging
from functools import partial
from typing import Any

from gateway.settings import Settings

log = logging.getLogger(__name__)


def load_classifier(settings: Settings) -> Any | None:
    """The trained classifier, or None (every case then waits for an agent) with the reason logged."""
    from classifier import Classifier

    from gateway.location.city import City

    defaults = City.load(settings.city_dir).family_defaults if settings.city_dir else {}
    try:
        return Classifier.load(settings.classifier_model_dir, threshold=settings.intake.classify_threshold,
                               family_defaults=defaults)
    except FileNotFoundError as exc:
        log.error("classifier unavailable, cases will wait for review: %s", exc)
        return None


def load_locator(settings: Settings) -> Any | None:
    """The city's locator (gazetteer, grids), or None when no city is configured."""
    from gateway.location import Locator

    if settings.city_dir is None:
        log.warning("no city_dir configured: reports are placed only by the coordinates they carry")
        return None
    locator = Locator.load(settings.city_dir)
    locator.finder  # build the place tokenizer now, not on the first request
    return locator


def serving_components(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `build_app` in `gateway serve`: the locator (under a second, and every report needs it)
    loaded now; the classifier (seconds) loaded in the background while reports are already taken."""
    return {"locator": load_locator(settings), "classifier_loader": partial(load_classifier, settings)}
