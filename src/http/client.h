// A minimal blocking HTTP/1.1 client for nuage's own CLI commands
// (`nuage reset`, `nuage health`, `nuage clock`) talking to a running server.
// Thread-safety: free function, no shared state.
#pragma once

#include <string>

#include "common/error.h"
#include "http/message.h"

namespace nuage::http {

struct ClientResponse {
  int status = 0;
  std::string body;
};

// `url` is http://host:port/path. Fails with an AwsError whose code is
// "ConnectionError" when the server cannot be reached.
Result<ClientResponse> fetch(const std::string& method, const std::string& url, const std::string& body = "");

}  // namespace nuage::http
