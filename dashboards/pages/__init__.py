"""The dashboard pages; each module registers itself with Dash Pages when imported."""
