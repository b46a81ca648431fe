#include "common/error.h"

namespace nuage {

AwsError not_implemented(const std::string& service, const std::string& operation) {
  return AwsError{"NotImplemented",
                  "The operation " + operation + " of service " + service +
                      " is not implemented by nuage",
                  501};
}

AwsError internal_error(const std::string& what) {
  return AwsError{"InternalError", "We encountered an internal error. Please try again. (" + what + ")",
                  500};
}

AwsError validation_error(const std::string& message) {
  return AwsError{"ValidationError", message, 400};
}

AwsError missing_parameter(const std::string& name) {
  return AwsError{"MissingParameter",
                  "The request must contain the parameter " + name, 400};
}

}  // namespace nuage
