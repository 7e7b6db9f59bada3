"""Uploaded videos (the seed's FileUpload entity): streaming upload, metadata, download, signing."""
