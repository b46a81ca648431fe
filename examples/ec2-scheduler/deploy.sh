#!/usr/bin/env bash
# Deploys the seed-000 EC2 scheduler with the AWS CLI only:
#   IAM role Lambda_Execution_Role (trust-policy.json + policy.json),
#   Lambda functions demarrage / arreter, EventBridge rules at 05:00 and 22:00 UTC.
#
# Usage: INSTANCE_IDS=i-aaa,i-bbb [REGION=us-east-1] [ENDPOINT=http://127.0.0.1:4566] ./deploy.sh [--cpp]
#   --cpp   deploy the C++ (provided.al2023) functions built by cpp/build.sh instead of Python.
# The CLI honours $AWS_ENDPOINT_URL; ENDPOINT adds --endpoint-url. With neither,
# this deploys to the real AWS account of your credentials.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AWS_CLI="${AWS_CLI:-aws}"
REGION="${REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
INSTANCE_IDS="${INSTANCE_IDS:?set INSTANCE_IDS to a comma-separated list of instance ids}"
ROLE=Lambda_Execution_Role
FLAVOR=python
for arg in "$@"; do
  case "$arg" in
    --cpp) FLAVOR=cpp ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
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

echo "== IAM role $ROLE"
ROLE_ARN="$(aws_ iam create-role --role-name "$ROLE" \
  --assume-role-policy-document "file://$HERE/trust-policy.json" \
  --query Role.Arn --output text 2>/dev/null || \
  aws_ iam get-role --role-name "$ROLE" --query Role.Arn --output text)"
aws_ iam put-role-policy --role-name "$ROLE" --policy-name EC2StartStop \
  --policy-document "file://$HERE/policy.json"
echo "   $ROLE_ARN"

ACCOUNT="$(echo "$ROLE_ARN" | cut -d: -f5)"
ENV_VARS="{\"Variables\":{\"REGION\":\"$REGION\",\"INSTANCE_IDS\":\"$INSTANCE_IDS\"}}"

# name  cron  flavour-specific zip / runtime / handler
deploy_function() {
  local name="$1" zipfile="$WORK/$1.zip" runtime handler
  if [ "$FLAVOR" = cpp ]; then
    local built="$HERE/cpp/build/$name.zip"
    if [ ! -f "$built" ]; then "$HERE/cpp/build.sh" >/dev/null; fi
    cp "$built" "$zipfile"
    runtime=provided.al2023; handler="$name.handler"
  else
    (cd "$HERE/handlers" && zip -q -j "$zipfile" "$name.py")
    runtime=python3.13; handler="$name.lambda_handler"
  fi
  echo "== Lambda function $name ($runtime)"
  aws_ lambda delete-function --function-name "$name" >/dev/null 2>&1 || true
  # A new role can take a few seconds to be assumable by Lambda on AWS: retry.
  local i
  for i in 1 2 3 4 5 6; do
    if aws_ lambda create-function --function-name "$name" --runtime "$runtime" \
        --role "$ROLE_ARN" --handler "$handler" --zip-file "fileb://$zipfile" \
        --timeout 30 --environment "$ENV_VARS" >/dev/null; then break; fi
    [ "$i" = 6 ] && exit 1
    sleep 5
  done
  aws_ lambda wait function-active-v2 --function-name "$name"
}

deploy_rule() {
  local name="$1" cron="$2" rule_arn fn_arn
  echo "== EventBridge rule $name-schedule: $cron"
  rule_arn="$(aws_ events put-rule --name "$name-schedule" --schedule-expression "$cron" \
    --state ENABLED --query RuleArn --output text)"
  fn_arn="$(aws_ lambda get-function --function-name "$name" --query Configuration.FunctionArn --output text)"
  aws_ lambda add-permission --function-name "$name" --statement-id "events-$name-schedule" \
    --action lambda:InvokeFunction --principal events.amazonaws.com --source-arn "$rule_arn" >/dev/null
  aws_ events put-targets --rule "$name-schedule" --targets "Id=$name,Arn=$fn_arn" >/dev/null
}

deploy_function demarrage
deploy_function arreter
deploy_rule demarrage "cron(0 5 * * ? *)"
deploy_rule arreter "cron(0 22 * * ? *)"
echo "== done: demarrage at 05:00 UTC, arreter at 22:00 UTC for $INSTANCE_IDS (account $ACCOUNT)"
