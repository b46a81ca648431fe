#include "kit/errors.h"

#include "model/model.h"

namespace nuage::kit {

AwsError Errors::operator()(std::string_view name, std::string message, Value fields) const {
  AwsError error;
  error.message = std::move(message);
  error.fields = std::move(fields);
  const model::Service* svc = model::find_service(service_);
  const model::Shape* shape = svc ? svc->find_shape(name) : nullptr;
  if (shape && shape->exception) {
    error.code = shape->error.code.empty() ? std::string(name) : shape->error.code;
    error.type = std::string(name);
    error.status = shape->error.http_status ? shape->error.http_status : shape->error.sender_fault ? 400 : 500;
    return error;
  }
  error.code = std::string(name);
  for (const auto& u : undeclared_)
    if (u.code == name) error.status = u.status;
  return error;
}

}  // namespace nuage::kit
