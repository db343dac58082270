"""Project-wide pytest settings."""

from hypothesis import HealthCheck, settings

# Timing varies on a shared 2-core machine under xdist; a deadline would make property
# tests flaky without telling us anything about correctness.
settings.register_profile(
    "qamqor", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.load_profile("qamqor")
