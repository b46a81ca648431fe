#include "auth/sigv4.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"

namespace nuage::auth {

namespace {

using std::chrono::system_clock;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr long kMaxPresignSeconds = 604800;  // one week, S3's limit
constexpr const char* kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret Access Key and signing method. Consult the service documentation for details.";

AwsError make_error(std::string code, std::string message, int status) {
  return AwsError{std::move(code), std::move(message), status};
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// SigV4 "Trimall": drop leading/trailing whitespace, squeeze inner runs to
// one space. Python's str.split() (what botocore uses) also splits on
// newlines, which is how obsolete folded header lines end up on one line.
std::string trim_all(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// X-Amz-Date must be the ISO 8601 basic form; every SDK sends exactly that,
// and accepting looser forms would let the signed string and the parsed time
// disagree.
std::optional<system_clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  return timefmt::parse(s);
}

std::string skew_text(std::chrono::seconds skew) {
  if (skew.count() % 60 == 0) return std::to_string(skew.count() / 60) + " min.";
  return std::to_string(skew.count()) + " sec.";
}

// RFC 3986 section 5.2.4 on the still-encoded path, plus the collapsing of
// empty segments that AWS services expect (botocore's remove_dot_segments).
std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = slash + 1;
  }
  std::string result;
  if (path.front() == '/') result.push_back('/');
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result.push_back('/');
    result.append(out[i]);
  }
  if (path.back() == '/' && !out.empty()) result.push_back('/');
  return result;
}

enum class PathMode {
  kDoubleEncode,  // every service but S3: normalize, then encode the encoded path
  kS3Canonical,   // S3: decode and re-encode each byte the RFC 3986 way
  kS3AsSent,      // S3: the path exactly as it arrived
};

std::string canonical_uri(std::string_view raw, PathMode mode) {
  if (raw.empty()) return "/";
  switch (mode) {
    case PathMode::kDoubleEncode:
      return text::uri_encode(remove_dot_segments(raw), /*keep_slash=*/true);
    case PathMode::kS3Canonical: {
      auto decoded = text::uri_decode(raw);
      // A malformed escape cannot have come from a conforming signer; signing
      // the bytes as sent is the only sensible guess.
      if (!decoded) return std::string(raw);
      return text::uri_encode(*decoded, /*keep_slash=*/true);
    }
    case PathMode::kS3AsSent:
      return std::string(raw);
  }
  return std::string(raw);
}

// Each name and value is decoded and re-encoded so that clients which leave
// some characters unescaped (or escape unreserved ones) still match what
// they signed; '+' stays a literal plus, as RFC 3986 has it.
std::string canonical_query(std::string_view raw, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto reencode = [](std::string_view s) {
    auto decoded = text::uri_decode(s);
    return text::uri_encode(decoded ? std::string_view(*decoded) : s);
  };
  size_t start = 0;
  while (start <= raw.size() && !raw.empty()) {
    size_t amp = raw.find('&', start);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view part = raw.substr(start, amp - start);
    start = amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    std::string enc_name = reencode(name);
    if (drop_signature && enc_name == "X-Amz-Signature") continue;
    pairs.emplace_back(std::move(enc_name), reencode(value));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string build_canonical_request(const http::Request& request, const SignatureInfo& info,
                                    std::string_view payload_hash, PathMode mode) {
  std::string out;
  out.reserve(512);
  out += request.method;
  out.push_back('\n');
  out += canonical_uri(request.path(), mode);
  out.push_back('\n');
  out += canonical_query(request.query(), info.presigned);
  out.push_back('\n');
  for (const auto& name : info.signed_headers) {
    out += name;
    out.push_back(':');
    bool first = true;
    for (const auto& [k, v] : request.headers.items()) {
      if (k != name) continue;
      if (!first) out.push_back(',');
      out += trim_all(v);
      first = false;
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  for (size_t i = 0; i < info.signed_headers.size(); ++i) {
    if (i) out.push_back(';');
    out += info.signed_headers[i];
  }
  out.push_back('\n');
  out += payload_hash;
  return out;
}

std::string signature_for(const http::Request& request, const SignatureInfo& info, std::string_view secret,
                          std::string_view payload_hash, PathMode mode) {
  std::string key = signing_key(secret, info.date, info.region, info.service);
  std::string sts = string_to_sign(info, build_canonical_request(request, info, payload_hash, mode));
  return text::hex_encode(crypto::hmac_sha256(key, sts));
}

// ---- error wording -------------------------------------------------------

// The header-form errors of services other than S3 end with the header
// itself, the way AWS echoes it back.
AwsError incomplete(std::string message) {
  return make_error("IncompleteSignature", std::move(message), 400);
}

AwsError s3_header_malformed(const std::string& detail) {
  return make_error("AuthorizationHeaderMalformed", "The authorization header is malformed; " + detail, 400);
}

AwsError s3_query_error(std::string message) {
  return make_error("AuthorizationQueryParametersError", std::move(message), 400);
}

struct Credential {
  std::string access_key, date, region, service;
};

// Splits "AKID/20150830/us-east-1/iam/aws4_request".
Result<Credential> parse_credential(std::string_view text, bool s3, bool presigned) {
  auto parts = text::split(text, '/');
  const std::string s3_prefix = presigned ? "Error parsing the X-Amz-Credential parameter; " : "";
  if (parts.size() != 5 || parts[0].empty() || parts[1].empty() || parts[2].empty() || parts[3].empty()) {
    if (s3) {
      std::string detail =
          "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
      return presigned ? s3_query_error(s3_prefix + detail) : s3_header_malformed(detail);
    }
    return incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" +
        std::string(text) + "'");
  }
  if (parts[4] != kTerminator) {
    if (s3) {
      std::string detail = "incorrect terminal \"" + parts[4] + "\". This endpoint uses \"aws4_request\".";
      return presigned ? s3_query_error(s3_prefix + detail) : s3_header_malformed(detail);
    }
    return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      parts[4] + "'.");
  }
  bool date_ok = parts[1].size() == 8 &&
                 std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!date_ok) {
    if (s3) {
      std::string detail = "incorrect date format \"" + parts[1] +
                           "\". This date in the credential must be in the format \"yyyyMMdd\".";
      return presigned ? s3_query_error(s3_prefix + detail) : s3_header_malformed(detail);
    }
    return incomplete("Credential should be scoped to a valid date, got '" + parts[1] + "'.");
  }
  return Credential{parts[0], parts[1], parts[2], parts[3]};
}

std::vector<std::string> parse_signed_headers(std::string_view text) {
  std::vector<std::string> out;
  for (auto& name : text::split(text, ';')) {
    std::string n = text::lower(text::trim(name));
    if (!n.empty()) out.push_back(std::move(n));
  }
  return out;
}

// The credential scope date must be the request's own date.
Status check_scope_date(const SignatureInfo& info, bool s3) {
  std::string_view request_day = std::string_view(info.amz_date).substr(0, 8);
  if (info.date == request_day) return {};
  if (s3) {
    std::string detail = "Invalid credential date \"" + info.date +
                         "\". Date is not the same as X-Amz-Date: \"" + std::string(request_day) + "\".";
    return info.presigned ? s3_query_error(detail) : s3_header_malformed(detail);
  }
  return make_error(
      "SignatureDoesNotMatch",
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
          info.date + "' != '" + std::string(request_day) + "', from '" + info.amz_date + "'.",
      403);
}

Status check_host_signed(const SignatureInfo& info, bool s3) {
  // S3 is left lenient here; other services refuse, as AWS does.
  if (s3) return {};
  if (std::find(info.signed_headers.begin(), info.signed_headers.end(), "host") != info.signed_headers.end())
    return {};
  return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

Result<SignatureInfo> parse_header(const http::Request& request, std::string_view header, bool s3) {
  std::string_view value = text::trim(header);
  size_t sp = value.find_first_of(" \t");
  std::string_view scheme = value.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : text::trim(value.substr(sp));
  const std::string echo = " Authorization=" + std::string(value);

  if (scheme != kAlgorithm) {
    if (s3) {
      if (scheme == "AWS")
        return make_error("InvalidRequest",
                          "The authorization mechanism you have provided is not supported. Please use "
                          "AWS4-HMAC-SHA256.",
                          400);
      AwsError e = make_error("InvalidArgument", "Unsupported Authorization Type", 400);
      e.fields["ArgumentName"] = "Authorization";
      e.fields["ArgumentValue"] = std::string(value);
      return e;
    }
    // AWS reads a foreign scheme as a SigV4 header missing all its parts.
    return incomplete(
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
        "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
        "existence of either a 'X-Amz-Date' or a 'Date' header." +
        echo);
  }

  std::optional<std::string> credential, signed_headers, signature;
  for (const auto& raw_part : text::split(rest, ',')) {
    std::string_view part = text::trim(raw_part);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (s3)
        return s3_header_malformed("the authorization component \"" + std::string(part) + "\" is malformed.");
      return incomplete(
          "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
          "SHA-256 and encoded with Base64): '" +
          text::base64_encode(crypto::sha256(part)) + "'.");
    }
    std::string_view key = text::trim(part.substr(0, eq));
    std::string v(text::trim(part.substr(eq + 1)));
    if (key == "Credential")
      credential = std::move(v);
    else if (key == "SignedHeaders")
      signed_headers = std::move(v);
    else if (key == "Signature")
      signature = std::move(v);
    // Unknown components are ignored, as AWS does.
  }

  const std::string* x_amz_date = request.headers.find("x-amz-date");
  const std::string* date_header = request.headers.find("date");
  if (!credential || !signed_headers || !signature) {
    if (s3)
      return s3_header_malformed(
          "the authorization header requires three components: Credential, SignedHeaders, and Signature.");
    std::string msg;
    if (!credential) msg += "Authorization header requires 'Credential' parameter. ";
    if (!signature) msg += "Authorization header requires 'Signature' parameter. ";
    if (!signed_headers) msg += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!x_amz_date && !date_header)
      msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    msg.pop_back();
    return incomplete(msg + echo);
  }

  auto cred = parse_credential(*credential, s3, /*presigned=*/false);
  if (!cred) return cred.error();

  SignatureInfo info;
  info.presigned = false;
  info.access_key = cred->access_key;
  info.date = cred->date;
  info.region = cred->region;
  info.service = cred->service;
  info.signed_headers = parse_signed_headers(*signed_headers);
  info.signature = text::lower(*signature);
  info.session_token = request.headers.get("x-amz-security-token");
  info.payload_hash = request.headers.get("x-amz-content-sha256");
  if (info.signed_headers.empty()) {
    if (s3) return s3_header_malformed("the authorization component \"SignedHeaders=\" is malformed.");
    return incomplete("Authorization header requires 'SignedHeaders' parameter." + echo);
  }

  if (x_amz_date) {
    auto t = parse_amz_date(text::trim(*x_amz_date));
    if (!t) {
      if (s3)
        return make_error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header",
                          403);
      return incomplete("Date must be in ISO-8601 'basic format'. Got '" + *x_amz_date +
                        "'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
    info.amz_date = std::string(text::trim(*x_amz_date));
    info.request_time = *t;
  } else if (date_header) {
    auto t = timefmt::parse(text::trim(*date_header));
    if (!t) {
      if (s3)
        return make_error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header",
                          403);
      return incomplete("Date must be in ISO-8601 'basic format'. Got '" + *date_header +
                        "'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
    // Signers put the compact form of the Date header's time in the string
    // to sign (botocore does), so that is what we keep.
    info.request_time = *t;
    info.amz_date = timefmt::amz_date(*t);
  } else {
    if (s3)
      return make_error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403);
    return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." +
                      echo);
  }
  NUAGE_TRY(check_scope_date(info, s3));
  NUAGE_TRY(check_host_signed(info, s3));
  return info;
}

Result<SignatureInfo> parse_presigned(const std::vector<std::pair<std::string, std::string>>& params,
                                      bool s3) {
  auto get = [&](std::string_view name) -> const std::string* {
    for (const auto& [k, v] : params)
      if (k == name) return &v;
    return nullptr;
  };
  const std::string* algorithm = get("X-Amz-Algorithm");
  const std::string* credential = get("X-Amz-Credential");
  const std::string* date = get("X-Amz-Date");
  const std::string* expires = get("X-Amz-Expires");
  const std::string* signed_headers = get("X-Amz-SignedHeaders");
  const std::string* signature = get("X-Amz-Signature");

  if (s3) {
    if (!algorithm || !credential || !date || !expires || !signed_headers || !signature)
      return s3_query_error(
          "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
          "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
    if (*algorithm != kAlgorithm) return s3_query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  } else {
    std::string msg;
    const std::pair<const char*, const std::string*> required[] = {{"X-Amz-Algorithm", algorithm},
                                                                   {"X-Amz-Credential", credential},
                                                                   {"X-Amz-Signature", signature},
                                                                   {"X-Amz-SignedHeaders", signed_headers},
                                                                   {"X-Amz-Date", date}};
    for (const auto& [name, present] : required)
      if (!present) msg += std::string("AWS query-string parameters must include '") + name + "'. ";
    if (!msg.empty()) return incomplete(msg + "Re-examine the query-string parameters.");
    if (*algorithm != kAlgorithm) return incomplete("Unsupported AWS 'algorithm': '" + *algorithm + "'.");
  }

  auto cred = parse_credential(*credential, s3, /*presigned=*/true);
  if (!cred) return cred.error();

  SignatureInfo info;
  info.presigned = true;
  info.access_key = cred->access_key;
  info.date = cred->date;
  info.region = cred->region;
  info.service = cred->service;
  info.signed_headers = parse_signed_headers(*signed_headers);
  info.signature = text::lower(*signature);
  if (const std::string* token = get("X-Amz-Security-Token")) info.session_token = *token;
  if (const std::string* hash = get("X-Amz-Content-Sha256")) info.payload_hash = *hash;
  if (info.signed_headers.empty()) {
    if (s3) return s3_query_error("X-Amz-SignedHeaders must contain at least the host header.");
    return incomplete(
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "Re-examine the query-string parameters.");
  }

  auto t = parse_amz_date(*date);
  if (!t) {
    if (s3) return s3_query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    return incomplete("Date must be in ISO-8601 'basic format'. Got '" + *date +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  info.amz_date = *date;
  info.request_time = *t;

  if (expires) {
    auto fail = [&](std::string message) -> AwsError {
      return s3 ? s3_query_error(std::move(message)) : incomplete(std::move(message));
    };
    const std::string& e = *expires;
    bool numeric = !e.empty() && e.size() <= 12 &&
                   std::all_of(e.begin() + (e[0] == '-' ? 1 : 0), e.end(),
                               [](char c) { return c >= '0' && c <= '9'; }) &&
                   e != "-";
    if (!numeric) return fail("X-Amz-Expires should be a number");
    long seconds = std::strtol(e.c_str(), nullptr, 10);
    if (seconds < 0) return fail("X-Amz-Expires must be non-negative");
    if (seconds == 0) return fail("X-Amz-Expires must be greater than 0");
    if (seconds > kMaxPresignSeconds)
      return fail("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    info.expires_seconds = seconds;
  }
  NUAGE_TRY(check_scope_date(info, s3));
  NUAGE_TRY(check_host_signed(info, s3));
  return info;
}

bool is_known_payload_marker(std::string_view v) {
  return v == kUnsignedPayload || v == kStreamingPayload || v == kStreamingPayloadTrailer ||
         v == kStreamingUnsignedTrailer;
}

std::optional<std::string> body_sha256(const http::Body& body) {
  crypto::Hasher hasher(crypto::Algorithm::kSha256);
  bool ok = body.for_each_chunk([&](std::string_view chunk) {
    hasher.update(chunk);
    return true;
  });
  if (!ok) return std::nullopt;
  return text::hex_encode(hasher.finish());
}

Status check_time(const SignatureInfo& info, const VerifyOptions& options) {
  const auto now = options.now;
  const auto t = info.request_time;
  if (info.presigned && info.expires_seconds) {
    if (t > now + options.max_skew) {
      AwsError e = make_error("AccessDenied", "Request is not valid yet", 403);
      if (options.s3) e.fields["ServerTime"] = timefmt::iso8601(now);
      return e;
    }
    if (now > t + std::chrono::seconds(*info.expires_seconds)) {
      AwsError e = make_error("AccessDenied", "Request has expired", 403);
      if (options.s3) {
        e.fields["X-Amz-Expires"] = std::to_string(*info.expires_seconds);
        e.fields["Expires"] = timefmt::iso8601(t + std::chrono::seconds(*info.expires_seconds));
        e.fields["ServerTime"] = timefmt::iso8601(now);
      }
      return e;
    }
    return {};
  }
  if (t >= now - options.max_skew && t <= now + options.max_skew) return {};
  if (options.s3) {
    AwsError e =
        make_error("RequestTimeTooSkewed",
                   "The difference between the request time and the current time is too large.", 403);
    e.fields["RequestTime"] = info.amz_date;
    e.fields["ServerTime"] = timefmt::iso8601(now);
    e.fields["MaxAllowedSkewMilliseconds"] =
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(options.max_skew).count());
    return e;
  }
  std::string msg;
  if (t < now) {
    msg = "Signature expired: " + info.amz_date + " is now earlier than " +
          timefmt::amz_date(now - options.max_skew) + " (" + timefmt::amz_date(now) + " - " +
          skew_text(options.max_skew) + ")";
  } else {
    msg = "Signature not yet current: " + info.amz_date + " is still later than " +
          timefmt::amz_date(now + options.max_skew) + " (" + timefmt::amz_date(now) + " + " +
          skew_text(options.max_skew) + ")";
  }
  return make_error("SignatureDoesNotMatch", msg, 400);
}

}  // namespace

std::optional<Result<SignatureInfo>> parse_signature(const http::Request& request, bool s3) {
  const std::string* header = request.headers.find("authorization");
  std::string_view query = request.query();
  // Cheap test first: most requests carry no query-string signature at all.
  bool maybe_presigned = query.find("X-Amz-") != std::string_view::npos;
  std::optional<std::vector<std::pair<std::string, std::string>>> params;
  bool presigned = false;
  if (maybe_presigned) {
    params = text::parse_query(query, /*plus_is_space=*/false);
    if (params) {
      for (const auto& [k, v] : *params)
        if (k == "X-Amz-Algorithm" || k == "X-Amz-Credential" || k == "X-Amz-Signature") presigned = true;
    } else if (!header && (query.find("X-Amz-Signature=") != std::string_view::npos ||
                           query.find("X-Amz-Credential=") != std::string_view::npos)) {
      // A signature we cannot even read must not pass as an anonymous request.
      std::string msg = "The query string contains a malformed percent-encoding.";
      return s3 ? Result<SignatureInfo>(s3_query_error(msg)) : Result<SignatureInfo>(incomplete(msg));
    }
  }
  if (header && presigned) {
    std::string msg =
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
        "parameter or the Authorization header should be specified";
    if (s3) {
      AwsError e = make_error("InvalidArgument", msg, 400);
      e.fields["ArgumentName"] = "Authorization";
      e.fields["ArgumentValue"] = *header;
      return Result<SignatureInfo>(std::move(e));
    }
    return Result<SignatureInfo>(incomplete(msg));
  }
  if (header) return parse_header(request, *header, s3);
  if (presigned) return parse_presigned(*params, s3);
  if (s3 && query.find("Signature=") != std::string_view::npos &&
      query.find("AWSAccessKeyId=") != std::string_view::npos) {
    // SigV2 query authentication: S3's older regions still take it, and
    // boto3 presigns S3 URLs this way unless told otherwise.
    auto pairs = text::parse_query(query, false);
    SignatureInfo info;
    info.presigned = true;
    info.sigv2 = true;
    bool has_expires = false;
    if (pairs)
      for (const auto& [k, v] : *pairs) {
        if (k == "AWSAccessKeyId") info.access_key = v;
        else if (k == "Signature") info.signature = v;
        else if (k == "x-amz-security-token") info.session_token = v;
        else if (k == "Expires" && !v.empty() && v.size() < 18 &&
                 v.find_first_not_of("0123456789") == std::string::npos) {
          info.sigv2_expires = std::stoll(v);
          has_expires = true;
        }
      }
    if (!pairs || info.access_key.empty() || info.signature.empty() || !has_expires)
      return Result<SignatureInfo>(make_error(
          "AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
          403));
    return Result<SignatureInfo>(std::move(info));
  }
  return std::nullopt;
}

std::string canonical_request(const http::Request& request, const SignatureInfo& info,
                              std::string_view payload_hash, bool double_encode_path) {
  return build_canonical_request(request, info, payload_hash,
                                 double_encode_path ? PathMode::kDoubleEncode : PathMode::kS3Canonical);
}

std::string string_to_sign(const SignatureInfo& info, std::string_view canonical_request) {
  std::string out;
  out.reserve(160);
  out += kAlgorithm;
  out.push_back('\n');
  out += info.amz_date;
  out.push_back('\n');
  out += info.scope();
  out.push_back('\n');
  out += text::hex_encode(crypto::sha256(canonical_request));
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string k = crypto::hmac_sha256("AWS4" + std::string(secret), date);
  k = crypto::hmac_sha256(k, region);
  k = crypto::hmac_sha256(k, service);
  return crypto::hmac_sha256(k, kTerminator);
}

std::string compute_signature(const http::Request& request, const SignatureInfo& info,
                              std::string_view secret, std::string_view payload_hash,
                              bool double_encode_path) {
  return signature_for(request, info, secret, payload_hash,
                       double_encode_path ? PathMode::kDoubleEncode : PathMode::kS3Canonical);
}

namespace {

// S3 SigV2 query authentication (AWS's "Signing and authenticating REST
// requests", query string alternative): HMAC-SHA1 over
// VERB \n Content-MD5 \n Content-Type \n Expires \n amz-headers resource.
Status verify_sigv2(const http::Request& request, const SignatureInfo& info, std::string_view secret,
                    const VerifyOptions& options) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
  if (now > info.sigv2_expires) {
    AwsError e = make_error("AccessDenied", "Request has expired", 403);
    e.fields["Expires"] = timefmt::iso8601(std::chrono::system_clock::time_point(std::chrono::seconds(info.sigv2_expires)));
    e.fields["ServerTime"] = timefmt::iso8601(options.now);
    return e;
  }
  // Sub-resources that are part of the signed resource (botocore's list).
  static const std::set<std::string, std::less<>> kSubresources = {
      "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory", "lifecycle",
      "location", "logging", "metrics", "notification", "object-lock", "partNumber", "policy",
      "replication", "requestPayment", "response-cache-control", "response-content-disposition",
      "response-content-encoding", "response-content-language", "response-content-type", "response-expires",
      "restore", "select", "select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
      "versionId", "versioning", "versions", "website"};
  std::vector<std::pair<std::string, std::optional<std::string>>> sub;
  for (const auto& part : text::split(request.query(), '&')) {
    auto eq = part.find('=');
    std::string key = part.substr(0, eq);
    if (!kSubresources.count(key)) continue;
    if (eq == std::string::npos) {
      sub.emplace_back(key, std::nullopt);
    } else {
      auto v = text::uri_decode(std::string_view(part).substr(eq + 1));
      sub.emplace_back(key, v ? *v : part.substr(eq + 1));
    }
  }
  std::stable_sort(sub.begin(), sub.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string subresources;
  for (size_t i = 0; i < sub.size(); ++i) {
    subresources += i == 0 ? "?" : "&";
    subresources += sub[i].first;
    if (sub[i].second) subresources += "=" + *sub[i].second;
  }
  std::map<std::string, std::string> amz;
  for (const auto& [k, v] : request.headers.items())
    if (text::starts_with(k, "x-amz-")) {
      std::string& slot = amz[k];
      slot += (slot.empty() ? "" : ",") + std::string(text::trim(v));
    }
  std::string sts = request.method + "\n" + request.headers.get("content-md5") + "\n" +
                    request.headers.get("content-type") + "\n" + std::to_string(info.sigv2_expires) + "\n";
  for (const auto& [k, v] : amz) sts += k + ":" + v + "\n";
  // botocore signs a bucket's resource as "/bucket/" even when it sends the
  // path-style request to "/bucket"; accept both spellings.
  std::string path(request.path());
  auto matches = [&](const std::string& resource) {
    return crypto::constant_time_equal(text::base64_encode(crypto::hmac_sha1(secret, sts + resource)), info.signature);
  };
  bool bucket_only = path.size() > 1 && path.find('/', 1) == std::string::npos;
  bool match = !options.check_signature || matches(path + subresources) ||
               (bucket_only && matches(path + "/" + subresources));
  sts += path + subresources;
  if (!match) {
    AwsError e = make_error("SignatureDoesNotMatch", kSignatureMismatch, 403);
    e.fields["AWSAccessKeyId"] = info.access_key;
    e.fields["StringToSign"] = sts;
    e.fields["SignatureProvided"] = info.signature;
    return e;
  }
  return {};
}

}  // namespace

Status verify(const http::Request& request, const SignatureInfo& info, std::string_view secret,
              const VerifyOptions& options) {
  if (info.sigv2) return verify_sigv2(request, info, secret, options);
  NUAGE_TRY(check_time(info, options));

  const std::string* header_hash = request.headers.find("x-amz-content-sha256");
  bool hash_signed = std::find(info.signed_headers.begin(), info.signed_headers.end(),
                               "x-amz-content-sha256") != info.signed_headers.end();
  std::string payload_hash;
  bool check_body = false;  // payload_hash is a client claim about the body
  if (info.presigned && options.s3) {
    // A presigned URL is made before the body exists, so S3 signs a constant
    // unless the signer explicitly put a hash in the URL or a signed header.
    if (!info.payload_hash.empty())
      payload_hash = info.payload_hash;
    else if (header_hash && hash_signed)
      payload_hash = *header_hash;
    else
      payload_hash = std::string(kUnsignedPayload);
  } else if (info.presigned && !info.payload_hash.empty()) {
    payload_hash = info.payload_hash;
  } else if (header_hash) {
    payload_hash = *header_hash;
  } else {
    auto computed = body_sha256(request.body);
    if (!computed) return internal_error("cannot read the request body");
    payload_hash = std::move(*computed);
  }
  if (is_hex64(payload_hash)) {
    payload_hash = text::lower(payload_hash);
    check_body = header_hash != nullptr || !info.payload_hash.empty();
  } else if (options.s3 && !is_known_payload_marker(payload_hash)) {
    return make_error("InvalidArgument",
                      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a "
                      "valid sha256 value.",
                      400);
  }

  const PathMode primary = options.s3 ? PathMode::kS3Canonical : PathMode::kDoubleEncode;
  bool match = !options.check_signature ||
               crypto::constant_time_equal(signature_for(request, info, secret, payload_hash, primary), info.signature);
  if (!match && options.s3 &&
      canonical_uri(request.path(), PathMode::kS3AsSent) !=
          canonical_uri(request.path(), PathMode::kS3Canonical)) {
    // Some S3 clients sign the path exactly as they sent it, escaping a
    // different set of characters than RFC 3986 asks for; accept that too.
    match = crypto::constant_time_equal(signature_for(request, info, secret, payload_hash, PathMode::kS3AsSent),
                                info.signature);
  }
  if (!match) {
    AwsError e = make_error("SignatureDoesNotMatch", kSignatureMismatch, 403);
    if (options.s3) {
      e.fields["AWSAccessKeyId"] = info.access_key;
      e.fields["SignatureProvided"] = info.signature;
    }
    return e;
  }

  if (check_body) {
    auto computed = body_sha256(request.body);
    if (!computed) return internal_error("cannot read the request body");
    if (*computed != payload_hash) {
      if (options.s3) {
        AwsError e =
            make_error("XAmzContentSHA256Mismatch",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
        e.fields["ClientComputedContentSHA256"] = payload_hash;
        e.fields["S3ComputedContentSHA256"] = *computed;
        return e;
      }
      return make_error("SignatureDoesNotMatch", kSignatureMismatch, 403);
    }
  }
  return {};
}

}  // namespace nuage::auth
