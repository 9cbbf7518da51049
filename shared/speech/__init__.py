"""Speaking text through a speech provider: a whole text, a reply while it is written, and a cache
so a replay costs no second synthesis."""
