"""The credit score: a pure, deterministic function of a user's all-time figures.

score = 300 + round_half_up(550 * sum(weight * factor)), each factor in [0, 1]:

| factor          | weight | value                                                   |
|-----------------|--------|---------------------------------------------------------|
| net_flow        | 0.40   | min(1, max(0, credits - debits) / 10,000.00)            |
| history_length  | 0.25   | min(1, transactions / 50)                               |
| activity        | 0.15   | min(1, active days / 60)                                |
| spending_cover  | 0.20   | 1 when debits are 0, else min(1, credits / debits)      |

Every factor is non-decreasing when history with credits >= debits is added (more transactions,
as many or more active days, net flow up, and credits/debits can only move toward or stay above 1),
so more on-time positive net flow never lowers the score. See docs/credit-score.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NET_TARGET_CENTS = 1_000_000  # 10,000.00
HISTORY_TARGET = 50
ACTIVITY_TARGET_DAYS = 60
WEIGHTS = {
    "net_flow": Decimal("0.40"),
    "history_length": Decimal("0.25"),
    "activity": Decimal("0.15"),
    "spending_cover": Decimal("0.20"),
}
BANDS = ((800, "excellent"), (740, "very_good"), (670, "good"), (580, "fair"), (300, "poor"))
ONE = Decimal(1)


def _ratio(numerator: int, denominator: int) -> Decimal:
    return min(ONE, Decimal(numerator) / Decimal(denominator))


def band(score: int) -> str:
    return next(name for floor, name in BANDS if score >= floor)


def _impact(value: Decimal) -> str:
    if value >= Decimal("0.5"):
        return "positive"
    return "negative" if value == 0 else "neutral"


def credit_score(count: int, credit_cents: int, debit_cents: int, active_days: int) -> dict:
    """{"score", "band", "factors": [{"name", "impact", "points", "detail"}]}."""
    net = credit_cents - debit_cents
    values = {
        "net_flow": _ratio(max(0, net), NET_TARGET_CENTS),
        "history_length": _ratio(count, HISTORY_TARGET),
        "activity": _ratio(active_days, ACTIVITY_TARGET_DAYS),
        "spending_cover": ONE if debit_cents == 0 else _ratio(credit_cents, debit_cents),
    }
    details = {
        "net_flow": f"net flow {Decimal(net) / 100:.2f}; full marks from {NET_TARGET_CENTS // 100:,}.00",
        "history_length": f"{count} transactions; full marks from {HISTORY_TARGET}",
        "activity": f"{active_days} active days; full marks from {ACTIVITY_TARGET_DAYS}",
        "spending_cover": "no debits"
        if debit_cents == 0
        else f"credits cover {values['spending_cover']:.0%} of debits",
    }
    weighted = sum(WEIGHTS[name] * value for name, value in values.items())
    score = 300 + int((550 * weighted).to_integral_value(rounding=ROUND_HALF_UP))
    factors = [
        {
            "name": name,
            "impact": _impact(value),
            "points": int((550 * WEIGHTS[name] * value).to_integral_value(rounding=ROUND_HALF_UP)),
            "detail": details[name],
        }
        for name, value in values.items()
    ]
    return {"score": score, "band": band(score), "factors": factors}
