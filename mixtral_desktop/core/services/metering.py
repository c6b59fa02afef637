"""What a window measures across its tabs: the token counter (each turn's count cached,
shared by every tab's meter and send check) and the credit ledger (one balance for the
account, whichever tab's request moved it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mixtral_desktop.core.domain.tokens import TokenCounter
from mixtral_desktop.core.domain.usage import CreditLedger


@dataclass
class Metering:
    counter: TokenCounter = field(default_factory=TokenCounter)
    ledger: CreditLedger = field(default_factory=CreditLedger)
