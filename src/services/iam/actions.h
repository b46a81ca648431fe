// The per-operation authorization table: which IAM action(s) an operation
// of a service is, on which resource ARN(s), and which service condition
// keys its input sets. Derived from the operation name (the IAM action is
// "<service prefix>:<OperationName>" for nearly every operation), with the
// exceptions AWS documents (S3's action names, Lambda's Invoke, ...) and a
// resource builder per service; "*" where AWS uses "*".
//
// Thread-safety: pure functions over immutable tables.
#pragma once

#include <string>
#include <vector>

#include "policy/conditions.h"
#include "protocol/protocol.h"

namespace nuage::services::iam {

struct ActionTarget {
  std::string action;    // "s3:ListBucket"
  std::string resource;  // "arn:aws:s3:::bucket" or "*"
};

struct OperationAuthorization {
  std::vector<ActionTarget> targets;
  // The provider performs the whole decision itself (sts:AssumeRole needs
  // the trust policy and the caller's policies together), or AWS requires no
  // permission (sts:GetCallerIdentity).
  bool decided_elsewhere = false;
};

// `service` is the model name ("s3", "ec2", ...).
OperationAuthorization authorization_for(const std::string& service, const std::string& operation,
                                         const protocol::Value& input, const std::string& region,
                                         const std::string& account);

// Adds the request's condition keys that come from the input
// (aws:RequestTag/..., aws:TagKeys, s3:prefix, iam:PolicyARN, ...).
void add_request_keys(const std::string& service, const std::string& operation, const protocol::Value& input,
                      nuage::policy::Context& context);

// The access-denied error code of a service (UnauthorizedOperation for EC2,
// AccessDeniedException for JSON services, AccessDenied otherwise).
std::string access_denied_code(const std::string& service);

}  // namespace nuage::services::iam
