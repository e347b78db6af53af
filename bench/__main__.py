"""`python -m bench`. The request counter goes in before anything can create an AWS client."""

from bench import counting

counting.install()

from bench.run import main  # noqa: E402

raise SystemExit(main())
