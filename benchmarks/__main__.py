import sys

from .runner import _cli

sys.exit(_cli())
