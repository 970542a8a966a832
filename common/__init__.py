"""Ground floor shared by every app: no competition rules, only building blocks."""
