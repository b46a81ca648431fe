// The service models of models/, embedded in the binary at build time
// (see CMakeLists.txt). Thread-safety: immutable after static init.
#pragma once

#include <string_view>
#include <vector>

namespace nuage::model {

struct EmbeddedSpec {
  std::string_view name;  // file name without .json: "ec2", "s3", ...
  std::string_view json;  // the stripped service-2.json text
  size_t operations = 0;  // how many operations it defines (counted at build time)
};

const std::vector<EmbeddedSpec>& embedded_specs();

}  // namespace nuage::model
