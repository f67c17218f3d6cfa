"""julep-users-double: a small, exact, fast test double of the Julep agents API's Users resource."""

__version__ = "0.1.0"
