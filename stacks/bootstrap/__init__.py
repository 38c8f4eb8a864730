"""Bootstrap: the S3 state bucket the s3 backend needs."""
