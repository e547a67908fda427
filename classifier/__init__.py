"""Complaint classification into the national code editions: jieba segmentation, a linear model, rules."""

from classifier.core import Candidate, Classification, Classifier
from classifier.rendering import render_classification
from classifier.rules import Rule
from classifier.tables import ClassCode, CodeTables, load_tables

__all__ = ["Candidate", "ClassCode", "Classification", "Classifier", "CodeTables", "Rule", "load_tables",
           "render_classification"]
