"""``python -m conaig_flow`` runs the ``conaig`` command."""

from conaig_flow.cli import main

main()
