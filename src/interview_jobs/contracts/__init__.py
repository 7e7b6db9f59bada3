"""Wire schemas that the API service and the AI backend both speak.

Nothing here imports FastAPI or SQLAlchemy: these are plain pydantic models and helpers, so the
AI backend, the workers, the CLI and the API can all depend on them without depending on each other.
"""
