"""The major-class head: trained, stored and loaded with the model, and its probabilities combined as documented."""

from __future__ import annotations

import numpy as np

from classifier import Classifier
from classifier.corpus import OUT_OF_SCOPE
from classifier.features import featurize
from classifier.model import LinearModel, log_softmax, softmax
from classifier.tables import load_tables
from classifier.text import normalize


def test_the_trained_model_has_a_head_over_the_majors_of_its_classes(session_classifier: Classifier) -> None:
    model = session_classifier.model
    head = model.head
    assert head is not None
    tables = load_tables()
    assert [head.majors[i] for i in head.of_class] == [c if c == OUT_OF_SCOPE else tables.major_of(c) for c in model.classes]
    assert OUT_OF_SCOPE in model.classes, "texts outside the standard are a label, and a major, of their own"
    assert {"event:市容环境", "event:街面秩序", "component:公用设施"} <= set(head.majors)
    assert head.weights.shape == (len(model.vocabulary.names), len(head.majors))


def test_probabilities_are_the_classes_times_their_majors_renormalised(session_classifier: Classifier) -> None:
    model = session_classifier.model
    assert model.head is not None
    text = normalize("小区门口的路边摊把人行道全占了，老人推着轮椅只能走到马路上")
    idx, vals = model.vocabulary.vector(featurize(session_classifier.segmenter, text, model.config))
    own = softmax(vals @ model.weights[idx] / model.temperature + model.intercept / model.temperature)
    majors = softmax(vals @ model.head.weights[idx] / model.head.temperature + model.head.intercept / model.head.temperature)
    expected = own * majors[model.head.of_class] ** model.head.weight
    expected /= expected.sum()
    assert np.allclose(model.probabilities(idx, vals), expected, atol=1e-5)
    assert not np.allclose(own, expected, atol=1e-3), "the head changed nothing"


def test_a_model_without_a_head_is_the_classes_alone(session_classifier: Classifier) -> None:
    model = session_classifier.model
    alone = LinearModel(model.classes, model.vocabulary, model.weights, model.intercept, model.temperature, model.config)
    idx, vals = model.vocabulary.vector(featurize(session_classifier.segmenter, normalize("井盖不见了"), model.config))
    scores = vals @ model.scaled_weights[idx] + model.scaled_intercept
    assert np.allclose(alone.probabilities(idx, vals), np.exp(log_softmax(scores)), atol=1e-6)
    assert np.allclose(alone.feature_weights(idx, 3), model.scaled_weights[idx, 3])
