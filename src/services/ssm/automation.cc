#include "services/ssm/automation.h"

#include <algorithm>
#include <functional>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

namespace {

const char* kExecution = "automation-execution";

struct Parameter {
  const char* name;
  const char* description;
  bool required;
};

// One execution of a runbook: its steps as they ran.
struct Run {
  const kit::Environment& env;
  auth::Credential credential;
  std::string region;
  Value parameters;  // name -> [values]
  Value steps = Value::array();
  Value outputs = Value::object();
  bool failed = false;

  std::string first(const char* name) const {
    auto it = parameters.find(name);
    return it != parameters.end() && !it->empty() ? (*it)[0].get<std::string>() : "";
  }
  // The values of a list parameter, commas splitting values too.
  std::vector<std::string> list(const char* name) const {
    std::vector<std::string> out;
    for (const auto& v : parameters.value(name, Value::array()))
      for (const auto& part : text::split(v.get<std::string>(), ','))
        if (!text::trim(part).empty()) out.emplace_back(text::trim(part));
    return out;
  }
  // Runs one step; a failed step fails the execution, later steps still run
  // (the runbooks' steps continue on failure).
  void step(const std::string& name, const std::string& action, Value inputs, const std::function<Status(Value&)>& body) {
    double start = timefmt::epoch_seconds(env.clock.now());
    Value out = Value::object();
    Status s = body(out);
    Value step = {{"StepName", name},
                  {"Action", action},
                  {"ExecutionStartTime", start},
                  {"ExecutionEndTime", timefmt::epoch_seconds(env.clock.now())},
                  {"StepStatus", s.ok() ? "Success" : "Failed"},
                  {"Inputs", inputs},
                  {"Outputs", out},
                  {"OnFailure", "Continue"},
                  {"IsCritical", true},
                  {"IsEnd", false},
                  {"StepExecutionId", crypto::random_uuid()}};
    if (!s.ok()) {
      step["FailureMessage"] = s.error().code + ": " + s.error().message;
      step["FailureDetails"] = {{"FailureStage", "Invocation"}, {"FailureType", "Verification"}};
      failed = true;
    }
    steps.push_back(std::move(step));
  }
  Status call(const char* operation, const Value& input, Value* answer = nullptr) const {
    auto out = env.call("ec2", operation, input, credential, region);
    if (!out) return out.error();
    if (answer) *answer = std::move(out->value);
    return Status::Ok();
  }
};

Value world_permission(int port, const char* cidr, bool ipv6) {
  Value range = ipv6 ? Value{{"CidrIpv6", cidr}} : Value{{"CidrIp", cidr}};
  return {{"IpProtocol", "tcp"}, {"FromPort", port}, {"ToPort", port},
          {ipv6 ? "Ipv6Ranges" : "IpRanges", Value::array({range})}};
}

void disable_public_access(Run& run) {
  std::string group = run.first("GroupId");
  struct Revoke {
    const char* step;
    int port;
    std::string cidr;
    bool ipv6;
  };
  std::vector<Revoke> revokes = {{"DisableSSHFromIpV4", 22, "0.0.0.0/0", false},
                                 {"DisableSSHFromIpV6", 22, "::/0", true},
                                 {"DisableRDPFromIpV4", 3389, "0.0.0.0/0", false},
                                 {"DisableRDPFromIpV6", 3389, "::/0", true}};
  std::string custom = run.first("IpAddressToBlock");
  if (!custom.empty()) {
    revokes.push_back({"DisableSSHFromCustomIpV4", 22, custom, false});
    revokes.push_back({"DisableRDPFromCustomIpV4", 3389, custom, false});
  }
  for (const auto& r : revokes) {
    Value input = {{"GroupId", group}, {"IpPermissions", Value::array({world_permission(r.port, r.cidr.c_str(), r.ipv6)})}};
    run.step(r.step, "aws:executeAwsApi",
             {{"Service", "ec2"}, {"Api", "RevokeSecurityGroupIngress"}, {"GroupId", group},
              {"IpPermissions", input["IpPermissions"].dump()}},
             [&](Value& outputs) -> Status {
               // On AWS, revoking a rule the group does not have is no
               // error (the rule comes back as unknown): the step succeeds.
               Status s = run.call("RevokeSecurityGroupIngress", input);
               if (!s.ok() && s.error().code == "InvalidPermission.NotFound") {
                 outputs["UnknownIpPermissions"] = input["IpPermissions"];
                 return Status::Ok();
               }
               return s;
             });
  }
}

// Whether an EC2 permission (output shape) opens TCP 22.
bool opens_ssh(const Value& p) {
  std::string proto = p.value("IpProtocol", "");
  if (proto == "-1") return true;
  if (proto != "tcp" && proto != "6") return false;
  return p.value("FromPort", 0) <= 22 && 22 <= p.value("ToPort", 65535);
}

void disable_incoming_ssh(Run& run) {
  std::vector<std::string> groups = run.list("SecurityGroupIds");
  run.step("DisableIncomingSSHTemplate", "aws:executeScript",
           {{"Runtime", "python3.11"}, {"Handler", "disable_incoming_ssh"},
            {"InputPayload", Value{{"SecurityGroupIds", groups}}.dump()}},
           [&](Value& outputs) -> Status {
             Value revoked = Value::array();
             for (const auto& group : groups) {
               Value described;
               NUAGE_TRY(run.call("DescribeSecurityGroups", Value{{"GroupIds", {group}}}, &described));
               for (const auto& sg : described.value("SecurityGroups", Value::array()))
                 for (const auto& p : sg.value("IpPermissions", Value::array())) {
                   if (!opens_ssh(p)) continue;
                   Value perm = {{"IpProtocol", p["IpProtocol"]}};
                   if (p.contains("FromPort")) perm["FromPort"] = p["FromPort"];
                   if (p.contains("ToPort")) perm["ToPort"] = p["ToPort"];
                   bool world = false;
                   for (const char* list : {"IpRanges", "Ipv6Ranges"})
                     for (const auto& r : p.value(list, Value::array()))
                       if (r.value("CidrIp", "") == "0.0.0.0/0" || r.value("CidrIpv6", "") == "::/0") {
                         perm[list].push_back(r.contains("CidrIp") ? Value{{"CidrIp", r["CidrIp"]}}
                                                                   : Value{{"CidrIpv6", r["CidrIpv6"]}});
                         world = true;
                       }
                   if (!world) continue;
                   NUAGE_TRY(run.call("RevokeSecurityGroupIngress",
                                      Value{{"GroupId", group}, {"IpPermissions", Value::array({perm})}}));
                   revoked.push_back({{"GroupId", group}, {"Permission", perm}});
                 }
             }
             outputs["RevokedPermissions"] = Value::array({revoked.dump()});
             return Status::Ok();
           });
}

struct Runbook {
  const char* name;
  const char* description;
  std::vector<Parameter> parameters;
  std::vector<std::pair<const char*, const char*>> steps;  // name, action
  void (*run)(Run&);
};

const Parameter kAssumeRole = {"AutomationAssumeRole",
                               "(Optional) The ARN of the role that allows Automation to perform the actions on your "
                               "behalf.",
                               false};

const std::vector<Runbook>& runbooks() {
  static const std::vector<Runbook> all = {
      {"AWS-DisablePublicAccessForSecurityGroup",
       "Disable SSH and RDP ports opened to IP address specified, or to all addresses if no IP address is specified.",
       {{"GroupId", "(Required) Security Group ID", true},
        {"IpAddressToBlock", "(Optional) Additional IPv4 address to block access from (ex:1.2.3.4/32)", false},
        kAssumeRole},
       {{"DisableSSHFromIpV4", "aws:executeAwsApi"},
        {"DisableSSHFromIpV6", "aws:executeAwsApi"},
        {"DisableRDPFromIpV4", "aws:executeAwsApi"},
        {"DisableRDPFromIpV6", "aws:executeAwsApi"},
        {"DisableSSHFromCustomIpV4", "aws:executeAwsApi"},
        {"DisableRDPFromCustomIpV4", "aws:executeAwsApi"}},
       disable_public_access},
      {"AWS-DisableIncomingSSHOnPort22",
       "Disables all incoming traffic on port 22 on the security groups.",
       {{"SecurityGroupIds", "(Required) Security Group IDs - comma separated", true}, kAssumeRole},
       {{"DisableIncomingSSHTemplate", "aws:executeScript"}},
       disable_incoming_ssh},
  };
  return all;
}

const Runbook* find_runbook(const std::string& name) {
  for (const auto& r : runbooks())
    if (name == r.name || text::ends_with(name, std::string(":document/") + r.name)) return &r;
  return nullptr;
}

Value content_of(const Runbook& r) {
  Value params = Value::object();
  for (const auto& p : r.parameters) {
    Value v = {{"type", "String"}, {"description", p.description}};
    if (!p.required) v["default"] = "";
    params[p.name] = std::move(v);
  }
  Value steps = Value::array();
  for (const auto& [name, action] : r.steps) steps.push_back({{"name", name}, {"action", action}});
  return {{"schemaVersion", "0.3"},
          {"description", r.description},
          {"assumeRole", "{{ AutomationAssumeRole }}"},
          {"parameters", params},
          {"mainSteps", steps}};
}

Status check_version(const Value& in, const std::string& name) {
  std::string v = in.value("DocumentVersion", "1");
  if (v == "1" || v == "$DEFAULT" || v == "$LATEST") return Status::Ok();
  return errors("AutomationDefinitionVersionNotFoundException",
                "Document version " + v + " does not exist for document " + name + ".");
}

}  // namespace

Result<Output> Automation::get_document(Context&, const Value& in) {
  const Runbook* r = find_runbook(in.at("Name"));
  if (!r) return errors("InvalidDocument", "The specified document does not exist.");
  std::string v = in.value("DocumentVersion", "1");
  if (v != "1" && v != "$DEFAULT" && v != "$LATEST")
    return errors("InvalidDocumentVersion", "The document version is not valid or does not exist.");
  Output out;
  out.value = {{"Name", r->name},           {"DocumentVersion", "1"},      {"Status", "Active"},
               {"Content", content_of(*r).dump()}, {"DocumentType", "Automation"}, {"DocumentFormat", "JSON"}};
  return out;
}

Result<Output> Automation::start_execution(Context& ctx, const Value& in) {
  std::string name = in.at("DocumentName");
  const Runbook* book = find_runbook(name);
  if (!book) return errors("AutomationDefinitionNotFoundException", "Document with name " + name + " does not exist.");
  NUAGE_TRY(check_version(in, name));
  if (in.value("Mode", "Auto") != "Auto" || in.contains("Targets") || in.contains("TargetMaps") ||
      in.contains("TargetLocations"))
    return errors("NotImplemented", "nuage runs Automation documents in Auto mode on the given parameters only "
                                    "(no Interactive mode, targets or rate control)");
  Value params = in.value("Parameters", Value::object());
  std::vector<std::string> unknown, missing;
  for (const auto& [k, v] : params.items())
    if (std::none_of(book->parameters.begin(), book->parameters.end(), [&](const Parameter& p) { return k == p.name; }))
      unknown.push_back(k);
  for (const auto& p : book->parameters)
    if (p.required && (!params.contains(p.name) || params[p.name].empty())) missing.push_back(p.name);
  auto listed = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return "[" + out + "]";
  };
  if (!unknown.empty())
    return errors("InvalidAutomationExecutionParametersException",
                  "Parameters " + listed(unknown) + " are not defined in document " + book->name + ".");
  if (!missing.empty())
    return errors("InvalidAutomationExecutionParametersException",
                  "Parameters " + listed(missing) + " are required but not provided.");
  std::string id = crypto::random_uuid();
  double started = timefmt::epoch_seconds(env_.clock.now());
  Run run{env_, ctx.caller, ctx.region, params};
  std::string failure;
  std::string role = run.first("AutomationAssumeRole");
  if (!role.empty()) {
    auto cred = env_.assume_role(role, "ssm.amazonaws.com", ctx.account_id, ctx.region, id);
    if (cred) run.credential = *cred;
    else failure = "The Automation document could not assume the role " + role + ": " + cred.error().message;
  } else if (ctx.caller.type == auth::PrincipalType::kService) {
    failure = "An AutomationAssumeRole is required when " + ctx.caller.arn + " starts the document " + book->name + ".";
  }
  if (failure.empty()) book->run(run);
  bool ok = failure.empty() && !run.failed;
  Value doc = {{"AutomationExecutionId", id},
               {"DocumentName", book->name},
               {"DocumentVersion", "1"},
               {"ExecutionStartTime", started},
               {"ExecutionEndTime", timefmt::epoch_seconds(env_.clock.now())},
               {"AutomationExecutionStatus", ok ? "Success" : "Failed"},
               {"StepExecutions", run.steps},
               {"StepExecutionsTruncated", false},
               {"Parameters", params},
               {"Outputs", run.outputs},
               {"Mode", "Auto"},
               {"ExecutedBy", ctx.caller.arn},
               {"AutomationType", "Local"},
               {"ProgressCounters",
                {{"TotalSteps", run.steps.size()},
                 {"SuccessSteps", std::count_if(run.steps.begin(), run.steps.end(),
                                                [](const Value& s) { return s["StepStatus"] == "Success"; })},
                 {"FailedSteps", std::count_if(run.steps.begin(), run.steps.end(),
                                               [](const Value& s) { return s["StepStatus"] == "Failed"; })},
                 {"CancelledSteps", 0},
                 {"TimedOutSteps", 0}}}};
  if (!ok)
    doc["FailureMessage"] = !failure.empty() ? failure : "Step fails when it is executing/cancelling action. Verify the step's FailureMessage.";
  {
    std::lock_guard lock(mutex_);
    NUAGE_TRY(store_->put({ctx.account_id, ctx.region}, kExecution, id, std::move(doc)));
  }
  Output out;
  out.value["AutomationExecutionId"] = id;
  return out;
}

Result<Output> Automation::get_execution(Context& ctx, const Value& in) {
  std::string id = in.at("AutomationExecutionId");
  std::lock_guard lock(mutex_);
  auto doc = store_->share({ctx.account_id, ctx.region}, kExecution, id);
  if (!doc) return errors("AutomationExecutionNotFoundException", "Automation Execution with id " + id + " does not exist.");
  Output out;
  out.value["AutomationExecution"] = out.share(doc);
  return out;
}

Result<Output> Automation::describe_executions(Context& ctx, const Value& in) {
  static const std::vector<std::string> kSupported = {"DocumentNamePrefix", "ExecutionStatus", "ExecutionId",
                                                      "StartTimeBefore", "StartTimeAfter"};
  const Value filters = in.value("Filters", Value::array());
  for (const auto& f : filters)
    if (std::find(kSupported.begin(), kSupported.end(), f.value("Key", "")) == kSupported.end())
      return errors("InvalidFilterKey", "The filter key " + f.value("Key", "") + " is not supported.");
  int64_t max = in.value("MaxResults", int64_t{50});
  if (max < 1 || max > 50)
    return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(max) +
                                             "' at 'maxResults' failed to satisfy constraint: Member must have value "
                                             "between 1 and 50");
  std::string after;
  if (in.contains("NextToken")) {
    auto token = storage::ResourceStore::from_page_token(in["NextToken"]);
    if (!token) return errors("InvalidNextToken", "The specified token is not valid.");
    after = *token;
  }
  auto matches = [&](const Value& doc) {
    for (const auto& f : filters) {
      std::string key = f["Key"];
      bool any = false;
      for (const auto& v : f.value("Values", Value::array())) {
        std::string value = v;
        if (key == "DocumentNamePrefix") any |= text::starts_with(doc.value("DocumentName", ""), value);
        if (key == "ExecutionStatus") any |= doc.value("AutomationExecutionStatus", "") == value;
        if (key == "ExecutionId") any |= doc.value("AutomationExecutionId", "") == value;
        auto t = timefmt::parse(value);
        double start = doc.value("ExecutionStartTime", 0.0);
        if (key == "StartTimeBefore" && t) any |= start < timefmt::epoch_seconds(*t);
        if (key == "StartTimeAfter" && t) any |= start > timefmt::epoch_seconds(*t);
      }
      if (!any) return false;
    }
    return true;
  };
  std::lock_guard lock(mutex_);
  Output out;
  out.value["AutomationExecutionMetadataList"] = Value::array();
  Value& list = out.value["AutomationExecutionMetadataList"];
  auto view = store_->all({ctx.account_id, ctx.region}, kExecution);
  for (auto it = after.empty() ? view.begin() : view.after(after); it != view.end(); ++it) {
    auto [id, doc] = *it;
    if (!matches(doc)) continue;
    if (static_cast<int64_t>(list.size()) == max) {
      out.value["NextToken"] = storage::ResourceStore::page_token(list.back()["AutomationExecutionId"]);
      break;
    }
    Value meta = doc;
    meta.erase("StepExecutions");
    meta.erase("StepExecutionsTruncated");
    meta.erase("ProgressCounters");
    list.push_back(std::move(meta));
  }
  return out;
}

void Automation::register_operations(kit::OperationTable& table) {
  // Automation executions and documents are authorized against "*" here
  // (AWS names the document or execution ARN).
  table.add("GetDocument", this, &Automation::get_document).iam_resources([](const Context&, const Value&) {
    return std::vector<std::string>{"*"};
  });
  table.add("StartAutomationExecution", this, &Automation::start_execution)
      .iam_resources([](const Context& ctx, const Value& in) {
        auto it = in.find("DocumentName");
        std::string name = it != in.end() && it->is_string() ? it->get<std::string>() : "*";
        return std::vector<std::string>{"arn:aws:ssm:" + ctx.region + ":" + ctx.account_id +
                                        ":automation-definition/" + name + ":$DEFAULT"};
      });
  table.add("GetAutomationExecution", this, &Automation::get_execution).iam_resources([](const Context& ctx, const Value& in) {
    auto it = in.find("AutomationExecutionId");
    std::string id = it != in.end() && it->is_string() ? it->get<std::string>() : "*";
    return std::vector<std::string>{"arn:aws:ssm:" + ctx.region + ":" + ctx.account_id + ":automation-execution/" + id};
  });
  table.add("DescribeAutomationExecutions", this, &Automation::describe_executions)
      .iam_resources([](const Context&, const Value&) { return std::vector<std::string>{"*"}; });
}

}  // namespace nuage::services::ssm
