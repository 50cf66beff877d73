"""The only code that talks to AWS (boto3/botocore): Cognito, and the service's DynamoDB table."""
