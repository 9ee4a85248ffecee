from iamlint.cli import main

raise SystemExit(main())
