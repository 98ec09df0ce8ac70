"""One module per `govsim` command.

Each module defines NAME, HELP, ORDER (its place in `govsim --help`),
`add_arguments(parser)` and `main(args) -> int`. `analysis.cli` finds them here,
so adding a command is adding a module.
"""
