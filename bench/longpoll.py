"""What waiting journal reads cost others: `python bench/longpoll.py [--waiters 200]` from the repository root.

Starts the production server (one worker per core) on a free loopback port, then: the median of 200 `POST /users`
one after another with nobody waiting; `--waiters` journal reads that wait (`GET /_double/requests?path=/nowhere&
wait_ms=6000`, which nothing matches); the server's CPU seconds a second while they wait and nothing is written; the
median `POST /users` while they wait; and what the waiting reads were answered.
"""

import argparse
import collections
import http.client
import statistics
import tempfile
import threading
import time

from run import API_KEY, BODY, HEADERS, PRODUCTION, Server

WAIT_MS = 6000


def post_millis(port, count):
    """The milliseconds each of `count` POST /users took, one after another on one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    taken = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("POST", "/users", BODY, HEADERS)
            response = connection.getresponse()
            response.read()
            taken.append((time.perf_counter() - started) * 1000)
            assert response.status == 201, response.status
    finally:
        connection.close()
    return taken


def wait_read(port, statuses):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_MS / 1000 + 10)
    try:
        connection.request("GET", f"/_double/requests?path=/nowhere&wait_ms={WAIT_MS}", headers={"Authorization": f"Bearer {API_KEY}"})
        response = connection.getresponse()
        response.read()
        statuses[response.status] += 1
    except OSError as error:
        statuses[type(error).__name__] += 1
    finally:
        connection.close()


def cpu_per_second(server, seconds):
    before = server.cpu_seconds()
    time.sleep(seconds)
    return (server.cpu_seconds() - before) / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiters", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(PRODUCTION, workdir)
        server.start()
        try:
            post_millis(server.port, 200)  # warm-up
            quiet_ms = statistics.median(post_millis(server.port, 200))
            quiet_cpu = cpu_per_second(server, 2)
            statuses = collections.Counter()
            waiters = [threading.Thread(target=wait_read, args=(server.port, statuses)) for _ in range(args.waiters)]
            for waiter in waiters:
                waiter.start()
            time.sleep(1)  # all of them are waiting now
            waiting_cpu = cpu_per_second(server, 2)
            waiting_taken = post_millis(server.port, 200)
            for waiter in waiters:
                waiter.join()
        finally:
            server.stop()
    print(f"POST /users median, nobody waiting:     {quiet_ms:8.2f} ms")
    print(f"server CPU s/s, nobody waiting:         {quiet_cpu:8.3f}")
    print(f"server CPU s/s, {args.waiters} waiting:            {waiting_cpu:8.3f}")
    print(f"POST /users median, {args.waiters} waiting:        {statistics.median(waiting_taken):8.2f} ms"
          f" (p90 {statistics.quantiles(waiting_taken, n=10)[-1]:.1f}, max {max(waiting_taken):.1f} ms)")
    print(f"the waiting reads' answers:             {dict(statuses)}")


if __name__ == "__main__":
    main()
