// The events a Lambda function gets from an HTTP front door — API Gateway
// HTTP APIs (payload format 1.0 and 2.0) and function URLs (2.0) — and the
// function's answer mapped back to an HTTP response, as AWS builds and reads
// them (https://docs.aws.amazon.com/apigateway/latest/developerguide/
// http-api-develop-integrations-lambda.html, .../lambda/latest/dg/urls-invocation.html).
//
// Header names arrive lower-cased (http::Headers keeps them so); AWS's 1.0
// events keep the client's case, nuage's carry them lower-cased.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "http/message.h"
#include "kit/value.h"

namespace nuage::services::lambda {

// What an event says about the request beside the request itself.
struct HttpEventContext {
  std::string account_id;  // requestContext.accountId ("anonymous" for a function URL without auth)
  std::string api_id;      // the API's id, or the function URL's id
  std::string domain_name;
  std::string domain_prefix;
  std::string request_id;
  std::string route_key = "$default";
  std::string stage = "$default";
  std::string resource_path;  // 1.0's resource: the route's path, or "$default"
  std::string path;           // the path as the function sees it (without the stage), still encoded
  std::map<std::string, std::string> path_parameters;
  std::map<std::string, std::string> stage_variables;
  Clock::TimePoint time;
  // requestContext.authorizer of a SigV4-authorized function URL call
  // ({"iam": {...}}); null otherwise.
  kit::Value authorizer;
};

// Whether AWS passes a body of this Content-Type as text (else base64).
bool is_text_content(const std::string& content_type);

// Payload format 2.0 (HTTP APIs and function URLs).
kit::Value http_event_v2(const http::Request& request, const HttpEventContext& context);
// Payload format 1.0 (HTTP APIs; REST APIs' proxy event shape).
kit::Value http_event_v1(const http::Request& request, const HttpEventContext& context);

// The function's answer as an HTTP response. `payload_v2`: the 2.0 rules (a
// JSON value without statusCode is the body of a 200 application/json
// answer; cookies become Set-Cookie); else 1.0's (statusCode required).
// False: the answer is not one API Gateway accepts (it then answers 502).
bool http_response_from(const std::string& payload, bool payload_v2, http::Response& out);

// {"message": ...} with `status`: API Gateway's own answers (Not Found,
// Internal Server Error, Service Unavailable).
http::Response http_message(int status, const std::string& message);

}  // namespace nuage::services::lambda
