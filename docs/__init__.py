"""A user's docs and their search: /users/{user_id}/docs…, /users/{user_id}/search."""
