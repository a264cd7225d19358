"""The shell entry point: thin, argparse-based, builds the app through `ui.app.make_app`."""
