"""`python -m recsys_lab ...`: the `recsys-lab` command (`course.cli`), e.g. where the script is not on PATH.

Imports no TensorFlow itself: the command quiets TensorFlow's start-up logs before one of its steps imports it.
"""

import sys

from recsys_lab.course.cli import main

if __name__ == "__main__":
    sys.exit(main())
