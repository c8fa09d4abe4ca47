"""enplan: one shared plan for a citizen across employment services and health care."""
