"""Waiting inside a request (a delay fault, a long poll of the journal) without holding what others need."""

import time

from flask import request

from .. import db

# The production server (server.py) runs a few requests of a worker at a time; it puts here what gives that turn
# up while one waits, and takes it back after.
TURN_GIVEN_UP = "julep_users_double.turn_given_up"


def pause(seconds, woken=None):
    """Wait `seconds`, or until the threading.Event `woken` is set, holding neither the database connection (an
    in-memory database has only one) nor the server's turn."""
    db.return_db()
    wait = time.sleep if woken is None else woken.wait
    turn_given_up = request.environ.get(TURN_GIVEN_UP)
    if turn_given_up is None:
        wait(seconds)
        return
    with turn_given_up():
        wait(seconds)
