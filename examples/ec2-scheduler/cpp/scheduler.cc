// The seed-000 functions `demarrage` and `arreter` in C++: a provided.al2023
// `bootstrap` that speaks the Lambda Runtime API and calls EC2
// StartInstances / StopInstances, signed with SigV4 using the execution
// role's credentials from the environment. One binary serves both functions:
// the handler name (_HANDLER, "demarrage.handler" or "arreter.handler")
// picks the action. Configuration, as for the Python handlers:
//   REGION (default AWS_REGION), INSTANCE_IDS="i-...,i-..."
//   AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL (default https://ec2.<region>.amazonaws.com
//   is not supported here: this lean client speaks plain HTTP only).
// Build: g++ -O1 -std=c++17 -I ../../cpp-common -o bootstrap scheduler.cc -lcrypto
// (the Runtime API loop, HTTP and SigV4 are ../../cpp-common/aws_lambda.h)
// Single-threaded; one invocation at a time, as the Runtime API intends.
#include <cstdio>
#include <string>
#include <vector>

#include "aws_lambda.h"

namespace {

using namespace aws_lambda;

// Calls EC2 <action>Instances on INSTANCE_IDS; prints what the Python handler prints.
Outcome run_ec2(bool start) {
  std::vector<std::string> ids;
  std::string list = env("INSTANCE_IDS");
  for (size_t pos = 0; pos <= list.size();) {
    auto comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    if (comma > pos) ids.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  const std::string action = start ? "StartInstances" : "StopInstances";
  auto ep = endpoint("EC2");
  if (!ep) return failure("ConfigError", "AWS_ENDPOINT_URL must be an http:// URL");
  std::string body = "Action=" + action + "&Version=2016-11-15";
  for (size_t i = 0; i < ids.size(); ++i) body += "&InstanceId." + std::to_string(i + 1) + "=" + uri_encode(ids[i]);
  Response r;
  if (!http(ep->host, ep->port, "POST", "/",
            sign_post(ep->hostport, region(), "ec2", "application/x-www-form-urlencoded; charset=utf-8", body), body,
            &r))
    return failure("ConnectionError", "cannot reach " + ep->url);
  if (r.status != 200) {
    auto code = xml_all(r.body, "Code"), message = xml_all(r.body, "Message");
    std::string c = code.empty() ? "HTTP" + std::to_string(r.status) : code[0];
    std::string m = message.empty() ? r.body : message[0];
    std::printf("[ERROR] An error occurred (%s) when calling the %s operation: %s\n", c.c_str(), action.c_str(), m.c_str());
    std::fflush(stdout);
    return failure(c, m);
  }
  auto changed = xml_all(r.body, "instanceId");
  auto states = xml_all(r.body, "name");  // currentState then previousState, per item
  std::string printed = "[", payload = "[";
  for (size_t i = 0; i < ids.size(); ++i) printed += (i ? ", '" : "'") + ids[i] + "'";
  printed += "]";
  std::printf("%s your instances: %s\n", start ? "started" : "stopped", printed.c_str());
  for (size_t i = 0; i < changed.size(); ++i) {
    std::string current = 2 * i < states.size() ? states[2 * i] : "?";
    std::string previous = 2 * i + 1 < states.size() ? states[2 * i + 1] : "?";
    std::printf("%s: %s -> %s\n", changed[i].c_str(), previous.c_str(), current.c_str());
    payload += (i ? ",\"" : "\"") + json_escape(changed[i]) + "\"";
  }
  std::fflush(stdout);
  return {true, payload + "]"};
}

}  // namespace

int main() {
  const std::string handler = env("_HANDLER", "arreter.handler");
  const bool start = handler.rfind("demarrage", 0) == 0 || handler.rfind("start", 0) == 0;
  return serve([&](const std::string&) { return run_ec2(start); });
}
