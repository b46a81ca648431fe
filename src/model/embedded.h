// The service models of spec/, embedded in the binary at build time
// (see CMakeLists.txt). Thread-safety: immutable after static init.
#pragma once

#include <string_view>
#include <vector>

namespace nuage::model {

struct EmbeddedSpec {
  std::string_view name;  // file name without .json: "ec2", "s3", ...
  std::string_view json;  // the stripped service-2.json text
};

const std::vector<EmbeddedSpec>& embedded_specs();

}  // namespace nuage::model
