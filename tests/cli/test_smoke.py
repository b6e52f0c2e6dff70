"""The first thing a user does: init a store, add a client, book them, check them in."""

from tests.conftest import tree_digest


def test_book_and_check_in_a_client(bookctl, store):
    contact = bookctl("contact", "add", "--first-name", "Zoë", "--last-name", "Girard", "--email", "zoe@example.com",
                      "--store", store, "--format", "json").json()
    booked = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact["id"],
                     "--start", "2026-11-23 09:00", "--allow-past", "--staff", "giulia-romano",
                     "--store", store, "-f", "json").json()
    assert booked["start"] == "2026-11-23T09:00:00+01:00"
    assert booked["price"] == {"amount": "65.00", "currency": "EUR"}
    checked = bookctl("session", "checkin", booked["id"], "--store", store, "--format", "json")
    assert checked.exit_code == 0
    assert checked.json()["attendance"] == "checked_in"
    listed = bookctl("session", "list", "--store", store, "--format", "json").json()
    assert [(row["id"], row["attendance"]) for row in listed] == [(booked["id"], "checked_in")]


def test_unknown_booking_is_exit_3_and_changes_nothing(bookctl, store):
    before = tree_digest(store)
    result = bookctl("session", "checkin", "b-20261123-99", "--store", store)
    assert result.exit_code == 3
    assert result.stderr == "error: no booking 'b-20261123-99'\n"
    assert tree_digest(store) == before
