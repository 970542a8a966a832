"""The independent controller's audit of an edition (API.md "Provenance, audit and credentials")."""
