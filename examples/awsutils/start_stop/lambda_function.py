from awsutils import aws_resource_start_stop
import logging
import sys
import traceback

root = logging.getLogger()
if root.handlers:
    for handler in root.handlers:
        root.removeHandler(handler)
logging.basicConfig(stream=sys.stdout, level=logging.INFO)

def lambda_handler(event, context):
    try:
        aws_resource_start_stop.start_stop_aws_resources(event, context)
        return 0
    except Exception  as e:
        logging.error(str(e.__class__) + ': ' +  str(e))
        traceback.print_stack(file=sys.stdout)
        raise
