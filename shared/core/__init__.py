"""The floor every other package stands on: settings, the database and its models, input rules,
the generic error envelope and the metric names. Imports nothing else of the project."""
