"""``python -m territoires``: the ``territoires`` command."""

import sys

from territoires.cli import main

if __name__ == "__main__":
    sys.exit(main())
