"""The command-line client of the API: ``interview-jobs login / signup / submit / jobs / report``.

It talks to a running API over HTTP exactly as the web page does (bearer token, JSON, SSE) and
keeps the token in the user's config directory (:mod:`interview_jobs.client.credentials`).
"""
