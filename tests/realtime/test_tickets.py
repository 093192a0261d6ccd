"""WebSocket tickets: one use, short life, bound to a user, organization and session."""

from __future__ import annotations

from guichet.realtime.tickets import TicketBook, TicketGrant


def test_ticket_redeems_once_for_whom_it_was_issued() -> None:
    book = TicketBook()
    ticket = book.issue(org_id=1, user_id=10, token_id=100)
    assert ticket.startswith("gwt_") and len(ticket) > 40
    assert book.redeem(ticket) == TicketGrant(org_id=1, user_id=10, token_id=100)
    assert book.redeem(ticket) is None


def test_ticket_expires_after_its_lifetime() -> None:
    now = [0.0]
    book = TicketBook(ttl_s=30, clock=lambda: now[0])
    early = book.issue(org_id=1, user_id=10, token_id=100)
    late = book.issue(org_id=1, user_id=10, token_id=100)
    now[0] = 29.9
    assert book.redeem(early) is not None
    now[0] = 30.0
    assert book.redeem(late) is None


def test_only_digests_are_kept_and_expired_tickets_are_forgotten() -> None:
    now = [0.0]
    book = TicketBook(ttl_s=30, clock=lambda: now[0])
    ticket = book.issue(org_id=1, user_id=10, token_id=100)
    assert ticket not in repr(vars(book))
    now[0] = 31.0
    book.issue(org_id=1, user_id=11, token_id=101)
    assert len(book) == 1


def test_forged_or_foreign_strings_are_refused() -> None:
    book = TicketBook()
    book.issue(org_id=1, user_id=10, token_id=100)
    for forged in ("", "gwt_", "gwt_" + "A" * 43, "gch_session-token", "gwt_" + "x" * 500):
        assert book.redeem(forged) is None


def test_the_book_is_bounded_oldest_tickets_go_first() -> None:
    book = TicketBook(max_tickets=2)
    first = book.issue(org_id=1, user_id=10, token_id=100)
    second = book.issue(org_id=1, user_id=10, token_id=100)
    third = book.issue(org_id=1, user_id=10, token_id=100)
    assert len(book) == 2
    assert book.redeem(first) is None
    assert book.redeem(second) is not None and book.redeem(third) is not None
