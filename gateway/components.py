"""Builds the pipeline's parts from settings: the classifier, and (when a city is configured) the locator."""
from __future__ import annotations

import logging
from typing import Any

from gateway.settings import Settings

log = logging.getLogger(__name__)


def load_classifier(settings: Settings) -> Any | None:
    """The trained classifier, or None (every case then waits for an agent) with the reason logged."""
    from classifier import Classifier

    try:
        return Classifier.load(settings.classifier_model_dir, threshold=settings.intake.classify_threshold)
    except FileNotFoundError as exc:
        log.error("classifier unavailable, cases will wait for review: %s", exc)
        return None


def load_components(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `build_app`: the parts that take time to load, loaded once at start-up."""
    return {"classifier": load_classifier(settings)}
