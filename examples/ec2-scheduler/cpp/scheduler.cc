// The seed-000 functions `demarrage` and `arreter` in C++: a provided.al2023
// `bootstrap` that speaks the Lambda Runtime API and calls EC2
// StartInstances / StopInstances, signed with SigV4 using the execution
// role's credentials from the environment. One binary serves both functions:
// the handler name (_HANDLER, "demarrage.handler" or "arreter.handler")
// picks the action. Configuration, as for the Python handlers:
//   REGION (default AWS_REGION), INSTANCE_IDS="i-...,i-..."
//   AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL (default https://ec2.<region>.amazonaws.com
//   is not supported here: this lean client speaks plain HTTP only).
// Build: g++ -O1 -std=c++17 -o bootstrap scheduler.cc -lcrypto
// Single-threaded; one invocation at a time, as the Runtime API intends.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace {

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

struct Response {
  int status = 0;
  std::string headers;  // raw header block, lower-cased names not guaranteed
  std::string body;
};

std::string header_value(const std::string& headers, const std::string& name) {
  // Case-insensitive search for "\r\n<name>:".
  std::string lower = headers, key = "\r\n" + name + ":";
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto pos = lower.find(key);
  if (pos == std::string::npos) return "";
  pos += key.size();
  auto end = headers.find("\r\n", pos);
  std::string v = headers.substr(pos, end - pos);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
  return v;
}

// One HTTP/1.1 exchange over a fresh connection (Connection: close).
bool http(const std::string& host, const std::string& port, const std::string& method, const std::string& path,
          const std::vector<std::string>& headers, const std::string& body, Response* out) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return false;
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (fd >= 0) close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return false;
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = write(fd, req.data() + sent, req.size() - sent);
    if (n <= 0) { close(fd); return false; }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  auto split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.size() < 12) return false;
  out->status = std::atoi(raw.c_str() + 9);
  out->headers = raw.substr(0, split + 2);
  out->body = raw.substr(split + 4);
  if (header_value(out->headers, "transfer-encoding").find("chunked") != std::string::npos) {
    std::string chunked = out->body, plain;
    size_t pos = 0;
    for (int guard = 0; guard < 100000; ++guard) {
      auto eol = chunked.find("\r\n", pos);
      if (eol == std::string::npos) break;
      size_t len = std::strtoul(chunked.c_str() + pos, nullptr, 16);
      if (len == 0) break;
      plain += chunked.substr(eol + 2, len);
      pos = eol + 2 + len + 2;
    }
    out->body = plain;
  }
  return true;
}

// ---- SigV4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) ----

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) { s += digits[p[i] >> 4]; s += digits[p[i] & 15]; }
  return s;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return hex(md, sizeof md);
}

std::string hmac(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string uri_encode(const std::string& s) {
  std::string out;
  char b[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

// Signs a POST / of an AWS query-protocol body; returns the headers to send.
std::vector<std::string> sign_query_post(const std::string& host_header, const std::string& region,
                                         const std::string& service, const std::string& body) {
  const std::string key = env("AWS_ACCESS_KEY_ID"), secret = env("AWS_SECRET_ACCESS_KEY"),
                    token = env("AWS_SESSION_TOKEN");
  char amz_date[17], date[9];
  std::time_t t = std::time(nullptr);  // signatures are checked against real time
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
  std::strftime(date, sizeof date, "%Y%m%d", &tm);
  const std::string content_type = "application/x-www-form-urlencoded; charset=utf-8";
  std::string canonical_headers = "content-type:" + content_type + "\nhost:" + host_header + "\nx-amz-date:" + amz_date + "\n";
  std::string signed_headers = "content-type;host;x-amz-date";
  if (!token.empty()) {
    canonical_headers += "x-amz-security-token:" + token + "\n";
    signed_headers += ";x-amz-security-token";
  }
  std::string canonical_request =
      "POST\n/\n\n" + canonical_headers + "\n" + signed_headers + "\n" + sha256_hex(body);
  std::string scope = std::string(date) + "/" + region + "/" + service + "/aws4_request";
  std::string to_sign = std::string("AWS4-HMAC-SHA256\n") + amz_date + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string k = hmac(hmac(hmac(hmac("AWS4" + secret, date), region), service), "aws4_request");
  std::string sig = hmac(k, to_sign);
  std::vector<std::string> headers = {
      "Content-Type: " + content_type, std::string("X-Amz-Date: ") + amz_date,
      "Authorization: AWS4-HMAC-SHA256 Credential=" + key + "/" + scope + ", SignedHeaders=" + signed_headers +
          ", Signature=" + hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size())};
  if (!token.empty()) headers.push_back("X-Amz-Security-Token: " + token);
  return headers;
}

// Every text between <tag> and </tag>, in order.
std::vector<std::string> xml_all(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (size_t pos = xml.find(open); pos != std::string::npos; pos = xml.find(open, pos)) {
    pos += open.size();
    auto end = xml.find(close, pos);
    if (end == std::string::npos) break;
    out.push_back(xml.substr(pos, end - pos));
  }
  return out;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') { out += '\\'; out += c; }
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

struct Outcome {
  bool ok;
  std::string payload;  // JSON: the response, or the error document
};

// Calls EC2 <action>Instances on INSTANCE_IDS; prints what the Python handler prints.
Outcome run_ec2(bool start) {
  const std::string region = env("REGION", env("AWS_REGION", "us-east-1").c_str());
  std::string endpoint = env("AWS_ENDPOINT_URL_EC2", env("AWS_ENDPOINT_URL").c_str());
  std::vector<std::string> ids;
  std::string list = env("INSTANCE_IDS");
  for (size_t pos = 0; pos <= list.size();) {
    auto comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    if (comma > pos) ids.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  const std::string action = start ? "StartInstances" : "StopInstances";
  if (endpoint.rfind("http://", 0) != 0) {
    return {false, R"({"errorType":"ConfigError","errorMessage":"AWS_ENDPOINT_URL must be an http:// URL"})"};
  }
  std::string hostport = endpoint.substr(7);
  hostport = hostport.substr(0, hostport.find('/'));
  std::string host = hostport, port = "80";
  if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  std::string body = "Action=" + action + "&Version=2016-11-15";
  for (size_t i = 0; i < ids.size(); ++i) body += "&InstanceId." + std::to_string(i + 1) + "=" + uri_encode(ids[i]);
  Response r;
  if (!http(host, port, "POST", "/", sign_query_post(hostport, region, "ec2", body), body, &r)) {
    return {false, R"({"errorType":"ConnectionError","errorMessage":"cannot reach )" + json_escape(endpoint) + "\"}"};
  }
  if (r.status != 200) {
    auto code = xml_all(r.body, "Code"), message = xml_all(r.body, "Message");
    std::string c = code.empty() ? "HTTP" + std::to_string(r.status) : code[0];
    std::string m = message.empty() ? r.body : message[0];
    std::printf("[ERROR] An error occurred (%s) when calling the %s operation: %s\n", c.c_str(), action.c_str(), m.c_str());
    std::fflush(stdout);
    return {false, "{\"errorType\":\"" + json_escape(c) + "\",\"errorMessage\":\"" + json_escape(m) + "\"}"};
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
  const std::string api = env("AWS_LAMBDA_RUNTIME_API");
  const auto colon = api.rfind(':');
  const std::string host = api.substr(0, colon), port = api.substr(colon + 1);
  const std::string handler = env("_HANDLER", "arreter.handler");
  const bool start = handler.rfind("demarrage", 0) == 0 || handler.rfind("start", 0) == 0;
  for (;;) {  // the Runtime API loop: one event at a time, until the environment is shut down
    Response next;
    if (!http(host, port, "GET", "/2018-06-01/runtime/invocation/next", {}, "", &next)) return 1;
    const std::string id = header_value(next.headers, "Lambda-Runtime-Aws-Request-Id");
    if (id.empty()) continue;
    Outcome o = run_ec2(start);
    Response ignored;
    http(host, port, "POST", "/2018-06-01/runtime/invocation/" + id + (o.ok ? "/response" : "/error"),
         o.ok ? std::vector<std::string>{} : std::vector<std::string>{"Lambda-Runtime-Function-Error-Type: Unhandled"},
         o.payload, &ignored);
  }
}
