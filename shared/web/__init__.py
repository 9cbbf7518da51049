"""What both web services share at their edge: the exception-to-error table, JSON body rules,
security headers, request logs, the health report and the static UI's config."""
