"""The use cases the app and the CLI call; the one place that wires io, geo, optimise,
subsidies and ledger together.

The ledger's use cases are split by what the user does: ``imports``, ``policies``, ``claims``,
``payments``, ``exports``, ``reports``, ``demo``; users and sign-in in ``auth``; an uploaded
table into the working scenario in ``registration``; plans in ``plans``, ``planning`` (with the
scenario of a re-plan) and ``scenario``; the trip's day in ``movements``, ``leaders`` and
``tracking``. Each service takes a ``context.Ledger`` (``ledger=``) for its units of work;
``ledger`` re-exports the ledger's use cases for older callers.
"""
