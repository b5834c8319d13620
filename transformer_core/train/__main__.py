"""Entry point of ``python -m transformer_core.train`` (see cli.py)."""
import sys

from .cli import main

sys.exit(main())
