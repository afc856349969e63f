"""``python -m planner`` runs the ``jobbus`` command."""

from planner.cli import main

raise SystemExit(main())
