"""Credit score properties: bounded, deterministic, and never lowered by more on-time positive net
flow history (more transactions whose credits are at least their debits)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.transactions.credit_score import band, credit_score

cents = st.integers(min_value=0, max_value=10**14)
history = st.tuples(st.integers(0, 10**6), cents, cents, st.integers(0, 10**5))


@st.composite
def positive_flow(draw):
    """Added history: n >= 1 transactions, credits >= debits, k >= 0 new active days."""
    debit = draw(cents)
    credit = debit + draw(cents)
    return draw(st.integers(1, 10**4)), credit, debit, draw(st.integers(0, 10**3))


@settings(max_examples=400)
@given(history, positive_flow())
def test_more_positive_net_flow_history_never_lowers_the_score(base, added):
    count, credit, debit, days = base
    n, more_credit, more_debit, more_days = added
    before = credit_score(count, credit, debit, days)["score"]
    after = credit_score(count + n, credit + more_credit, debit + more_debit, days + more_days)["score"]
    assert after >= before


@given(history)
def test_bounded_and_deterministic(base):
    first, second = credit_score(*base), credit_score(*base)
    assert first == second
    assert 300 <= first["score"] <= 850 and first["band"] == band(first["score"])
    assert sum(f["points"] for f in first["factors"]) in range(first["score"] - 302, first["score"] - 297)


def test_extremes_and_bands():
    assert credit_score(0, 0, 0, 0)["score"] == 410  # only "no debits" counts
    assert credit_score(50, 1_000_000, 0, 60)["score"] == 850
    assert credit_score(0, 0, 10_000, 0)["score"] == 300
    assert [band(s) for s in (300, 579, 580, 669, 670, 739, 740, 799, 800, 850)] == [
        "poor",
        "poor",
        "fair",
        "fair",
        "good",
        "good",
        "very_good",
        "very_good",
        "excellent",
        "excellent",
    ]
