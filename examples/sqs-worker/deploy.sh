#!/usr/bin/env bash
# Deploys the SQS worker with the AWS CLI only:
#   queue QUEUE with its dead-letter queue QUEUE-dlq (redrive after 3
#   receives), DynamoDB table TABLE, IAM role sqs-worker-role (trust-policy.json
#   + policy.json limited to the queue and the table), Lambda function
#   sqs-worker, and the event source mapping from the queue to the function
#   (batches of 10, ReportBatchItemFailures).
#
# Usage: [QUEUE=orders] [TABLE=orders] [REGION=us-east-1] [ENDPOINT=http://127.0.0.1:4566] ./deploy.sh
# The CLI honours $AWS_ENDPOINT_URL; ENDPOINT adds --endpoint-url. With neither,
# this deploys to the real AWS account of your credentials.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AWS_CLI="${AWS_CLI:-aws}"
REGION="${REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
QUEUE="${QUEUE:-orders}"
TABLE="${TABLE:-orders}"
ROLE=sqs-worker-role
FUNCTION=sqs-worker

aws_() {
  if [ -n "${ENDPOINT:-}" ]; then
    "$AWS_CLI" --region "$REGION" --endpoint-url "$ENDPOINT" --output json "$@"
  else
    "$AWS_CLI" --region "$REGION" --output json "$@"
  fi
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== queues $QUEUE and $QUEUE-dlq"
DLQ_URL="$(aws_ sqs create-queue --queue-name "$QUEUE-dlq" --query QueueUrl --output text)"
DLQ_ARN="$(aws_ sqs get-queue-attributes --queue-url "$DLQ_URL" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)"
cat > "$WORK/queue.json" <<JSON
{"VisibilityTimeout": "30",
 "RedrivePolicy": "{\"deadLetterTargetArn\":\"$DLQ_ARN\",\"maxReceiveCount\":\"3\"}"}
JSON
QUEUE_URL="$(aws_ sqs create-queue --queue-name "$QUEUE" --attributes "file://$WORK/queue.json" \
  --query QueueUrl --output text)"
QUEUE_ARN="$(aws_ sqs get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)"
ACCOUNT="$(echo "$QUEUE_ARN" | cut -d: -f5)"

echo "== DynamoDB table $TABLE"
aws_ dynamodb create-table --table-name "$TABLE" --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=orderId,AttributeType=S \
  --key-schema AttributeName=orderId,KeyType=HASH >/dev/null
aws_ dynamodb wait table-exists --table-name "$TABLE"

echo "== IAM role $ROLE"
ROLE_ARN="$(aws_ iam create-role --role-name "$ROLE" \
  --assume-role-policy-document "file://$HERE/trust-policy.json" \
  --query Role.Arn --output text 2>/dev/null || \
  aws_ iam get-role --role-name "$ROLE" --query Role.Arn --output text)"
sed -e "s/REGION/$REGION/g" -e "s/ACCOUNT/$ACCOUNT/g" -e "s/QUEUE/$QUEUE/g" -e "s/TABLE/$TABLE/g" \
  "$HERE/policy.json" > "$WORK/policy.json"
aws_ iam put-role-policy --role-name "$ROLE" --policy-name SqsWorker \
  --policy-document "file://$WORK/policy.json"

echo "== Lambda function $FUNCTION"
(cd "$HERE" && zip -q -j "$WORK/handler.zip" handler.py)
aws_ lambda delete-function --function-name "$FUNCTION" >/dev/null 2>&1 || true
# A new role can take a few seconds to be assumable by Lambda on AWS: retry.
for i in 1 2 3 4 5 6; do
  if aws_ lambda create-function --function-name "$FUNCTION" --runtime python3.13 \
      --role "$ROLE_ARN" --handler handler.lambda_handler --zip-file "fileb://$WORK/handler.zip" \
      --timeout 30 --environment "Variables={TABLE=$TABLE}" >/dev/null; then break; fi
  [ "$i" = 6 ] && exit 1
  sleep 5
done
aws_ lambda wait function-active-v2 --function-name "$FUNCTION"

echo "== event source mapping $QUEUE -> $FUNCTION"
# The role's new permissions can take a few seconds to reach Lambda on AWS: retry.
for i in 1 2 3 4 5 6; do
  if aws_ lambda create-event-source-mapping --function-name "$FUNCTION" --event-source-arn "$QUEUE_ARN" \
      --batch-size 10 --function-response-types ReportBatchItemFailures >/dev/null; then break; fi
  [ "$i" = 6 ] && exit 1
  sleep 5
done
echo "== done: send orders to $QUEUE_URL; what fails three times lands in $DLQ_URL"
