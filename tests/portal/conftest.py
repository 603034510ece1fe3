from tests.assessments.conftest import ev  # noqa: F401  (evidence fixtures for portal tests)
