"""Entry point of ``python -m transformer_core.train`` (see cli.py)."""
import sys

from .cli import main
from .distributed import leave

code = main()
leave(code)          # a torchrun worker ends here, past a teardown that can abort (see leave)
sys.exit(code)
