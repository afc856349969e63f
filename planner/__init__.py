"""jobbus: plan job buses (coaches and special trains) and the subsidies they trigger.

Subpackages: ``domain`` (plain data), ``geo`` (gazetteer, distances), ``io`` (reading and
checking scenarios, writing plans), ``optimise`` (OR-Tools), ``subsidies`` (policy engine),
``ledger`` (storage), ``services`` (the use cases the app and CLI call).
This package never imports streamlit.
"""

__version__ = "0.1.0"
