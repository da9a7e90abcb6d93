"""``python -m autograd_scalar``: the command line of :mod:`autograd_scalar.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
