"""The use cases the app and the CLI call; the one place that wires io, geo, optimise,
subsidies and ledger together. Submodules: ``scenario``, ``planning``, ``ledger``."""
