from __future__ import annotations

import sys

from tutor.cli import main

sys.exit(main())
