"""``python -m hft_core`` is the ``hft`` command."""

from hft_core.cli import main

main()
