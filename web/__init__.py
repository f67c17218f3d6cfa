"""What happens to every request: the pipeline, routing, auth, responses, the clock, the OpenAPI document."""
