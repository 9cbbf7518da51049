"""What callers spend and may still spend: budgets over a rolling day, the reservations a turn is
charged to in the ledger, speech rows, the usage reports, and what retention purges."""
