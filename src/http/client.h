// A minimal blocking HTTP/1.1 client for nuage's own CLI commands
// (`nuage reset`, `nuage health`, `nuage clock`) talking to a running server,
// and for SNS's deliveries to HTTP endpoints on the machine.
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
// `headers` replace the defaults (Content-Type application/json); the
// exchange must finish within `timeout_seconds`.
// Whether `url` (scheme://host[:port]/...) names this machine: 127.0.0.1,
// [::1], localhost or a *.localhost name. What nuage delivers on its own
// (SNS to HTTP subscribers) goes only to such URLs: nuage never sends
// traffic off the machine.
bool is_loopback_url(const std::string& url);

Result<ClientResponse> fetch(const std::string& method, const std::string& url, const std::string& body = "",
                             const Headers& headers = {}, int timeout_seconds = 600);

}  // namespace nuage::http
