"""Location and duplicate scoring for the intake gateway."""
