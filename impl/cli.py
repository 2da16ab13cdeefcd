"""The `tasks-api` command: `tasks-api serve|migrate|purge [options]`, each with --help.

A thin dispatcher: each subcommand is the `main` of its module (impl/serve.py,
impl/migrate.py, impl/purge.py), which parses its own options, so that `python -m impl.serve`
and `tasks-api serve` are the same program.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = {
    "serve": ("impl.serve", "serve the API over HTTP"),
    "migrate": ("impl.migrate", "apply (or inspect, or revert) the database migrations"),
    "purge": ("impl.purge", "delete expired tombstones and idempotency keys"),
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="tasks-api",
        description="The tasks-api service. Run `tasks-api COMMAND --help` for a command's options.",
        epilog="\n".join(f"  {name:8} {summary}" for name, (_, summary) in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=COMMANDS, metavar="{serve,migrate,purge}")
    if not arguments or arguments[0] in {"-h", "--help"}:
        parser.print_help()
        return 0 if arguments else 2
    command = parser.parse_args(arguments[:1]).command
    # Imported on use: `tasks-api migrate` does not load the web stack.
    module = importlib.import_module(COMMANDS[command][0])
    status: int = module.main(arguments[1:])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
