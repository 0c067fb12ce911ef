"""``python -m drivers`` runs the command-line interface."""

from drivers.cli import main

raise SystemExit(main())
