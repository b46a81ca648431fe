// Errors from the service models. A provider names an error by its shape in
// the service's model ("ResourceNotFoundException", "NoSuchEntityException")
// and words the message as AWS does; what the wire needs comes from the
// model: the code clients read (the shape's `error.code` for query-protocol
// and awsQueryCompatible services, else the shape name), the HTTP status
// (`error.httpStatusCode`, else 400 for client faults and 500 for server
// faults) and, for awsQueryCompatible json services, the code carried in
// `x-amzn-query-error`.
//
// Errors AWS returns that its model does not declare (EC2 declares none; S3
// leaves out AccessDenied, InvalidArgument, ...) are named by their code;
// their status is 400 unless the provider's table of undeclared errors says
// otherwise. Keep that table beside the provider, as data.
//
//   const kit::Errors errors("lambda");
//   return errors("ResourceNotFoundException", "Function not found: " + arn);
//
// Thread-safety: immutable; the model is loaded on first use, safely.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::kit {

struct UndeclaredError {
  std::string code;
  int status = 400;
};

class Errors {
 public:
  explicit Errors(std::string service, std::initializer_list<UndeclaredError> undeclared = {})
      : service_(std::move(service)), undeclared_(undeclared) {}

  // The error `name` (a shape of the model, or an undeclared code).
  AwsError operator()(std::string_view name, std::string message, Value fields = Value::object()) const;

  const std::string& service() const { return service_; }

 private:
  std::string service_;
  std::vector<UndeclaredError> undeclared_;
};

}  // namespace nuage::kit
