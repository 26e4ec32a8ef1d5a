"""yibao: medical-insurance settlement platform."""

__version__ = "0.1.0"
