// The seed-003 remediation function in C++: a provided.al2023 `bootstrap`
// doing what handlers/remediate.py does. AWS Config invokes it for every
// change of a security group; it puts the group's ingress back to the
// rule's `desiredIngress` (comma-separated `protocol:port[-port]:cidr`) by
// revoking what is not desired and authorizing what is missing (EC2, query
// protocol). It reports the compliance of the configuration it was sent
// first, with PutEvaluations (AWS Config, json protocol): NON_COMPLIANT when
// it has to act, COMPLIANT otherwise -- before acting, so the heal's own
// COMPLIANT verdict comes last. Groups named `default` are NOT_APPLICABLE. Requests are signed with SigV4 using
// the execution role's credentials; the Runtime API loop, HTTP and SigV4
// are ../../cpp-common/aws_lambda.h, JSON is nlohmann/json (header-only).
// Build: cpp/build.sh (g++ -std=c++17 ... -lcrypto).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "aws_lambda.h"

namespace {

using namespace aws_lambda;
using json = nlohmann::json;

// protocol, from port, to port, kind ("ipv4", "ipv6", "group", "prefix-list"), source
using Rule = std::tuple<std::string, int, int, std::string, std::string>;

struct Failure {
  std::string code, message;
};

std::set<Rule> desired_rules(const json& parameters) {
  std::set<Rule> out;
  std::string list = parameters.value("desiredIngress", "");
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    std::string entry = list.substr(pos, comma - pos);
    pos = comma + 1;
    while (!entry.empty() && entry.front() == ' ') entry.erase(0, 1);
    while (!entry.empty() && entry.back() == ' ') entry.pop_back();
    size_t a = entry.find(':'), b = a == std::string::npos ? a : entry.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string protocol = entry.substr(0, a), ports = entry.substr(a + 1, b - a - 1), cidr = entry.substr(b + 1);
    size_t dash = ports.find('-');
    int low = std::atoi(ports.substr(0, dash).c_str());
    int high = dash == std::string::npos ? low : std::atoi(ports.substr(dash + 1).c_str());
    out.insert({protocol, low, high, cidr.find(':') != std::string::npos ? "ipv6" : "ipv4", cidr});
  }
  return out;
}

std::set<Rule> current_rules(const json& permissions) {
  std::set<Rule> out;
  for (const auto& p : permissions) {
    std::string protocol = p.value("ipProtocol", "-1");
    int low = p.value("fromPort", -1), high = p.value("toPort", -1);
    for (const auto& r : p.value("ipv4Ranges", json::array())) out.insert({protocol, low, high, "ipv4", r.value("cidrIp", "")});
    for (const auto& r : p.value("ipv6Ranges", json::array()))
      out.insert({protocol, low, high, "ipv6", r.value("cidrIpv6", "")});
    for (const auto& g : p.value("userIdGroupPairs", json::array()))
      out.insert({protocol, low, high, "group", g.value("groupId", "")});
    for (const auto& l : p.value("prefixListIds", json::array()))
      out.insert({protocol, low, high, "prefix-list", l.value("prefixListId", "")});
  }
  return out;
}

std::string describe(const Rule& r) {
  const auto& [protocol, low, high, kind, source] = r;
  std::string ports = protocol == "-1" ? "all" : low == high ? std::to_string(low) : std::to_string(low) + "-" + std::to_string(high);
  return protocol + "/" + ports + " from " + source;
}

// EC2's query protocol: Action=...&GroupId=...&IpPermissions.1.*
std::optional<Failure> ec2_ingress(const std::string& action, const std::string& group, const Rule& rule) {
  auto ep = endpoint("EC2");
  if (!ep) return Failure{"ConfigError", "AWS_ENDPOINT_URL must be an http:// URL"};
  const auto& [protocol, low, high, kind, source] = rule;
  std::string body = "Action=" + action + "&Version=2016-11-15&GroupId=" + uri_encode(group) +
                     "&IpPermissions.1.IpProtocol=" + uri_encode(protocol);
  if (protocol != "-1")
    body += "&IpPermissions.1.FromPort=" + std::to_string(low) + "&IpPermissions.1.ToPort=" + std::to_string(high);
  if (kind == "ipv4") body += "&IpPermissions.1.IpRanges.1.CidrIp=" + uri_encode(source);
  if (kind == "ipv6") body += "&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=" + uri_encode(source);
  if (kind == "group") body += "&IpPermissions.1.Groups.1.GroupId=" + uri_encode(source);
  if (kind == "prefix-list") body += "&IpPermissions.1.PrefixListIds.1.PrefixListId=" + uri_encode(source);
  Response r;
  if (!http(ep->host, ep->port, "POST", "/",
            sign_post(ep->hostport, region(), "ec2", "application/x-www-form-urlencoded; charset=utf-8", body), body, &r))
    return Failure{"ConnectionError", "cannot reach " + ep->url};
  if (r.status == 200) return std::nullopt;
  auto code = xml_all(r.body, "Code"), message = xml_all(r.body, "Message");
  return Failure{code.empty() ? "HTTP" + std::to_string(r.status) : code[0], message.empty() ? r.body : message[0]};
}

// AWS Config's json protocol (target prefix StarlingDoveService).
std::optional<Failure> config_call(const std::string& operation, const json& input, json* answer = nullptr) {
  auto ep = endpoint("CONFIG_SERVICE");
  if (!ep) return Failure{"ConfigError", "AWS_ENDPOINT_URL must be an http:// URL"};
  std::string body = input.dump();
  Response r;
  if (!http(ep->host, ep->port, "POST", "/",
            sign_post(ep->hostport, region(), "config", "application/x-amz-json-1.1", body,
                      {"x-amz-target:StarlingDoveService." + operation}),
            body, &r))
    return Failure{"ConnectionError", "cannot reach " + ep->url};
  json parsed = json::parse(r.body, nullptr, false);
  if (r.status != 200) {
    std::string type = parsed.is_object() ? parsed.value("__type", "") : "";
    return Failure{type.empty() ? "HTTP" + std::to_string(r.status) : type.substr(type.find('#') + 1),
                   parsed.is_object() ? parsed.value("message", r.body) : r.body};
  }
  if (answer) *answer = std::move(parsed);
  return std::nullopt;
}

// The event's configuration item, fetched when it was too large to be sent.
std::optional<json> latest_item(const json& invoking) {
  if (invoking.value("messageType", "") != "OversizedConfigurationItemChangeNotification")
    return invoking["configurationItem"];
  const json& summary = invoking["configurationItemSummary"];
  json history;
  if (config_call("GetResourceConfigHistory",
                  {{"resourceType", summary["resourceType"]}, {"resourceId", summary["resourceId"]}, {"limit", 1}},
                  &history))
    return std::nullopt;
  json item = history["configurationItems"][0];
  item["configuration"] = json::parse(item.value("configuration", "null"), nullptr, false);
  item["configurationItemCaptureTime"] = summary["configurationItemCaptureTime"];
  return item;
}

// Sends one evaluation; a failure is logged as the Python SDK would.
std::optional<Failure> report(const json& item, const std::string& group, const std::string& compliance,
                              const std::string& annotation, const std::string& token) {
  json evaluation = {{"ComplianceResourceType", item["resourceType"]},
                     {"ComplianceResourceId", group},
                     {"ComplianceType", compliance},
                     {"Annotation", annotation.substr(0, 256)},
                     {"OrderingTimestamp", item["configurationItemCaptureTime"]}};
  auto f = config_call("PutEvaluations", {{"Evaluations", json::array({evaluation})}, {"ResultToken", token}});
  if (f)
    std::printf("[ERROR] An error occurred (%s) when calling the PutEvaluations operation: %s\n", f->code.c_str(),
                f->message.c_str());
  return f;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

Outcome handle(const std::string& text) {
  json event = json::parse(text, nullptr, false);
  if (!event.is_object()) return failure("InvalidEvent", "the event is not JSON");
  json invoking = json::parse(event.value("invokingEvent", ""), nullptr, false);
  json parameters = json::parse(event.value("ruleParameters", "{}"), nullptr, false);
  auto item = invoking.is_object() ? latest_item(invoking) : std::nullopt;
  if (!item) return failure("InvalidEvent", "no configuration item in the event");
  std::string group = item->value("resourceId", "");
  std::string token = event.value("resultToken", "");
  json configuration = (*item)["configuration"].is_object() ? (*item)["configuration"] : json::object();
  std::string compliance, annotation;
  if (item->value("configurationItemStatus", "") == "ResourceDeleted" || event.value("eventLeftScope", false) ||
      configuration.value("groupName", "") == "default") {
    compliance = "NOT_APPLICABLE";
    annotation = "not managed by this rule";
    if (auto f = report(*item, group, compliance, annotation, token)) return failure(f->code, f->message);
  } else {
    std::set<Rule> current = current_rules(configuration.value("ipPermissions", json::array()));
    std::set<Rule> desired = desired_rules(parameters.is_object() ? parameters : json::object());
    std::vector<std::string> differences;
    for (const auto& rule : current)
      if (!desired.count(rule)) differences.push_back("not desired " + describe(rule));
    for (const auto& rule : desired)
      if (!current.count(rule)) differences.push_back("missing " + describe(rule));
    compliance = differences.empty() ? "COMPLIANT" : "NON_COMPLIANT";
    if (auto f = report(*item, group, compliance,
                        differences.empty() ? "ingress is as desired"
                                            : "differs from desiredIngress: " + joined(differences),
                        token))
      return failure(f->code, f->message);
    std::vector<std::string> done;
    for (const auto& rule : current) {
      if (desired.count(rule)) continue;
      auto f = ec2_ingress("RevokeSecurityGroupIngress", group, rule);
      if (f && f->code != "InvalidPermission.NotFound") return failure(f->code, f->message);
      if (!f) done.push_back("revoked " + describe(rule));
    }
    for (const auto& rule : desired) {
      if (current.count(rule)) continue;
      auto f = ec2_ingress("AuthorizeSecurityGroupIngress", group, rule);
      if (f && f->code != "InvalidPermission.Duplicate") return failure(f->code, f->message);
      if (!f) done.push_back("authorized " + describe(rule));
    }
    annotation = done.empty() ? "ingress is as desired" : "restored the desired ingress: " + joined(done);
  }
  std::printf("%s: %s (%s)\n", group.c_str(), compliance.c_str(), annotation.c_str());
  return {true, json{{"compliance", compliance}, {"annotation", annotation}}.dump()};
}

}  // namespace

int main() { return serve(handle); }
