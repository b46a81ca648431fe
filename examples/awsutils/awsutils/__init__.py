"""AWS Utilities (seed 004): start/stop of EC2 instances, RDS DB instances
and Aurora DB clusters listed in aws_resource_start_stop.yml."""
