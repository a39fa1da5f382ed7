"""Learning: lessons, progress, reviews, certificates (the learner side of a course)."""
