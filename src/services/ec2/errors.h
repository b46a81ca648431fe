// EC2's errors. Its model declares no error shapes, so an error is named by
// the code EC2 answers ("InvalidInstanceID.NotFound") and its status is 400
// unless the table of undeclared errors beside the provider (provider.cc)
// says otherwise.
// Thread-safety: immutable.
#pragma once

#include "kit/errors.h"

namespace nuage::services::ec2 {

extern const kit::Errors errors;

}  // namespace nuage::services::ec2
