"""Word lists written for this project, read with importlib.resources."""
