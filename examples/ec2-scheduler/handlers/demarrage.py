import os

import boto3

# The seed edits these into the code; here they come from the function's
# environment (REGION, INSTANCE_IDS="i-...,i-...").
region = os.environ.get('REGION', 'us-east-1')
instances = [i for i in os.environ.get('INSTANCE_IDS', '').split(',') if i]
ec2 = boto3.client('ec2', region_name=region)


def lambda_handler(event, context):
    result = ec2.start_instances(InstanceIds=instances)
    print('started your instances: ' + str(instances))
    print(result['StartingInstances'])
    return [i['InstanceId'] for i in result['StartingInstances']]
