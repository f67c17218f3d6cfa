"""The double's clock: the real time, unless a test froze it (POST /_double/clock), for everyone or, in multi-tenant
mode, for one developer."""

import time
import uuid

import uuid6
from flask import g

from ..controls import db as double_db
from .pipeline import current_call


def frozen_now():
    """The frozen time in microseconds, or None: as an API request read it at its start, else from the database."""
    call = current_call()
    return double_db.frozen_now(g.get("acting_developer")) if call is None else call.frozen_now


def clock_owner():
    """Whose clock and count of frozen ids: the developer an API request names or a control acts for (multi-tenant
    mode); None: everyone's."""
    call = current_call()
    return g.get("acting_developer") if call is None else call.named_developer


def now_micros():
    """Microseconds since the epoch."""
    frozen = frozen_now()
    return time.time_ns() // 1000 if frozen is None else frozen


def moments():
    """The current time in microseconds, read anew at each next(): as many `utcnow()`s as asked for, cheaply."""
    frozen = frozen_now()
    while True:
        yield time.time_ns() // 1000 if frozen is None else frozen


def new_uuid7():
    """A new time-ordered UUIDv7.

    Under a frozen clock it is made of the frozen time and a count of the ids made
    under frozen clocks since the last full reset (a developer's: since their reset),
    instead of random bits: the same test then gets the same ids on every run, and
    the count never gives a developer an id twice.
    """
    frozen = frozen_now()
    count = None if frozen is None else double_db.count_frozen_id(clock_owner())
    if count is None:
        return uuid6.uuid7()
    millis, micros = divmod(frozen, 1000)
    return uuid.UUID(int=millis << 80 | 0x7 << 76 | micros << 64 | 0b10 << 62 | count)
