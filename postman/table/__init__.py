"""The Postman collection as a table: one row per request, grouped in folders that run in order."""
