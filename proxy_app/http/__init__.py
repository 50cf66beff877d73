"""The HTTP edge: inputs, schemas, problem+json, the one view decorator, the routes."""
