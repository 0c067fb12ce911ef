"""``python -m drivers`` runs the command-line interface."""

from drivers.entry import main

raise SystemExit(main())
