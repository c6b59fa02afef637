"""`python -m mixtral_desktop` starts the app."""

import sys

from mixtral_desktop.app.main import main

sys.exit(main())
