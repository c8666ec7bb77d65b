// Bare Node: the floor every cold path is measured above.
