"""What a user's test suite meets: JulepDouble, the pytest plugin, the session's server.

`julep_users_double.testing.JulepDouble` (and `InProcessDoubles`, `ControlRefused`) are loaded on first use: the
plugin, which pytest loads in every session, lives in this package and imports nothing heavier than pytest.
"""

PUBLIC = ("JulepDouble", "InProcessDoubles", "ControlRefused")


def __getattr__(name):
    if name in PUBLIC:
        from . import julep_double

        return getattr(julep_double, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
