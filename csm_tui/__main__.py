import sys

from csm_tui.cli.main import main

sys.exit(main())
