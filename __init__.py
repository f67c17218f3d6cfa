"""julep-users-double: a small, exact, fast test double of the Julep agents API's Users resource."""

__version__ = "0.1.0"
# The prefix of the settings the installed package reads (`serve`, the fixtures): FLASK_* are the team's own
# Flask app's settings, its FLASK_DATABASE their service's database. `flask run` in a checkout reads FLASK_*.
PACKAGE_PREFIX = "JULEP_DOUBLE"
