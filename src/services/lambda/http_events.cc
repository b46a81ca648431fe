#include "services/lambda/http_events.h"

#include <ctime>

#include "common/text.h"

namespace nuage::services::lambda {

using kit::Value;

namespace {

// "12/Mar/2020:19:03:58 +0000", the time form of API Gateway's events.
std::string clf_time(Clock::TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

int64_t epoch_ms(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The request's query parameters, decoded, in order ("a=1&a=2&b").
std::vector<std::pair<std::string, std::string>> query_pairs(const http::Request& request) {
  auto pairs = text::parse_query(request.query(), true);
  return pairs ? *pairs : std::vector<std::pair<std::string, std::string>>{};
}

// The headers as AWS forwards them, with the ones API Gateway adds.
std::vector<std::pair<std::string, std::string>> forwarded_headers(const http::Request& request) {
  auto items = request.headers.items();
  if (!request.headers.contains("x-forwarded-for")) items.emplace_back("x-forwarded-for", request.remote_address);
  if (!request.headers.contains("x-forwarded-proto")) items.emplace_back("x-forwarded-proto", "http");
  return items;
}

void add_body(const http::Request& request, Value& event) {
  std::string body = request.body.read_all();
  bool text = is_text_content(request.headers.get("content-type")) && text::is_valid_utf8(body);
  if (body.empty()) {
    event["isBase64Encoded"] = false;
    return;
  }
  event["body"] = text ? body : text::base64_encode(body);
  event["isBase64Encoded"] = !text;
}

Value string_map(const std::map<std::string, std::string>& m) {
  Value out = Value::object();
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

std::string decoded_path(const std::string& path) { return text::uri_decode(path).value_or(path); }

}  // namespace

bool is_text_content(const std::string& content_type) {
  std::string type = text::lower(std::string(text::trim(content_type.substr(0, content_type.find(';')))));
  if (type.empty() || text::starts_with(type, "text/")) return true;
  for (const char* suffix : {"/json", "+json", "/xml", "+xml", "/javascript", "/yaml", "+yaml"})
    if (text::ends_with(type, suffix)) return true;
  return false;
}

Value http_event_v2(const http::Request& request, const HttpEventContext& c) {
  Value event = {{"version", "2.0"}, {"routeKey", c.route_key}, {"rawPath", c.path}};
  std::string query(request.query());
  event["rawQueryString"] = query;
  Value headers = Value::object();
  Value cookies = Value::array();
  for (const auto& [name, value] : forwarded_headers(request)) {
    if (name == "cookie") {
      for (const auto& cookie : text::split(value, ';'))
        if (auto trimmed = text::trim(cookie); !trimmed.empty()) cookies.push_back(std::string(trimmed));
      continue;
    }
    if (headers.contains(name)) headers[name] = headers[name].get<std::string>() + "," + value;
    else headers[name] = value;
  }
  if (!cookies.empty()) event["cookies"] = cookies;
  event["headers"] = headers;
  Value params = Value::object();
  for (const auto& [k, v] : query_pairs(request))
    params[k] = params.contains(k) ? params[k].get<std::string>() + "," + v : v;
  if (!params.empty()) event["queryStringParameters"] = params;
  Value context = {{"accountId", c.account_id}, {"apiId", c.api_id}};
  if (!c.authorizer.is_null()) context["authorizer"] = c.authorizer;
  context["domainName"] = c.domain_name;
  context["domainPrefix"] = c.domain_prefix;
  context["http"] = {{"method", request.method},
                     {"path", decoded_path(c.path)},
                     {"protocol", "HTTP/1.1"},
                     {"sourceIp", request.remote_address},
                     {"userAgent", request.headers.get("user-agent")}};
  context["requestId"] = c.request_id;
  context["routeKey"] = c.route_key;
  context["stage"] = c.stage;
  context["time"] = clf_time(c.time);
  context["timeEpoch"] = epoch_ms(c.time);
  event["requestContext"] = context;
  add_body(request, event);
  if (!c.path_parameters.empty()) event["pathParameters"] = string_map(c.path_parameters);
  if (!c.stage_variables.empty()) event["stageVariables"] = string_map(c.stage_variables);
  return event;
}

Value http_event_v1(const http::Request& request, const HttpEventContext& c) {
  Value event = {{"version", "1.0"},
                 {"resource", c.resource_path},
                 {"path", decoded_path(c.path)},
                 {"httpMethod", request.method}};
  Value headers = Value::object(), multi_headers = Value::object();
  for (const auto& [name, value] : forwarded_headers(request)) {
    headers[name] = value;  // the last value, as AWS keeps it
    multi_headers[name].push_back(value);
  }
  event["headers"] = headers;
  event["multiValueHeaders"] = multi_headers;
  Value params = Value::object(), multi_params = Value::object();
  for (const auto& [k, v] : query_pairs(request)) {
    params[k] = v;
    multi_params[k].push_back(v);
  }
  event["queryStringParameters"] = params.empty() ? Value() : params;
  event["multiValueQueryStringParameters"] = multi_params.empty() ? Value() : multi_params;
  Value identity = Value::object();
  for (const char* key : {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
                          "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId"})
    identity[key] = nullptr;
  identity["sourceIp"] = request.remote_address;
  identity["user"] = nullptr;
  identity["userAgent"] = request.headers.get("user-agent");
  identity["userArn"] = nullptr;
  event["requestContext"] = {{"accountId", c.account_id},
                             {"apiId", c.api_id},
                             {"domainName", c.domain_name},
                             {"domainPrefix", c.domain_prefix},
                             {"extendedRequestId", c.request_id},
                             {"httpMethod", request.method},
                             {"identity", identity},
                             {"path", decoded_path(c.path)},
                             {"protocol", "HTTP/1.1"},
                             {"requestId", c.request_id},
                             {"requestTime", clf_time(c.time)},
                             {"requestTimeEpoch", epoch_ms(c.time)},
                             {"resourceId", c.route_key},
                             {"resourcePath", c.resource_path},
                             {"stage", c.stage}};
  event["pathParameters"] = c.path_parameters.empty() ? Value() : string_map(c.path_parameters);
  event["stageVariables"] = c.stage_variables.empty() ? Value() : string_map(c.stage_variables);
  event["body"] = nullptr;
  add_body(request, event);
  return event;
}

namespace {

// A header value as a string (functions often return numbers).
std::string header_text(const Value& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

bool http_response_from(const std::string& payload, bool payload_v2, http::Response& out) {
  Value answer = Value::parse(payload, nullptr, false);
  if (answer.is_discarded()) return false;
  out = http::Response{};
  if (!answer.is_object() || !answer.contains("statusCode")) {
    if (!payload_v2) return false;
    // 2.0's simple form: the value is the body of a JSON answer.
    out.status = 200;
    out.headers.set("Content-Type", "application/json");
    out.body = payload;
    return true;
  }
  const Value& status = answer["statusCode"];
  int code = status.is_number_integer() ? status.get<int>()
             : status.is_string()      ? std::atoi(status.get<std::string>().c_str())
                                       : 0;
  if (code < 100 || code > 599) return false;
  out.status = code;
  if (auto h = answer.find("headers"); h != answer.end() && h->is_object())
    for (const auto& [name, value] : h->items()) out.headers.set(name, header_text(value));
  if (auto h = answer.find("multiValueHeaders"); h != answer.end() && h->is_object())
    for (const auto& [name, values] : h->items()) {
      if (!values.is_array()) continue;
      out.headers.remove(name);
      for (const auto& value : values) out.headers.add(name, header_text(value));
    }
  if (payload_v2)
    if (auto c = answer.find("cookies"); c != answer.end() && c->is_array())
      for (const auto& cookie : *c)
        if (cookie.is_string()) out.headers.add("Set-Cookie", cookie.get<std::string>());
  if (auto b = answer.find("body"); b != answer.end() && !b->is_null()) {
    std::string body = b->is_string() ? b->get<std::string>() : b->dump();
    if (answer.value("isBase64Encoded", false)) {
      auto decoded = text::base64_decode(body);
      if (!decoded) return false;
      body = std::move(*decoded);
    }
    out.body = std::move(body);
  }
  if (!out.headers.contains("content-type")) out.headers.set("Content-Type", "application/json");
  return true;
}

http::Response http_message(int status, const std::string& message) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = Value{{"message", message}}.dump();
  return res;
}

}  // namespace nuage::services::lambda
