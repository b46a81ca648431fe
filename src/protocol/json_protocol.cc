// The json protocol (awsJson 1.0/1.1): operation named by X-Amz-Target,
// input and output as JSON bodies, errors as {"__type", "message"}.
#include "common/documents.h"
#include "common/text.h"
#include "protocol/json_codec.h"
#include "protocol/protocol.h"
#include "protocol/validate.h"
#include "protocol/values.h"

namespace nuage::protocol {

namespace {

class JsonProtocol : public Protocol {
 public:
  std::string_view name() const override { return "json"; }

  Result<const model::Operation*> identify(const model::Service& service,
                                          const http::Request& request) const override {
    std::string target = request.headers.get("x-amz-target");
    auto dot = target.rfind('.');
    if (target.empty() || dot == std::string::npos)
      return AwsError{"UnknownOperationException", "Missing or malformed X-Amz-Target header", 400};
    std::string op_name = target.substr(dot + 1);
    const model::Operation* op = service.find_operation(op_name);
    if (!op || target.substr(0, dot) != service.target_prefix)
      return AwsError{"UnknownOperationException", "Unknown operation " + target, 400};
    return op;
  }

  Result<Value> parse(const model::Service& service, const model::Operation& op,
                      const http::Request& request) const override {
    std::string body = request.body.read_all();
    if (!op.input.shape) return Value::object();
    Value wire = Value::object();
    if (!text::trim(body).empty()) {
      auto parsed = documents::parse_json(body);
      if (parsed.failure == documents::Failure::kTooDeep) return document_too_deep("SerializationException");
      if (!parsed.ok() || !parsed.value.is_object())
        return AwsError{"SerializationException", "Unable to parse the request body as a JSON object", 400};
      wire = std::move(parsed.value);
    }
    auto value = json::from_wire(wire, *op.input.shape, "SerializationException");
    if (!value) return value;
    if (value->is_null()) *value = Value::object();
    NUAGE_TRY(validate_input(service, *op.input.shape, *value, "json"));
    return value;
  }

  http::Response serialize(const model::Service& service, const model::Operation& op, const Output& output,
                           const std::string& request_id) const override {
    http::Response res;
    res.headers.set("Content-Type", content_type(service));
    res.headers.set("x-amzn-RequestId", request_id);
    Value inlined;
    const Value& value = output.inlined_value(inlined);
    Value body = op.output.shape ? json::to_wire(value, *op.output.shape) : Value::object();
    res.body = body.dump(-1, ' ', false, Value::error_handler_t::replace);
    return res;
  }

  http::Response serialize_error(const model::Service& service, const AwsError& error,
                                 const std::string& request_id) const override {
    http::Response res;
    res.status = error.status;
    res.headers.set("Content-Type", content_type(service));
    res.headers.set("x-amzn-RequestId", request_id);
    if (service.aws_query_compatible)
      res.headers.set("x-amzn-query-error", error.code + ";" + (error.sender_fault() ? "Sender" : "Receiver"));
    Value body = error.fields.is_object() ? error.fields : Value::object();
    body["__type"] = error.shape_name();
    body["message"] = error.message;
    res.body = body.dump(-1, ' ', false, Value::error_handler_t::replace);
    return res;
  }

 private:
  static std::string content_type(const model::Service& service) {
    return "application/x-amz-json-" + (service.json_version.empty() ? std::string("1.1") : service.json_version);
  }
};

}  // namespace

const Protocol& json_protocol() {
  static const JsonProtocol p;
  return p;
}

}  // namespace nuage::protocol
