"""API: the REST API, its Cognito authorizer and the profile function."""
