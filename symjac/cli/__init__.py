"""The command line: the fast entry point, the click commands, their options and shell."""
