#!/usr/bin/env bash
# Deploys the notes HTTP API with the AWS CLI only:
#   DynamoDB table TABLE, IAM role notes-api-role (trust-policy.json +
#   policy.json limited to the table), Lambda function notes-api, an HTTP API
#   "notes" with a Lambda proxy integration (payload format 2.0), its four
#   routes and the $default stage deploying automatically, and the function's
#   permission for apigateway.amazonaws.com from that API only.
#
# Usage: [TABLE=notes] [REGION=us-east-1] [ENDPOINT=http://127.0.0.1:4566] ./deploy.sh
# Prints the API's id and URL last. With no ENDPOINT (and no
# $AWS_ENDPOINT_URL) this deploys to the real AWS account of your credentials.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AWS_CLI="${AWS_CLI:-aws}"
REGION="${REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
TABLE="${TABLE:-notes}"
ROLE=notes-api-role
FUNCTION=notes-api

aws_() {
  if [ -n "${ENDPOINT:-}" ]; then
    "$AWS_CLI" --region "$REGION" --endpoint-url "$ENDPOINT" --output json "$@"
  else
    "$AWS_CLI" --region "$REGION" --output json "$@"
  fi
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== DynamoDB table $TABLE"
aws_ dynamodb create-table --table-name "$TABLE" --attribute-definitions AttributeName=id,AttributeType=S \
  --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
aws_ dynamodb wait table-exists --table-name "$TABLE"

echo "== IAM role $ROLE"
ROLE_ARN="$(aws_ iam create-role --role-name "$ROLE" \
  --assume-role-policy-document "file://$HERE/trust-policy.json" \
  --query Role.Arn --output text 2>/dev/null || \
  aws_ iam get-role --role-name "$ROLE" --query Role.Arn --output text)"
sed "s/TABLE/$TABLE/" "$HERE/policy.json" > "$WORK/policy.json"
aws_ iam put-role-policy --role-name "$ROLE" --policy-name NotesTable --policy-document "file://$WORK/policy.json"
ACCOUNT="$(echo "$ROLE_ARN" | cut -d: -f5)"

echo "== Lambda function $FUNCTION"
(cd "$HERE" && zip -q -j "$WORK/handler.zip" handler.py)
aws_ lambda delete-function --function-name "$FUNCTION" >/dev/null 2>&1 || true
# A new role can take a few seconds to be assumable by Lambda on AWS: retry.
for i in 1 2 3 4 5 6; do
  if aws_ lambda create-function --function-name "$FUNCTION" --runtime python3.13 \
      --role "$ROLE_ARN" --handler handler.lambda_handler --zip-file "fileb://$WORK/handler.zip" \
      --environment "Variables={TABLE=$TABLE}" --timeout 10 >/dev/null; then break; fi
  [ "$i" = 6 ] && exit 1
  sleep 5
done
aws_ lambda wait function-active-v2 --function-name "$FUNCTION"
FUNCTION_ARN="$(aws_ lambda get-function --function-name "$FUNCTION" --query Configuration.FunctionArn --output text)"

echo "== HTTP API notes"
API_ID="$(aws_ apigatewayv2 create-api --name notes --protocol-type HTTP --query ApiId --output text)"
INTEGRATION_ID="$(aws_ apigatewayv2 create-integration --api-id "$API_ID" --integration-type AWS_PROXY \
  --integration-uri "$FUNCTION_ARN" --payload-format-version 2.0 --query IntegrationId --output text)"
for route in "POST /notes" "GET /notes" "GET /notes/{id}" "DELETE /notes/{id}"; do
  aws_ apigatewayv2 create-route --api-id "$API_ID" --route-key "$route" \
    --target "integrations/$INTEGRATION_ID" >/dev/null
done
aws_ apigatewayv2 create-stage --api-id "$API_ID" --stage-name '$default' --auto-deploy >/dev/null

echo "== API Gateway may invoke $FUNCTION for API $API_ID only"
aws_ lambda add-permission --function-name "$FUNCTION" --statement-id "apigateway-$API_ID" \
  --action lambda:InvokeFunction --principal apigateway.amazonaws.com \
  --source-arn "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/*" >/dev/null

ENDPOINT_URL="$(aws_ apigatewayv2 get-api --api-id "$API_ID" --query ApiEndpoint --output text)"
echo "== done: API $API_ID at $ENDPOINT_URL"
echo "$API_ID $ENDPOINT_URL"
