// `nuage debug parse|serialize`: the protocol layer and the SigV4 verifier
// without a server, so botocore can act as the oracle for both directions.
#include "auth/sigv4.h"
#include "common/text.h"
#include "gateway/gateway.h"
#include "protocol/values.h"

namespace nuage::gateway {

using protocol::Value;

// Binary values as base64 strings, so the result prints as JSON.
static Value printable(const Value& v) {
  if (v.is_binary()) return text::base64_encode(protocol::blob_bytes(v));
  if (v.is_object()) {
    Value out = Value::object();
    for (const auto& [k, item] : v.items()) out[k] = printable(item);
    return out;
  }
  if (v.is_array()) {
    Value out = Value::array();
    for (const auto& item : v) out.push_back(printable(item));
    return out;
  }
  return v;
}

static Value error_json(const AwsError& e) { return {{"code", e.code}, {"message", e.message}, {"status", e.status}}; }

Value debug_parse(http::Request& request, auth::CredentialStore& credentials) {
  Value out = Value::object();
  std::string service_name = detect_service(request, scope_service_hint(request));
  out["service"] = service_name;
  const model::Service* svc = model::find_service(service_name);
  if (!svc) return out;
  const protocol::Protocol* proto = choose_protocol(*svc, request);
  if (!proto) return out;
  out["protocol"] = proto->name();
  auto sig = auth::parse_signature(request, service_name == "s3");
  if (!sig) {
    out["signature"] = "absent";
  } else if (!sig->ok()) {
    out["signature"] = error_json(sig->error());
  } else {
    auto cred = credentials.lookup(sig->value().access_key);
    auth::VerifyOptions vo;
    vo.s3 = service_name == "s3";
    vo.check_signature = cred && cred->verifiable;
    Status s = cred ? auth::verify(request, sig->value(), cred->secret_key, vo)
                    : Status(AwsError{"InvalidClientTokenId", "unknown key", 403});
    out["signature"] = !s.ok() ? error_json(s.error()) : cred->verifiable ? Value("ok") : Value("unchecked");
  }
  const model::Service& wire = wire_model(*svc, *proto);
  auto op = proto->identify(wire, request);
  if (!op) {
    out["error"] = error_json(op.error());
    return out;
  }
  out["operation"] = op.value()->name;
  auto input = proto->parse(wire, *op.value(), request);
  if (!input) out["error"] = error_json(input.error());
  else out["input"] = printable(*input);
  return out;
}

http::Response debug_serialize(const Value& spec) {
  const model::Service* svc = model::find_service(spec.value("service", ""));
  if (!svc) throw std::runtime_error("unknown service");
  const protocol::Protocol* proto =
      protocol::find_protocol(spec.value("protocol", svc->protocols.empty() ? svc->protocol : svc->protocols[0]));
  if (!proto) throw std::runtime_error("unknown protocol");
  svc = &wire_model(*svc, *proto);
  std::string request_id = spec.value("request_id", "00000000-0000-4000-8000-000000000000");
  if (spec.contains("error")) {
    const Value& e = spec["error"];
    AwsError err{e.value("code", ""), e.value("message", ""), e.value("status", 400),
                 e.value("fields", Value::object())};
    return proto->serialize_error(*svc, err, request_id);
  }
  const model::Operation* op = svc->find_operation(spec.value("operation", ""));
  if (!op) throw std::runtime_error("unknown operation");
  protocol::Output output;
  output.value = spec.value("output", Value::object());
  return proto->serialize(*svc, *op, output, request_id);
}

}  // namespace nuage::gateway
