"""``python -m specfoundry`` runs the CLI."""

from specfoundry.cli import main

main()
