"""One router per subject; each route parses, calls one service, renders."""
