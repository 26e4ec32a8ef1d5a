"""Pure settlement rules: no database, web framework, clock or environment.

Everything here follows ``settlement-spec.md``; regional numbers arrive as data
(policy documents and catalogues), never as constants.
"""
