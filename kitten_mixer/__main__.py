import sys

from kitten_mixer.cli import main

sys.exit(main())
