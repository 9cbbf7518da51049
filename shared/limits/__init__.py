"""Abuse limits: request rates per caller and IP, and the back-off of failed logins."""
