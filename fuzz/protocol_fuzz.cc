// Fuzzes every protocol parser with arbitrary requests: the first byte picks
// the service (and so the protocol), the rest is split into a target, one
// header value and a body. Nothing may crash, hang or leak.
#include <cstdint>
#include <string>

#include "http/message.h"
#include "protocol/protocol.h"
#include "model/model.h"

using namespace nuage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const char* kServices[] = {"sts", "iam", "ec2", "ssm", "events", "logs", "lambda", "s3"};
  static const char* kMethods[] = {"GET", "PUT", "POST", "DELETE", "HEAD"};
  const model::Service* svc = model::find_service(kServices[data[0] % 8]);
  std::string input(reinterpret_cast<const char*>(data + 2), size - 2);
  size_t cut1 = input.find('\n');
  size_t cut2 = cut1 == std::string::npos ? std::string::npos : input.find('\n', cut1 + 1);
  http::Request req;
  req.method = kMethods[data[1] % 5];
  req.target = "/" + input.substr(0, cut1);
  if (cut1 != std::string::npos) {
    std::string header = input.substr(cut1 + 1, cut2 == std::string::npos ? std::string::npos : cut2 - cut1 - 1);
    req.headers.add("x-amz-target", header);
    req.headers.add("x-amz-meta-a", header);
    req.headers.add("content-type", data[1] & 8 ? "application/x-www-form-urlencoded" : "application/json");
  }
  if (cut2 != std::string::npos) req.body = http::Body(input.substr(cut2 + 1));
  const protocol::Protocol* proto = protocol::find_protocol(svc->protocols[0]);
  auto op = proto->identify(*svc, req);
  if (!op) return 0;
  auto value = proto->parse(*svc, *op.value(), req);
  if (value) {
    protocol::Output out;
    out.value = *value;
    (void)proto->serialize(*svc, *op.value(), out, "id");
  }
  return 0;
}
