"""Which models and voices exist: the upstream's model lifecycle (shutdown dates), the warnings
about it, and the choices an agent's editor offers."""
