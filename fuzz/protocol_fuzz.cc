// Fuzzes every protocol parser and serializer with arbitrary requests.
//
// One target for all six protocols, the first byte picking the service (and
// through the second byte, one of the service's protocols): every protocol
// shares the input's form (an HTTP request) and most of its code (shapes,
// values, validation), so one corpus cross-pollinates — a mutation of an S3
// request that flips the first byte becomes a Lambda request — and the short
// runs in the test suite cost one binary and one slot, not six.
//
// Input: [service byte][method/protocol byte] target "\n" header lines
// ("name: value\n") up to an empty line, then the body. Seeds
// (fuzz/corpus/protocol) are botocore's own requests, from tools/fuzz_seeds.py.
// Nothing may crash, hang or leak.
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "http/message.h"
#include "model/model.h"
#include "protocol/protocol.h"

using namespace nuage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const char* kServices[] = {"sts", "iam", "ec2", "ssm", "events", "logs", "lambda", "s3", "cloudwatch",
                                    "scheduler"};
  static const char* kMethods[] = {"GET", "PUT", "POST", "DELETE", "HEAD"};
  constexpr size_t kServiceCount = sizeof(kServices) / sizeof(kServices[0]);
  const model::Service* svc = model::find_service(kServices[data[0] % kServiceCount]);
  if (!svc || svc->protocols.empty()) return 0;
  const protocol::Protocol* proto = protocol::find_protocol(svc->protocols[(data[1] >> 3) % svc->protocols.size()]);
  if (!proto) return 0;

  auto [target, rest] = fuzz::first_line(fuzz::as_text(data + 2, size - 2));
  http::Request req;
  req.method = kMethods[(data[1] & 7) % 5];
  req.target = "/" + std::string(target);
  while (!rest.empty()) {
    auto [line, after] = fuzz::first_line(rest);
    rest = after;
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  req.body = http::Body(std::string(rest));

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
