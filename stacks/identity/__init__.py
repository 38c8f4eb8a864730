"""Identity: the invite-only Cognito user pool, its web client and sign-in domain."""
