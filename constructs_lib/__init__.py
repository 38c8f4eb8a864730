"""The platform every stack shares: config, contract, stack base, state, validation, IAM helpers, policy pack."""
