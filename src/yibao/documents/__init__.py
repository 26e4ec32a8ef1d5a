"""The edge between documents (JSON, CSV) and the pure domain.

Policy documents, catalogues and settlement cases are validated here (pydantic) with
errors that name the JSON path of the bad field, then turned into domain objects.
Results are rendered back to the national field names here too.
"""
