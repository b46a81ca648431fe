// What a C++ `bootstrap` for provided.al2023 needs to be a Lambda function
// that calls AWS, without an SDK: the Lambda Runtime API loop, plain
// HTTP/1.1 over a socket, SigV4 signing of POST requests (OpenSSL) with the
// execution role's credentials from the environment, and the small text
// helpers the examples use. Header-only; link with -lcrypto.
//
// Endpoints come from AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL, as the
// SDKs read them (nuage sets AWS_ENDPOINT_URL in its sandboxes); this lean
// client speaks plain http:// only.
// Single-threaded; one invocation at a time, as the Runtime API intends.
#pragma once

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
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace aws_lambda {

inline std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

struct Response {
  int status = 0;
  std::string headers;  // raw header block
  std::string body;
};

inline std::string header_value(const std::string& headers, const std::string& name) {
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
inline bool http(const std::string& host, const std::string& port, const std::string& method, const std::string& path,
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
    if (n <= 0) {
      close(fd);
      return false;
    }
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

inline std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

inline std::string sha256_hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return hex(md, sizeof md);
}

inline std::string hmac(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

inline std::string uri_encode(const std::string& s) {
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

// Signs a POST / of `body`; returns the headers to send. `extra` are more
// headers to send and sign, as lower-case "name:value" (x-amz-target:...).
inline std::vector<std::string> sign_post(const std::string& host_header, const std::string& region,
                                          const std::string& service, const std::string& content_type,
                                          const std::string& body, const std::vector<std::string>& extra = {}) {
  const std::string key = env("AWS_ACCESS_KEY_ID"), secret = env("AWS_SECRET_ACCESS_KEY"),
                    token = env("AWS_SESSION_TOKEN");
  char amz_date[17], date[9];
  std::time_t t = std::time(nullptr);  // signatures are checked against real time
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
  std::strftime(date, sizeof date, "%Y%m%d", &tm);
  // Canonical headers in name order: content-type, host, x-amz-date, x-amz-security-token, x-amz-target.
  std::vector<std::string> canonical = {"content-type:" + content_type, "host:" + host_header,
                                        std::string("x-amz-date:") + amz_date};
  if (!token.empty()) canonical.push_back("x-amz-security-token:" + token);
  for (const auto& h : extra) canonical.push_back(h);
  std::string canonical_headers, signed_headers;
  for (const auto& h : canonical) {
    canonical_headers += h + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + h.substr(0, h.find(':'));
  }
  std::string canonical_request = "POST\n/\n\n" + canonical_headers + "\n" + signed_headers + "\n" + sha256_hex(body);
  std::string scope = std::string(date) + "/" + region + "/" + service + "/aws4_request";
  std::string to_sign =
      std::string("AWS4-HMAC-SHA256\n") + amz_date + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string k = hmac(hmac(hmac(hmac("AWS4" + secret, date), region), service), "aws4_request");
  std::string sig = hmac(k, to_sign);
  std::vector<std::string> headers = {
      "Content-Type: " + content_type, std::string("X-Amz-Date: ") + amz_date,
      "Authorization: AWS4-HMAC-SHA256 Credential=" + key + "/" + scope + ", SignedHeaders=" + signed_headers +
          ", Signature=" + hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size())};
  if (!token.empty()) headers.push_back("X-Amz-Security-Token: " + token);
  for (const auto& h : extra) headers.push_back(h.substr(0, h.find(':')) + ": " + h.substr(h.find(':') + 1));
  return headers;
}

// ---- calling a service ----

struct Endpoint {
  std::string url, host, port, hostport;
};

// The endpoint of `service` ("EC2", "CONFIG_SERVICE"): AWS_ENDPOINT_URL_<service>
// or AWS_ENDPOINT_URL; nullopt unless it is an http:// URL.
inline std::optional<Endpoint> endpoint(const std::string& service) {
  std::string url = env(("AWS_ENDPOINT_URL_" + service).c_str(), env("AWS_ENDPOINT_URL").c_str());
  if (url.rfind("http://", 0) != 0) return std::nullopt;
  Endpoint e;
  e.url = url;
  e.hostport = url.substr(7);
  e.hostport = e.hostport.substr(0, e.hostport.find('/'));
  e.host = e.hostport;
  e.port = "80";
  if (auto colon = e.hostport.rfind(':'); colon != std::string::npos) {
    e.host = e.hostport.substr(0, colon);
    e.port = e.hostport.substr(colon + 1);
  }
  return e;
}

inline std::string region() { return env("REGION", env("AWS_REGION", "us-east-1").c_str()); }

// Every text between <tag> and </tag>, in order.
inline std::vector<std::string> xml_all(const std::string& xml, const std::string& tag) {
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

inline std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out;
}

// What an invocation answers: a JSON payload, or a JSON error document.
struct Outcome {
  bool ok;
  std::string payload;
};

inline Outcome failure(const std::string& type, const std::string& message) {
  return {false, "{\"errorType\":\"" + json_escape(type) + "\",\"errorMessage\":\"" + json_escape(message) + "\"}"};
}

// The Runtime API loop: `handle` gets each event's JSON, one at a time,
// until the environment is shut down.
inline int serve(const std::function<Outcome(const std::string& event)>& handle) {
  const std::string api = env("AWS_LAMBDA_RUNTIME_API");
  const auto colon = api.rfind(':');
  const std::string host = api.substr(0, colon), port = api.substr(colon + 1);
  for (;;) {
    Response next;
    if (!http(host, port, "GET", "/2018-06-01/runtime/invocation/next", {}, "", &next)) return 1;
    const std::string id = header_value(next.headers, "Lambda-Runtime-Aws-Request-Id");
    if (id.empty()) continue;
    Outcome o = handle(next.body);
    std::fflush(stdout);
    Response ignored;
    http(host, port, "POST", "/2018-06-01/runtime/invocation/" + id + (o.ok ? "/response" : "/error"),
         o.ok ? std::vector<std::string>{} : std::vector<std::string>{"Lambda-Runtime-Function-Error-Type: Unhandled"},
         o.payload, &ignored);
  }
}

}  // namespace aws_lambda
