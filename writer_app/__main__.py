from writer_app.cli import main

raise SystemExit(main())
