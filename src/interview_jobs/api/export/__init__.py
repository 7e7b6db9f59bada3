"""The user's data taken home: a zip of every job, analysis and (optionally) video, with one
offline HTML report per job — CONTRACT.md "Export"."""
