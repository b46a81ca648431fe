#include "model/model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "model/embedded.h"

namespace nuage::model {

using nlohmann::json;

const Member* Shape::find_member(std::string_view member_name) const {
  auto it = member_index.find(member_name);
  return it == member_index.end() ? nullptr : &members[it->second];
}

bool Shape::has_enum_value(std::string_view v) const {
  auto it = std::lower_bound(enum_order.begin(), enum_order.end(), v,
                             [this](uint32_t i, std::string_view x) { return enum_values[i] < x; });
  return it != enum_order.end() && enum_values[*it] == v;
}

bool Member::is_streaming() const { return streaming || (shape && shape->streaming); }

const Operation* Service::find_operation(std::string_view op) const {
  auto it = operations.find(op);
  return it == operations.end() ? nullptr : &it->second;
}

const Shape* Service::find_shape(std::string_view shape) const {
  auto it = shapes.find(shape);
  return it == shapes.end() ? nullptr : &it->second;
}

bool Service::speaks(std::string_view protocol_name) const {
  for (const auto& p : protocols)
    if (p == protocol_name) return true;
  return protocol == protocol_name;
}

static Type parse_type(const std::string& t) {
  if (t == "structure") return Type::kStructure;
  if (t == "list") return Type::kList;
  if (t == "map") return Type::kMap;
  if (t == "integer") return Type::kInteger;
  if (t == "long") return Type::kLong;
  if (t == "float") return Type::kFloat;
  if (t == "double") return Type::kDouble;
  if (t == "boolean") return Type::kBoolean;
  if (t == "timestamp") return Type::kTimestamp;
  if (t == "blob") return Type::kBlob;
  return Type::kString;  // string, character, enum-like strings
}

static std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

static bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// Fills a Member from a shape reference object {"shape": ..., traits...}.
static void parse_ref(Service& svc, const json& ref, Member& m) {
  m.shape = &svc.shapes.at(ref.at("shape").get<std::string>());
  m.location = str(ref, "location");
  m.location_name = str(ref, "locationName");
  m.query_name = str(ref, "queryName");
  m.flattened = flag(ref, "flattened");
  m.xml_attribute = flag(ref, "xmlAttribute");
  m.host_label = flag(ref, "hostLabel");
  m.idempotency_token = flag(ref, "idempotencyToken");
  m.json_value = flag(ref, "jsonvalue");
  m.event_payload = flag(ref, "eventpayload");
  m.streaming = flag(ref, "streaming");
  if (auto ns = ref.find("xmlNamespace"); ns != ref.end() && ns->is_object()) {
    m.xml_namespace = str(*ns, "uri");
    m.xml_namespace_prefix = str(*ns, "prefix");
  }
}

// Sets Shape::constrained: a shape with constraints of its own, then (to a
// fixed point, since shapes may be recursive) every shape holding one.
static void mark_constrained(Service& svc) {
  for (auto& entry : svc.shapes) {
    Shape& s = entry.second;
    s.enum_order.resize(s.enum_values.size());
    for (uint32_t i = 0; i < s.enum_order.size(); ++i) s.enum_order[i] = i;
    std::sort(s.enum_order.begin(), s.enum_order.end(),
              [&s](uint32_t a, uint32_t b) { return s.enum_values[a] < s.enum_values[b]; });
    s.constrained = !s.required.empty() || s.min >= 0 || s.max >= 0 || !s.pattern.empty() || !s.enum_values.empty();
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [name, s] : svc.shapes) {
      if (s.constrained || s.document) continue;
      bool holds = false;
      for (const auto& m : s.members) holds = holds || m.shape->constrained;
      if (s.type == Type::kList) holds = s.member.shape && s.member.shape->constrained;
      if (s.type == Type::kMap)
        holds = (s.key.shape && s.key.shape->constrained) || (s.value.shape && s.value.shape->constrained);
      if (holds) s.constrained = changed = true;
    }
  }
}

std::unique_ptr<Service> parse_service(std::string_view name, std::string_view json_text) {
  json doc = json::parse(json_text);
  auto svc = std::make_unique<Service>();
  svc->name = std::string(name);
  const json& meta = doc.at("metadata");
  svc->api_version = str(meta, "apiVersion");
  svc->protocol = str(meta, "protocol");
  if (auto p = meta.find("protocols"); p != meta.end())
    for (const auto& v : *p) svc->protocols.push_back(v.get<std::string>());
  if (svc->protocols.empty()) svc->protocols.push_back(svc->protocol);
  svc->target_prefix = str(meta, "targetPrefix");
  svc->json_version = str(meta, "jsonVersion");
  svc->xml_namespace = str(meta, "xmlNamespace");
  svc->signing_name = str(meta, "signingName");
  svc->endpoint_prefix = str(meta, "endpointPrefix");
  if (svc->signing_name.empty()) svc->signing_name = svc->endpoint_prefix;
  svc->service_id = str(meta, "serviceId");
  svc->global = meta.contains("globalEndpoint");
  svc->aws_query_compatible = meta.contains("awsQueryCompatible");

  // Two passes: create every shape so references resolve, then fill them.
  const json& shapes = doc.at("shapes");
  for (auto it = shapes.begin(); it != shapes.end(); ++it) {
    Shape& s = svc->shapes[it.key()];
    s.name = it.key();
    s.type = parse_type(str(*it, "type"));
  }
  for (auto it = shapes.begin(); it != shapes.end(); ++it) {
    const json& j = *it;
    Shape& s = svc->shapes[it.key()];
    s.payload = str(j, "payload");
    s.flattened = flag(j, "flattened");
    s.location_name = str(j, "locationName");
    s.timestamp_format = str(j, "timestampFormat");
    s.streaming = flag(j, "streaming") || flag(j, "eventstream");
    s.exception = flag(j, "exception");
    s.is_union = flag(j, "union");
    s.document = flag(j, "document");
    s.sensitive = flag(j, "sensitive");
    s.pattern = str(j, "pattern");
    if (auto ns = j.find("xmlNamespace"); ns != j.end() && ns->is_object()) {
      s.xml_namespace = str(*ns, "uri");
      s.xml_namespace_prefix = str(*ns, "prefix");
    }
    if (auto v = j.find("min"); v != j.end() && v->is_number()) s.min = v->get<double>();
    if (auto v = j.find("max"); v != j.end() && v->is_number()) s.max = v->get<double>();
    if (auto e = j.find("enum"); e != j.end())
      for (const auto& v : *e) s.enum_values.push_back(v.get<std::string>());
    if (auto e = j.find("error"); e != j.end() && e->is_object()) {
      s.error.code = str(*e, "code");
      if (auto st = e->find("httpStatusCode"); st != e->end()) s.error.http_status = st->get<int>();
      if (auto sf = e->find("senderFault"); sf != e->end()) s.error.sender_fault = sf->get<bool>();
    }
    // "fault": true marks a server-side error (5xx unless a status is given).
    if (auto f = j.find("fault"); f != j.end() && f->is_boolean() && f->get<bool>()) s.error.sender_fault = false;
    if (auto r = j.find("required"); r != j.end())
      for (const auto& v : *r) s.required.insert(v.get<std::string>());
    if (auto m = j.find("members"); m != j.end()) {
      // A json object iterates in key order: members come sorted by name,
      // which the XML writer's merge relies on.
      for (auto mit = m->begin(); mit != m->end(); ++mit) {
        Member mem;
        mem.name = mit.key();
        parse_ref(*svc, *mit, mem);
        s.member_index.emplace(mem.name, s.members.size());
        s.members.push_back(std::move(mem));
      }
    }
    if (auto m = j.find("member"); m != j.end()) parse_ref(*svc, *m, s.member);
    if (auto k = j.find("key"); k != j.end()) parse_ref(*svc, *k, s.key);
    if (auto v = j.find("value"); v != j.end()) parse_ref(*svc, *v, s.value);
  }

  mark_constrained(*svc);

  for (const auto& [op_name, j] : doc.at("operations").items()) {
    Operation op;
    op.name = op_name;
    if (auto h = j.find("http"); h != j.end()) {
      op.http_method = str(*h, "method");
      op.request_uri = str(*h, "requestUri");
      if (auto rc = h->find("responseCode"); rc != h->end()) op.response_code = rc->get<int>();
    }
    if (auto in = j.find("input"); in != j.end()) parse_ref(*svc, *in, op.input);
    if (auto out = j.find("output"); out != j.end()) {
      parse_ref(*svc, *out, op.output);
      op.result_wrapper = str(*out, "resultWrapper");
    }
    if (auto errs = j.find("errors"); errs != j.end())
      for (const auto& e : *errs) op.errors.push_back(&svc->shapes.at(e.at("shape").get<std::string>()));
    op.deprecated = flag(j, "deprecated");
    std::string authtype = str(j, "authtype");
    op.unsigned_allowed = authtype == "none";
    if (auto auth = j.find("auth"); auth != j.end())
      for (const auto& a : *auth)
        if (a == "smithy.api#noAuth") op.unsigned_allowed = true;
    if (auto ep = j.find("endpoint"); ep != j.end()) op.host_prefix = str(*ep, "hostPrefix");
    op.deprecated = flag(j, "deprecated");
    svc->operations.emplace(op_name, std::move(op));
  }
  return svc;
}

namespace {
constexpr std::string_view kQueryDialectSuffix = "_query";

bool is_query_dialect(std::string_view name) {
  return name.size() > kQueryDialectSuffix.size() &&
         name.substr(name.size() - kQueryDialectSuffix.size()) == kQueryDialectSuffix;
}

// The query-era error codes (AWS.SimpleQueueService.NonExistentQueue) that
// the json model no longer declares.
void adopt_query_errors(Service& svc, const Service& query) {
  for (auto& [name, shape] : svc.shapes) {
    if (!shape.exception || !shape.error.code.empty()) continue;
    const Shape* old = query.find_shape(name);
    if (!old || !old->exception) continue;
    shape.error.code = old->error.code;
    if (!shape.error.http_status) shape.error.http_status = old->error.http_status;
  }
}

// A service that moved off query (SQS) never checked its enums: it answers
// names it does not know with errors of its own (InvalidAttributeName), and
// ReceiveMessage's AttributeNames, typed with the queue attributes' enum,
// takes message attribute names (ApproximateReceiveCount) from every client.
void drop_enums(Service& svc) {
  for (auto& [name, shape] : svc.shapes) {
    shape.enum_values.clear();
    shape.enum_order.clear();
  }
}

struct Registry {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<Service>, std::less<>> loaded;
  std::vector<std::unique_ptr<Service>> dialects;  // owned here, reached through their service
};
Registry& registry() {
  static Registry r;
  return r;
}
}  // namespace

const Service* find_service(std::string_view name) {
  if (is_query_dialect(name)) return nullptr;
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (auto it = r.loaded.find(name); it != r.loaded.end()) return it->second.get();
  for (const auto& e : embedded_specs()) {
    if (e.name == name) {
      auto svc = parse_service(name, e.json);
      for (const auto& dialect : embedded_specs())
        if (dialect.name == std::string(name).append(kQueryDialectSuffix)) {
          auto query = parse_service(dialect.name, dialect.json);
          adopt_query_errors(*svc, *query);
          drop_enums(*svc);
          drop_enums(*query);
          svc->query_dialect = query.get();
          r.dialects.push_back(std::move(query));
        }
      const Service* out = svc.get();
      r.loaded.emplace(std::string(name), std::move(svc));
      return out;
    }
  }
  return nullptr;
}

size_t operation_count(std::string_view name) {
  for (const auto& e : embedded_specs())
    if (e.name == name) return e.operations;
  return 0;
}

std::vector<std::string> service_names() {
  std::vector<std::string> out;
  for (const auto& e : embedded_specs())
    if (!is_query_dialect(e.name)) out.emplace_back(e.name);
  return out;
}

}  // namespace nuage::model
