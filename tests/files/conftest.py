from tests.assessments.conftest import ev  # noqa: F401  (files are stored under an evidence request)
