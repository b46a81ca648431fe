#!/usr/bin/env bash
# Deploys the upload processor with the AWS CLI only:
#   bucket BUCKET, IAM role upload-processor-role (trust-policy.json + policy.json
#   limited to the bucket), Lambda function upload-processor, its permission for
#   s3.amazonaws.com from that bucket, and the bucket's notification:
#   s3:ObjectCreated:* on keys under incoming/.
#
# Usage: BUCKET=my-uploads [REGION=us-east-1] [ENDPOINT=http://127.0.0.1:4566] ./deploy.sh
# The CLI honours $AWS_ENDPOINT_URL; ENDPOINT adds --endpoint-url. With neither,
# this deploys to the real AWS account of your credentials.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AWS_CLI="${AWS_CLI:-aws}"
REGION="${REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
BUCKET="${BUCKET:?set BUCKET to the bucket to create and watch}"
ROLE=upload-processor-role
FUNCTION=upload-processor

aws_() {
  if [ -n "${ENDPOINT:-}" ]; then
    "$AWS_CLI" --region "$REGION" --endpoint-url "$ENDPOINT" --output json "$@"
  else
    "$AWS_CLI" --region "$REGION" --output json "$@"
  fi
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== bucket $BUCKET"
if [ "$REGION" = us-east-1 ]; then
  aws_ s3api create-bucket --bucket "$BUCKET" >/dev/null
else
  aws_ s3api create-bucket --bucket "$BUCKET" --create-bucket-configuration "LocationConstraint=$REGION" >/dev/null
fi

echo "== IAM role $ROLE"
ROLE_ARN="$(aws_ iam create-role --role-name "$ROLE" \
  --assume-role-policy-document "file://$HERE/trust-policy.json" \
  --query Role.Arn --output text 2>/dev/null || \
  aws_ iam get-role --role-name "$ROLE" --query Role.Arn --output text)"
sed "s/BUCKET/$BUCKET/" "$HERE/policy.json" > "$WORK/policy.json"
aws_ iam put-role-policy --role-name "$ROLE" --policy-name UploadProcessing \
  --policy-document "file://$WORK/policy.json"
ACCOUNT="$(echo "$ROLE_ARN" | cut -d: -f5)"

echo "== Lambda function $FUNCTION"
(cd "$HERE" && zip -q -j "$WORK/handler.zip" handler.py)
aws_ lambda delete-function --function-name "$FUNCTION" >/dev/null 2>&1 || true
# A new role can take a few seconds to be assumable by Lambda on AWS: retry.
for i in 1 2 3 4 5 6; do
  if aws_ lambda create-function --function-name "$FUNCTION" --runtime python3.13 \
      --role "$ROLE_ARN" --handler handler.lambda_handler --zip-file "fileb://$WORK/handler.zip" \
      --timeout 30 >/dev/null; then break; fi
  [ "$i" = 6 ] && exit 1
  sleep 5
done
aws_ lambda wait function-active-v2 --function-name "$FUNCTION"
FUNCTION_ARN="$(aws_ lambda get-function --function-name "$FUNCTION" --query Configuration.FunctionArn --output text)"

echo "== S3 may invoke it for s3://$BUCKET only"
aws_ lambda add-permission --function-name "$FUNCTION" --statement-id "s3-$BUCKET" \
  --action lambda:InvokeFunction --principal s3.amazonaws.com \
  --source-arn "arn:aws:s3:::$BUCKET" --source-account "$ACCOUNT" >/dev/null

echo "== notification: s3:ObjectCreated:* under incoming/"
cat > "$WORK/notification.json" <<JSON
{"LambdaFunctionConfigurations": [{
  "Id": "process-incoming",
  "LambdaFunctionArn": "$FUNCTION_ARN",
  "Events": ["s3:ObjectCreated:*"],
  "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}
}]}
JSON
aws_ s3api put-bucket-notification-configuration --bucket "$BUCKET" \
  --notification-configuration "file://$WORK/notification.json"
echo "== done: upload to s3://$BUCKET/incoming/ and read s3://$BUCKET/processed/"
