#!/usr/bin/env bash
# Deploys the seed-003 system with the AWS CLI only: AWS Config watching
# every security group, and a Lambda function putting each group's ingress
# back to the desired state whenever it changes.
#   S3 bucket for Config's files, IAM roles ConfigRecorderRole and
#   SgRemediationRole, the configuration recorder and delivery channel, the
#   Lambda function sg-remediation (Python, or C++ for provided.al2023), the
#   permission for config.amazonaws.com to invoke it, and the custom rule
#   sg-desired-ingress.
#
# Usage: [DESIRED_INGRESS=tcp:443:0.0.0.0/0] [BUCKET=...] [REGION=us-east-1] [ENDPOINT=http://127.0.0.1:4566] ./deploy.sh [--cpp]
#   DESIRED_INGRESS  the ingress every group must have: protocol:port[-port]:cidr, comma-separated
#   --cpp            deploy the C++ (provided.al2023) function built by cpp/build.sh instead of Python.
# The CLI honours $AWS_ENDPOINT_URL; ENDPOINT adds --endpoint-url. With neither,
# this deploys to the real AWS account of your credentials.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AWS_CLI="${AWS_CLI:-aws}"
REGION="${REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
DESIRED_INGRESS="${DESIRED_INGRESS:-tcp:443:0.0.0.0/0}"
FUNCTION=sg-remediation
RULE=sg-desired-ingress
FLAVOR=python
for arg in "$@"; do
  case "$arg" in
    --cpp) FLAVOR=cpp ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

aws_() {
  if [ -n "${ENDPOINT:-}" ]; then
    "$AWS_CLI" --region "$REGION" --endpoint-url "$ENDPOINT" --output json "$@"
  else
    "$AWS_CLI" --region "$REGION" --output json "$@"
  fi
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

ACCOUNT="$(aws_ sts get-caller-identity --query Account --output text)"
BUCKET="${BUCKET:-config-history-$ACCOUNT-$REGION}"

# role name, trust policy file, permission policy file
ensure_role() {
  local arn
  arn="$(aws_ iam create-role --role-name "$1" --assume-role-policy-document "file://$2" \
    --query Role.Arn --output text 2>/dev/null || aws_ iam get-role --role-name "$1" --query Role.Arn --output text)"
  aws_ iam put-role-policy --role-name "$1" --policy-name "$1-policy" --policy-document "file://$3"
  echo "$arn"
}

echo "== S3 bucket $BUCKET for AWS Config's files"
if [ "$REGION" = us-east-1 ]; then
  aws_ s3api create-bucket --bucket "$BUCKET" >/dev/null 2>&1 || true
else
  aws_ s3api create-bucket --bucket "$BUCKET" \
    --create-bucket-configuration "LocationConstraint=$REGION" >/dev/null 2>&1 || true
fi

echo "== IAM roles"
sed "s/BUCKET/$BUCKET/g" "$HERE/policy-config.json" >"$WORK/policy-config.json"
RECORDER_ROLE="$(ensure_role ConfigRecorderRole "$HERE/trust-config.json" "$WORK/policy-config.json")"
FUNCTION_ROLE="$(ensure_role SgRemediationRole "$HERE/trust-lambda.json" "$HERE/policy-lambda.json")"
echo "   $RECORDER_ROLE"
echo "   $FUNCTION_ROLE"

echo "== AWS Config: recorder, delivery channel (s3://$BUCKET/config), recording"
aws_ configservice put-configuration-recorder \
  --configuration-recorder "name=default,roleARN=$RECORDER_ROLE" \
  --recording-group allSupported=true,includeGlobalResourceTypes=false
aws_ configservice put-delivery-channel \
  --delivery-channel "name=default,s3BucketName=$BUCKET,s3KeyPrefix=config"
aws_ configservice start-configuration-recorder --configuration-recorder-name default

echo "== Lambda function $FUNCTION ($FLAVOR)"
if [ "$FLAVOR" = cpp ]; then
  built="$HERE/cpp/build/sg-remediation.zip"
  if [ ! -f "$built" ]; then "$HERE/cpp/build.sh" >/dev/null; fi
  cp "$built" "$WORK/function.zip"
  runtime=provided.al2023; handler=remediate.handler
else
  (cd "$HERE/handlers" && zip -q -j "$WORK/function.zip" remediate.py)
  runtime=python3.13; handler=remediate.lambda_handler
fi
aws_ lambda delete-function --function-name "$FUNCTION" >/dev/null 2>&1 || true
# A new role can take a few seconds to be assumable by Lambda on AWS: retry.
for i in 1 2 3 4 5 6; do
  if aws_ lambda create-function --function-name "$FUNCTION" --runtime "$runtime" \
      --role "$FUNCTION_ROLE" --handler "$handler" --zip-file "fileb://$WORK/function.zip" \
      --timeout 60 >/dev/null; then break; fi
  [ "$i" = 6 ] && exit 1
  sleep 5
done
aws_ lambda wait function-active-v2 --function-name "$FUNCTION"
FUNCTION_ARN="$(aws_ lambda get-function --function-name "$FUNCTION" --query Configuration.FunctionArn --output text)"
aws_ lambda add-permission --function-name "$FUNCTION" --statement-id config-invokes-remediation \
  --action lambda:InvokeFunction --principal config.amazonaws.com --source-account "$ACCOUNT" >/dev/null

echo "== AWS Config rule $RULE: every security group must have $DESIRED_INGRESS"
cat >"$WORK/rule.json" <<JSON
{
  "ConfigRuleName": "$RULE",
  "Description": "Puts every security group's ingress back to the desired state.",
  "Scope": {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]},
  "Source": {
    "Owner": "CUSTOM_LAMBDA",
    "SourceIdentifier": "$FUNCTION_ARN",
    "SourceDetails": [
      {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"},
      {"EventSource": "aws.config", "MessageType": "OversizedConfigurationItemChangeNotification"}
    ]
  },
  "InputParameters": "{\"desiredIngress\": \"$DESIRED_INGRESS\"}"
}
JSON
aws_ configservice put-config-rule --config-rule "file://$WORK/rule.json"
echo "== done: AWS Config keeps every security group of $REGION at $DESIRED_INGRESS (account $ACCOUNT)"
