"""FastStream 0.5's ``faststream.broker.*`` import paths that code written for it uses."""
