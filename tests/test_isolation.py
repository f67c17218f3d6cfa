"""Multi-tenant mode: developers never read, list, change, delete or reset one another's users, through the API
or the controls, even working on the same user ids at the same time."""

import json
import threading
import uuid

import pytest

from conftest import API_KEY, AUTH, USER_ID, upsert
from servers import Client

DEVELOPERS = [str(uuid.UUID(int=number << 96)) for number in range(1, 5)]
SHARED_IDS = [str(uuid.UUID(int=number)) for number in range(1, 11)]
CREATED_PER_DEVELOPER = 20


def work(server, developer, created, failures):
    """Everything a developer can do, on ids every other developer uses too."""
    client = Client(server, {"X-Developer-Id": developer})
    name = f"Dev{DEVELOPERS.index(developer)}"

    def expect(status, method, path, body=None):
        answer = client.request(method, path, body)
        if answer[0] != status:
            failures.append((developer, method, path, answer))
        return json.loads(answer[1])

    try:
        for user_id in SHARED_IDS:
            expect(201, "POST", f"/users/{user_id}", {"name": name, "metadata": {"owner": developer}})
            expect(200, "PUT", f"/users/{user_id}", {"name": name, "about": "put", "metadata": {"owner": developer}})
            expect(200, "PATCH", f"/users/{user_id}", {"about": f"patched by {name}"})
        for _ in range(CREATED_PER_DEVELOPER):
            created.append(expect(201, "POST", "/users", {"name": name, "metadata": {"owner": developer}})["id"])
        expect(202, "DELETE", f"/users/{SHARED_IDS[0]}")
    finally:
        client.close()


@pytest.mark.live
def test_developers_at_work_together_never_meet(start_server):
    server = start_server("production", AGENTS_API_MULTI_TENANT_MODE="true")
    created = {developer: [] for developer in DEVELOPERS}
    failures = []
    threads = [threading.Thread(target=work, args=(server, developer, created[developer], failures)) for developer in DEVELOPERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    for number, developer in enumerate(DEVELOPERS):
        client = Client(server, {"X-Developer-Id": developer})
        own = set(SHARED_IDS[1:] + created[developer])
        status, text = client.request("GET", "/users?limit=100")
        listed = json.loads(text)["items"]
        assert status == 200
        assert {user["id"] for user in listed} == own
        assert {(user["name"], user["metadata"]["owner"]) for user in listed} == {(f"Dev{number}", developer)}
        for user_id in SHARED_IDS[1:]:
            assert json.loads(client.request("GET", f"/users/{user_id}")[1])["about"] == f"patched by Dev{number}"
        assert client.request("GET", f"/users/{SHARED_IDS[0]}")[0] == 404
        others = [user_id for other in DEVELOPERS if other != developer for user_id in created[other]]
        for user_id in others[:: len(others) // 10]:
            for method, body in [("GET", None), ("PUT", {"name": "Thief"}), ("PATCH", {"name": "Thief"}), ("DELETE", None)]:
                assert client.request(method, f"/users/{user_id}", body)[0] == 404, (method, user_id)
        client.close()

    # After all those attempts, everyone still has everything.
    for developer in DEVELOPERS:
        client = Client(server, {"X-Developer-Id": developer})
        listed = json.loads(client.request("GET", "/users?limit=100")[1])["items"]
        assert len(listed) == len(SHARED_IDS) - 1 + CREATED_PER_DEVELOPER
        assert {user["metadata"]["owner"] for user in listed} == {developer}
        client.close()


def test_a_developers_controls_reach_only_their_own_users(multi_tenant_client):
    client = multi_tenant_client
    alice, bob = DEVELOPERS[:2]
    as_alice, as_bob = {**AUTH, "X-Developer-Id": alice}, {**AUTH, "X-Developer-Id": bob}
    for headers, name in ((as_alice, "Alice"), (as_bob, "Bob")):
        assert client.post(f"/users/{USER_ID}", json={"name": name}, headers=headers).status_code == 201

    def developers(path, headers):
        return [item["developer_id"] for item in client.get(path, headers=headers).get_json()["items"]]

    assert developers("/_double/users", as_bob) == [bob]
    assert developers("/_double/requests", as_bob) == [bob]
    for method, path, body in [
        ("POST", f"/_double/reset?developer_id={alice}", None),
        ("GET", f"/_double/requests?developer_id={alice}", None),
        ("POST", "/_double/users", {"items": [{"developer_id": alice, "id": USER_ID, "name": "Mallory"}]}),
        ("POST", "/_double/users", {"items": [{"id": USER_ID, "name": "Mallory"}]}),
    ]:
        response = client.open(path, method=method, json=body, headers=as_bob)
        assert (response.status_code, response.get_json()) == (400, {"detail": "Invalid developer ID"}), path
    assert client.post("/_double/reset", headers=as_bob).status_code == 204
    assert client.post(f"/users/{USER_ID}", json={"name": "Bob"}, headers=as_bob).status_code == 201
    assert client.delete("/_double/requests", headers=as_bob).status_code == 204

    assert client.get(f"/users/{USER_ID}", headers=as_alice).get_json()["name"] == "Alice"
    assert developers("/_double/requests", as_alice) == [alice] * 2
    # A harness, sending no developer, still sees and resets everyone.
    assert developers("/_double/users", AUTH) == [alice, bob]
    assert client.post("/_double/reset", headers=AUTH).status_code == 204
    assert developers("/_double/users", AUTH) == []


@pytest.mark.parametrize("developer", [None, "", "not-a-uuid", "1234"])
def test_multi_tenant_mode_needs_a_developer_uuid(multi_tenant_client, developer):
    headers = dict(AUTH) if developer is None else {**AUTH, "X-Developer-Id": developer}
    response = upsert(multi_tenant_client, headers=headers)
    assert (response.status_code, response.get_json()) == (400, {"detail": "Invalid developer ID"})


def test_same_user_id_under_two_developers_is_two_users(multi_tenant_client):
    developer_a = {**AUTH, "X-Developer-Id": DEVELOPERS[0]}
    developer_b = {**AUTH, "X-Developer-Id": DEVELOPERS[1]}
    first_a = upsert(multi_tenant_client, headers=developer_a, name="A").get_json()
    first_b = upsert(multi_tenant_client, headers=developer_b, name="B").get_json()
    assert first_b["created_at"] != first_a["created_at"]
    again_a = upsert(multi_tenant_client, headers=developer_a, name="A2").get_json()
    assert again_a["created_at"] == first_a["created_at"]


def test_single_tenant_mode_ignores_the_developer_header(client):
    assert upsert(client, headers={**AUTH, "X-Developer-Id": "junk"}).status_code == 201


def key_of(developer):
    return {"Authorization": f"Bearer {API_KEY}:{developer}"}


def test_a_key_that_names_a_developer_acts_for_them_without_the_header(multi_tenant_client):
    alice, bob = DEVELOPERS[:2]
    assert upsert(multi_tenant_client, headers=key_of(alice), name="Alice").status_code == 201
    assert multi_tenant_client.get(f"/users/{USER_ID}", headers={**AUTH, "X-Developer-Id": alice}).get_json()["name"] == "Alice"
    response = multi_tenant_client.get(f"/users/{USER_ID}", headers=key_of(bob))
    assert (response.status_code, response.get_json()) == (404, {"detail": "User not found during get"})
    assert [user["developer_id"] for user in multi_tenant_client.get("/_double/users", headers=key_of(alice)).get_json()["items"]] == [alice]
    assert multi_tenant_client.post("/_double/reset", headers=key_of(bob)).status_code == 204
    assert upsert(multi_tenant_client, headers={**AUTH, "X-Developer-Id": alice}, name="Alice").status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {API_KEY}:not-a-uuid"},
        {**key_of(DEVELOPERS[0]), "X-Developer-Id": DEVELOPERS[1]},
    ],
)
def test_a_key_naming_no_uuid_or_another_developer_than_the_header_is_invalid(multi_tenant_client, headers):
    response = upsert(multi_tenant_client, headers=headers)
    assert (response.status_code, response.get_json()) == (400, {"detail": "Invalid developer ID"})


def test_single_tenant_mode_takes_no_developer_key(client):
    response = upsert(client, headers=key_of(DEVELOPERS[0]))
    assert (response.status_code, response.get_json()) == (403, {"detail": "Could not validate API KEY"})


# Faults and the clock in multi-tenant mode: a developer's own, a harness's everyone's.


def statuses_and_developers(client, headers):
    return [(entry["status"], entry["developer_id"]) for entry in client.get("/_double/requests", headers=headers).get_json()["items"]]


def test_a_developers_fault_plays_only_on_their_requests_and_is_journaled_as_theirs(multi_tenant_client):
    client = multi_tenant_client
    alice, bob = DEVELOPERS[:2]
    response = client.post("/_double/faults", json={"path": "/users", "status": 429}, headers=key_of(alice))
    assert (response.status_code, response.get_json()["developer_id"]) == (201, alice)

    assert client.get("/users", headers=key_of(bob)).status_code == 200
    response = client.get("/users", headers=key_of(alice))
    assert (response.status_code, response.get_json()) == (429, {"detail": "Too Many Requests"})
    assert client.get("/users", headers=key_of(alice)).status_code == 200

    assert statuses_and_developers(client, key_of(alice)) == [(429, alice), (200, alice)]
    assert statuses_and_developers(client, key_of(bob)) == [(200, bob)]


def test_a_fault_plays_on_the_developer_a_request_names_before_its_key_is_checked(multi_tenant_client):
    client = multi_tenant_client
    alice = DEVELOPERS[0]
    client.post("/_double/faults", json={"status": 502}, headers=key_of(alice))
    response = client.get("/users", headers={"X-Developer-Id": alice})
    assert (response.status_code, response.get_json()) == (502, {"detail": "Bad Gateway"})
    response = client.get("/users", headers={"X-Developer-Id": alice})
    assert (response.status_code, response.get_json()) == (403, {"detail": "Could not validate API KEY"})
    assert statuses_and_developers(client, AUTH) == [(502, alice), (403, None)]


def test_a_harness_fault_plays_on_every_developers_requests(multi_tenant_client):
    client = multi_tenant_client
    alice, bob = DEVELOPERS[:2]
    client.post("/_double/faults", json={"status": 503, "times": 2}, headers=AUTH)
    assert [client.get("/users", headers=key_of(developer)).status_code for developer in (alice, bob, alice)] == [503, 503, 200]


def test_a_developer_lists_and_clears_only_their_own_faults_and_a_harness_all(multi_tenant_client):
    client = multi_tenant_client
    alice, bob = DEVELOPERS[:2]
    for headers in (AUTH, key_of(alice), key_of(bob)):
        client.post("/_double/faults", json={"status": 500}, headers=headers)

    def armed(headers):
        return [fault["developer_id"] for fault in client.get("/_double/faults", headers=headers).get_json()["items"]]

    assert armed(key_of(alice)) == [alice]
    assert armed(AUTH) == [None, alice, bob]
    assert client.delete("/_double/faults", headers=key_of(alice)).status_code == 204
    assert armed(AUTH) == [None, bob]
    assert client.delete("/_double/faults", headers=AUTH).status_code == 204
    assert armed(AUTH) == []


def test_a_developers_frozen_clock_dates_their_writes_and_ids_only(multi_tenant_client):
    client = multi_tenant_client
    alice, bob = DEVELOPERS[:2]
    response = client.post("/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=key_of(alice))
    assert (response.status_code, response.get_json()) == (200, {"now": "2030-01-01T00:00:00Z"})

    assert client.post("/users", json={}, headers=key_of(bob)).get_json()["created_at"] < "2030"
    created = client.post("/users", json={}, headers=key_of(alice)).get_json()
    assert (created["id"], created["created_at"]) == ("01b8dac5-b400-7000-8000-000000000001", "2030-01-01T00:00:00Z")
    # Bob's own clock counts his own ids: his first is the same as Alice's first, a user of another developer.
    client.post("/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=key_of(bob))
    assert client.post("/users", json={}, headers=key_of(bob)).get_json()["id"] == "01b8dac5-b400-7000-8000-000000000001"
    assert client.post("/users", json={}, headers=key_of(alice)).get_json()["id"] == "01b8dac5-b400-7000-8000-000000000002"


def test_a_developers_reset_clears_their_faults_and_clock_and_no_one_elses(multi_tenant_client):
    client = multi_tenant_client
    alice, bob = DEVELOPERS[:2]
    for developer in (alice, bob):
        client.post("/_double/faults", json={"path": "/users/*", "status": 500}, headers=key_of(developer))
        client.post("/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=key_of(developer))
        client.post("/users", json={}, headers=key_of(developer))
    assert client.post("/_double/reset", headers=key_of(alice)).status_code == 204

    assert client.get("/_double/faults", headers=key_of(alice)).get_json() == {"items": []}
    assert upsert(client, headers=key_of(alice)).get_json()["created_at"] < "2030"
    assert upsert(client, headers=key_of(bob)).status_code == 500
    assert upsert(client, headers=key_of(bob)).get_json()["created_at"] == "2030-01-01T00:00:00Z"
    # With no user of hers left, Alice's count of frozen ids starts again; Bob's goes on.
    client.post("/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=key_of(alice))
    assert client.post("/users", json={}, headers=key_of(alice)).get_json()["id"] == "01b8dac5-b400-7000-8000-000000000001"
    assert client.post("/users", json={}, headers=key_of(bob)).get_json()["id"] == "01b8dac5-b400-7000-8000-000000000002"


def test_a_harness_clock_is_everyones_under_a_developers_own(multi_tenant_client):
    client = multi_tenant_client
    alice, bob = DEVELOPERS[:2]

    def created_at(developer):
        return client.post("/users", json={}, headers=key_of(developer)).get_json()["created_at"]

    client.post("/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=AUTH)
    assert (created_at(alice), created_at(bob)) == ("2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z")
    # Alice moves the clock she sees, which is then her own.
    response = client.post("/_double/clock", json={"advance_seconds": 60}, headers=key_of(alice))
    assert response.get_json() == {"now": "2030-01-01T00:01:00Z"}
    assert (created_at(alice), created_at(bob)) == ("2030-01-01T00:01:00Z", "2030-01-01T00:00:00Z")
    assert client.delete("/_double/clock", headers=key_of(alice)).status_code == 204
    assert created_at(alice) == "2030-01-01T00:00:00Z"
    client.post("/_double/clock", json={"now": "2031-01-01T00:00:00Z"}, headers=key_of(bob))
    assert client.delete("/_double/clock", headers=AUTH).status_code == 204
    assert (created_at(alice) < "2030", created_at(bob) < "2030") == (True, True)
    response = client.post("/_double/clock", json={"advance_seconds": 1}, headers=key_of(alice))
    assert (response.status_code, response.get_json()) == (409, {"detail": "The clock is not frozen"})
