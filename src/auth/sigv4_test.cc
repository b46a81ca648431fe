#include "auth/sigv4.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"

namespace nuage::auth {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using std::chrono::minutes;
using std::chrono::seconds;

http::Request make_request(std::string method, std::string target, const Headers& headers,
                           std::string body = "") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  for (const auto& [k, v] : headers) r.headers.add(k, v);
  r.body = http::Body(std::move(body));
  return r;
}

timefmt::TimePoint at(std::string_view amz_date) { return *timefmt::parse(amz_date); }

std::string sha256_hex(std::string_view s) { return text::hex_encode(crypto::sha256(s)); }

SignatureInfo parse_ok(const http::Request& r, bool s3) {
  auto parsed = parse_signature(r, s3);
  EXPECT_TRUE(parsed.has_value());
  if (!parsed) return {};
  EXPECT_TRUE(parsed->ok()) << parsed->error().code << ": " << parsed->error().message;
  if (!parsed->ok()) return {};
  return parsed->value();
}

AwsError parse_error(const http::Request& r, bool s3) {
  auto parsed = parse_signature(r, s3);
  EXPECT_TRUE(parsed.has_value());
  if (!parsed) return {};
  EXPECT_FALSE(parsed->ok());
  if (parsed->ok()) return {};
  return parsed->error();
}

Status verify_at(const http::Request& r, std::string_view secret, bool s3, timefmt::TimePoint now) {
  auto parsed = parse_signature(r, s3);
  if (!parsed) return AwsError{"Anonymous", "no signature", 0};
  if (!parsed->ok()) return parsed->error();
  VerifyOptions options;
  options.s3 = s3;
  options.now = now;
  return verify(r, parsed->value(), secret, options);
}

// ---------------------------------------------------------------------------
// AWS's SigV4 test suite ("service" in us-east-1 at 20150830T123600Z), as
// carried by awslabs/aws-c-auth tests/aws-signing-test-suite/v4/*/
// header-signed-request.txt. Each request below is the test's request with
// its published Authorization header.

constexpr const char* kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kSuiteDate = "20150830T123600Z";

struct SuiteCase {
  const char* name;
  const char* method;
  const char* target;
  Headers extra_headers;  // beyond Host and X-Amz-Date
  const char* signed_headers;
  const char* signature;
  const char* body = "";
};

std::vector<SuiteCase> suite_cases() {
  return {
      {"get-vanilla",
       "GET",
       "/",
       {},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/?Param2=value2&Param1=value1",
       {},
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-empty-query-key",
       "GET",
       "/?Param1=value1",
       {},
       "host;x-amz-date",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-utf8-query",
       "GET",
       "/?\xE1\x88\xB4=bar",
       {},
       "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       "/\xE1\x88\xB4",
       {},
       "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-space-normalized",
       "GET",
       "/example space/",
       {},
       "host;x-amz-date",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-slashes-normalized",
       "GET",
       "//example//",
       {},
       "host;x-amz-date",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-relative-relative-normalized",
       "GET",
       "/example1/example2/../..",
       {},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-dot-slash-normalized",
       "GET",
       "/./",
       {},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-header-value-trim",
       "GET",
       "/",
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       "GET",
       "/",
       {{"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"}},
       "host;my-header1;x-amz-date",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-vanilla-with-session-token",
       "GET",
       "/",
       {{"X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"}},
       "host;x-amz-date;x-amz-security-token",
       "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       {{"Content-Type", "application/x-www-form-urlencoded"},
        {"Content-Length", "13"},
        {"x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"}},
       "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
       "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
       "Param1=value1"},
  };
}

http::Request suite_request(const SuiteCase& c) {
  Headers headers = {{"Host", "example.amazonaws.com"}};
  for (const auto& h : c.extra_headers) headers.push_back(h);
  headers.emplace_back("Authorization",
                       std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                   "service/aws4_request, SignedHeaders=") +
                           c.signed_headers + ", Signature=" + c.signature);
  headers.emplace_back("X-Amz-Date", kSuiteDate);
  return make_request(c.method, c.target, headers, c.body);
}

TEST(SigV4Suite, ComputesPublishedSignatures) {
  for (const auto& c : suite_cases()) {
    SCOPED_TRACE(c.name);
    http::Request r = suite_request(c);
    SignatureInfo info = parse_ok(r, false);
    EXPECT_EQ(info.access_key, "AKIDEXAMPLE");
    EXPECT_EQ(info.service, "service");
    EXPECT_EQ(info.amz_date, kSuiteDate);
    std::string payload = r.headers.get("x-amz-content-sha256", sha256_hex(c.body));
    EXPECT_EQ(compute_signature(r, info, kSuiteSecret, payload, true), c.signature);
    Status s = verify_at(r, kSuiteSecret, false, at(kSuiteDate) + minutes(3));
    EXPECT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
  }
}

TEST(SigV4Suite, CanonicalRequestAndStringToSign) {
  // get-vanilla-query-order-key-case: the query is sorted in canonical form.
  http::Request r = suite_request(suite_cases()[1]);
  SignatureInfo info = parse_ok(r, false);
  std::string cr = canonical_request(r, info, sha256_hex(""), true);
  EXPECT_EQ(cr,
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(string_to_sign(info, cr),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" + sha256_hex(cr));

  // get-header-value-trim: values trimmed and inner runs squeezed.
  http::Request t = suite_request(suite_cases()[11]);
  SignatureInfo tinfo = parse_ok(t, false);
  EXPECT_NE(
      canonical_request(t, tinfo, sha256_hex(""), true).find("my-header1:value1\nmy-header2:\"a b c\"\n"),
      std::string::npos);

  // get-header-value-order: repeated headers keep arrival order, joined by ','.
  http::Request o = suite_request(suite_cases()[13]);
  EXPECT_NE(canonical_request(o, parse_ok(o, false), sha256_hex(""), true)
                .find("my-header1:value4,value1,value3,value2\n"),
            std::string::npos);

  // get-space-normalized and get-slashes-normalized: paths.
  http::Request sp = suite_request(suite_cases()[7]);
  EXPECT_EQ(canonical_request(sp, parse_ok(sp, false), "", true).substr(0, 22), "GET\n/example%20space/\n");
  http::Request sl = suite_request(suite_cases()[8]);
  EXPECT_EQ(canonical_request(sl, parse_ok(sl, false), "", true).substr(0, 14), "GET\n/example/\n");
}

TEST(SigV4Suite, SigningKey) {
  // The signing key of the suite, derived by hand from the documented chain.
  std::string k = crypto::hmac_sha256(std::string("AWS4") + kSuiteSecret, "20150830");
  k = crypto::hmac_sha256(crypto::hmac_sha256(crypto::hmac_sha256(k, "us-east-1"), "service"),
                          "aws4_request");
  EXPECT_EQ(signing_key(kSuiteSecret, "20150830", "us-east-1", "service"), k);
  EXPECT_EQ(text::hex_encode(
                signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

// ---------------------------------------------------------------------------
// S3 documentation examples (AKIAIOSFODNN7EXAMPLE, 20130524T000000Z).

constexpr const char* kDocSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kDocDate = "20130524T000000Z";

http::Request doc_get_object() {
  return make_request(
      "GET", "/test.txt",
      {{"Host", "examplebucket.s3.amazonaws.com"},
       {"Authorization",
        "AWS4-HMAC-SHA256 "
        "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;"
        "range;x-amz-content-sha256;x-amz-date,Signature="
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
       {"Range", "bytes=0-9"},
       {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
       {"x-amz-date", kDocDate}});
}

TEST(SigV4S3Docs, GetObjectSingleChunk) {
  http::Request r = doc_get_object();
  SignatureInfo info = parse_ok(r, true);
  EXPECT_EQ(info.access_key, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(info.scope(), "20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(info.signed_headers,
            (std::vector<std::string>{"host", "range", "x-amz-content-sha256", "x-amz-date"}));
  const std::string cr = canonical_request(r, info, info.payload_hash, false);
  EXPECT_EQ(cr,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(string_to_sign(info, cr),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(compute_signature(r, info, kDocSecret, info.payload_hash, false),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_TRUE(verify_at(r, kDocSecret, true, at(kDocDate)).ok());
}

TEST(SigV4S3Docs, StreamingSeedSignature) {
  http::Request r = make_request(
      "PUT", "/examplebucket/chunkObject.txt",
      {{"Host", "s3.amazonaws.com"},
       {"x-amz-date", kDocDate},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
        "x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
       {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
       {"Content-Encoding", "aws-chunked"},
       {"x-amz-decoded-content-length", "66560"},
       {"Content-Length", "66824"}},
      "body is not looked at for streaming payloads");
  SignatureInfo info = parse_ok(r, true);
  EXPECT_EQ(info.payload_hash, kStreamingPayload);
  Status s = verify_at(r, kDocSecret, true, at(kDocDate));
  EXPECT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
}

http::Request doc_presigned() {
  return make_request(
      "GET",
      "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
      "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
      "SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
      {{"Host", "examplebucket.s3.amazonaws.com"}});
}

TEST(SigV4S3Docs, PresignedUrl) {
  http::Request r = doc_presigned();
  SignatureInfo info = parse_ok(r, true);
  EXPECT_TRUE(info.presigned);
  EXPECT_EQ(info.expires_seconds, 86400);
  EXPECT_EQ(info.signed_headers, std::vector<std::string>{"host"});
  EXPECT_EQ(
      canonical_request(r, info, kUnsignedPayload, false),
      "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
      "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders="
      "host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");
  EXPECT_TRUE(verify_at(r, kDocSecret, true, at(kDocDate) + minutes(1)).ok());
  // Valid through its last second, expired one second later.
  EXPECT_TRUE(verify_at(r, kDocSecret, true, at(kDocDate) + seconds(86400)).ok());
  Status expired = verify_at(r, kDocSecret, true, at(kDocDate) + seconds(86401));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "AccessDenied");
  EXPECT_EQ(expired.error().message, "Request has expired");
  EXPECT_EQ(expired.error().status, 403);
  // Presigned URLs are not subject to the header skew rule, only to expiry,
  // but one dated far in the future is not valid yet.
  Status early = verify_at(r, kDocSecret, true, at(kDocDate) - minutes(20));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, "AccessDenied");
  // Wrong secret.
  Status wrong = verify_at(r, "not-the-secret", true, at(kDocDate));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "SignatureDoesNotMatch");
}

// ---------------------------------------------------------------------------
// Requests captured from botocore 1.43.11 as it put them on the wire
// (endpoint http://localhost:4566, key AKIDNUAGETEST / "nuage/secret+KEY",
// clock frozen at 2026-01-15T10:15:00Z), by a one-off script that hooked
// botocore's before-send event. The Host header is what urllib3 adds.

constexpr const char* kBotoSecret = "nuage/secret+KEY";
constexpr const char* kBotoDate = "20260115T101500Z";

http::Request boto_s3_put() {
  return make_request(
      "PUT", "/bucket/a%20key%2Bwith%24odd%21chars~%281%29/%C3%BC.txt",
      {{"Host", "localhost:4566"},
       {"User-Agent", "Botocore/1.43.11"},
       {"Expect", "100-continue"},
       {"x-amz-checksum-crc32", "NhCmhg=="},
       {"x-amz-sdk-checksum-algorithm", "CRC32"},
       {"X-Amz-Date", kBotoDate},
       {"X-Amz-Content-SHA256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDNUAGETEST/20260115/us-east-1/s3/aws4_request, SignedHeaders=host;"
        "x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm, Signature="
        "7e8f3d57dcb318527d0cfb4f665629886fababbb628ab3a5c270a7bf951c232e"},
       {"amz-sdk-invocation-id", "38ee1a1f-e358-4201-bdff-37d3ce73a4f6"},
       {"amz-sdk-request", "attempt=1"},
       {"Content-Length", "5"}},
      "hello");
}

http::Request boto_s3_list() {
  return make_request(
      "GET", "/bucket?list-type=2&prefix=a%2Fb%20c&delimiter=%2F&encoding-type=url",
      {{"Host", "localhost:4566"},
       {"X-Amz-Date", kBotoDate},
       {"X-Amz-Content-SHA256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDNUAGETEST/20260115/us-east-1/s3/aws4_request, SignedHeaders=host;"
        "x-amz-content-sha256;x-amz-date, "
        "Signature=1c7a58ecb5efdb881deed4704ec1d2df34aec029938c1436a1275c249b71986b"}});
}

http::Request boto_s3_get_with_token() {
  return make_request(
      "GET", "/bucket/dir/x.txt",
      {{"Host", "localhost:4566"},
       {"Range", "bytes=0-9"},
       {"x-amz-checksum-mode", "ENABLED"},
       {"X-Amz-Date", kBotoDate},
       {"X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLETOKEN/+="},
       {"X-Amz-Content-SHA256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDNUAGETEST/20260115/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;"
        "x-amz-checksum-mode;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature="
        "526c32038230556c0205c04ea3123ad9ed355fbb22181abe81f6538a17e39e16"}});
}

http::Request boto_sts_post() {
  return make_request(
      "POST", "/",
      {{"Host", "localhost:4566"},
       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
       {"X-Amz-Date", kBotoDate},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDNUAGETEST/20260115/us-east-1/sts/aws4_request, "
        "SignedHeaders=content-type;"
        "host;x-amz-date, Signature=ca93fcc9b121353e606649012f1133f8e94b8c85ebfc39e52a949ac3b6441e22"},
       {"Content-Length", "43"}},
      "Action=GetCallerIdentity&Version=2011-06-15");
}

http::Request boto_lambda_get() {
  return make_request(
      "GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Amy-fn",
      {{"Host", "localhost:4566"},
       {"X-Amz-Date", kBotoDate},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDNUAGETEST/20260115/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host;"
        "x-amz-date, Signature=491c95f2dbdd0b8d53c93a9cf00c75bb3fe62fd177a26f9db222c795bc501c37"}});
}

http::Request boto_s3_presigned_get() {
  return make_request(
      "GET",
      "/bucket/some%20dir/f%C3%BCr%20%28x%29.txt?versionId=v%201&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-"
      "Credential=AKIDNUAGETEST%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T101500Z&X-Amz-"
      "Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature="
      "37754295d765ec93fca307956ad752b990f48c8e4028fa92d5e98823148bf1e9",
      {{"Host", "localhost:4566"}});
}

http::Request boto_s3_presigned_put_with_token() {
  return make_request(
      "PUT",
      "/bucket/"
      "up.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDNUAGETEST%2F20260115%2Fus-east-1%2F"
      "s3%2Faws4_request&X-Amz-Date=20260115T101500Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-"
      "Security-"
      "Token=FQoGZXIvYXdzEXAMPLETOKEN%2F%2B%3D&X-Amz-Signature="
      "526fd3e5405e32d9dab99e9d5b35462534f61261f4273b5edc95d2714533a49b",
      {{"Host", "localhost:4566"}, {"Content-Length", "7"}}, "payload");
}

// botocore presigns with the operation's own method: POST for STS.
http::Request boto_sts_presigned() {
  return make_request(
      "POST",
      "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
      "AKIDNUAGETEST%2F20260115%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260115T101500Z&X-Amz-Expires="
      "60&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature="
      "d01128c905f638be0bf369aa045a17abdb1d4c0dc2f6fae2c546d0ea52642626",
      {{"Host", "localhost:4566"}});
}

// SigV4Auth with a Date header instead of X-Amz-Date (botocore then signs
// the Date header and puts the compact time in the string to sign).
http::Request boto_iam_date_header() {
  return make_request("GET", "/?Action=ListUsers&Version=2010-05-08",
                      {{"Host", "localhost:4566"},
                       {"Date", "Thu, 15 Jan 2026 10:15:00 -0000"},
                       {"Authorization",
                        "AWS4-HMAC-SHA256 Credential=AKIDNUAGETEST/20260115/us-east-1/iam/aws4_request, "
                        "SignedHeaders=date;host, "
                        "Signature=ed1999c1387a2b6002ee5f64ab94d42998d595ba5a5ebc8786d95bd6a2d00dda"}});
}

TEST(SigV4Botocore, AcceptsWhatBotocoreSends) {
  const auto now = at(kBotoDate) + seconds(30);
  struct Case {
    const char* name;
    http::Request request;
    bool s3;
  };
  std::vector<Case> cases;
  cases.push_back({"s3 put odd key", boto_s3_put(), true});
  cases.push_back({"s3 list query", boto_s3_list(), true});
  cases.push_back({"s3 get session token", boto_s3_get_with_token(), true});
  cases.push_back({"sts post form", boto_sts_post(), false});
  cases.push_back({"lambda double-encoded path", boto_lambda_get(), false});
  cases.push_back({"s3 presigned get", boto_s3_presigned_get(), true});
  cases.push_back({"s3 presigned put token", boto_s3_presigned_put_with_token(), true});
  cases.push_back({"sts presigned", boto_sts_presigned(), false});
  cases.push_back({"iam date header", boto_iam_date_header(), false});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Status s = verify_at(c.request, kBotoSecret, c.s3, now);
    EXPECT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
  }
}

TEST(SigV4Botocore, ParsedFields) {
  SignatureInfo tok = parse_ok(boto_s3_get_with_token(), true);
  EXPECT_EQ(tok.session_token, "FQoGZXIvYXdzEXAMPLETOKEN/+=");
  EXPECT_EQ(tok.region, "us-east-1");
  EXPECT_EQ(tok.service, "s3");
  EXPECT_EQ(tok.request_time, at(kBotoDate));
  EXPECT_FALSE(tok.expires_seconds.has_value());

  SignatureInfo pre = parse_ok(boto_s3_presigned_put_with_token(), true);
  EXPECT_TRUE(pre.presigned);
  EXPECT_EQ(pre.session_token, "FQoGZXIvYXdzEXAMPLETOKEN/+=");
  EXPECT_EQ(pre.expires_seconds, 600);
  EXPECT_EQ(pre.signature, "526fd3e5405e32d9dab99e9d5b35462534f61261f4273b5edc95d2714533a49b");

  SignatureInfo dated = parse_ok(boto_iam_date_header(), false);
  EXPECT_EQ(dated.amz_date, kBotoDate);
  EXPECT_EQ(dated.request_time, at(kBotoDate));

  // The non-S3 path is normalized and encoded a second time.
  http::Request lam = boto_lambda_get();
  SignatureInfo linfo = parse_ok(lam, false);
  EXPECT_EQ(canonical_request(lam, linfo, sha256_hex(""), true)
                .rfind("GET\n/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A000000000000%253A"
                       "function%253Amy-fn\n\n",
                       0),
            0u);
}

TEST(SigV4Botocore, SpooledBodyIsHashed) {
  // The STS request carries no x-amz-content-sha256, so verify() must hash
  // the body, here read back from a spool file.
  http::Request r = boto_sts_post();
  auto path = std::filesystem::temp_directory_path() / ("nuage-sigv4-test-" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    out << "Action=GetCallerIdentity&Version=2011-06-15";
  }
  r.body = http::Body::spooled(path, 43);
  EXPECT_TRUE(verify_at(r, kBotoSecret, false, at(kBotoDate)).ok());
  {
    std::ofstream out(path, std::ios::binary);
    out << "Action=GetCallerIdentity&Version=2011-06-16";
  }
  Status s = verify_at(r, kBotoSecret, false, at(kBotoDate));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "SignatureDoesNotMatch");
}

// ---------------------------------------------------------------------------
// Tampering: any change to what was signed is refused.

void expect_code(const Status& s, const std::string& code, int status) {
  ASSERT_FALSE(s.ok()) << "expected " << code;
  EXPECT_EQ(s.error().code, code) << s.error().message;
  EXPECT_EQ(s.error().status, status);
}

TEST(SigV4Verify, RejectsTamperedRequests) {
  const auto now = at(kBotoDate);
  const std::string mismatch =
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
      "Access Key and signing method. Consult the service documentation for details.";
  {
    http::Request r = boto_s3_get_with_token();
    r.headers.set("Range", "bytes=0-99");
    Status s = verify_at(r, kBotoSecret, true, now);
    expect_code(s, "SignatureDoesNotMatch", 403);
    EXPECT_EQ(s.error().message, mismatch);
  }
  {
    http::Request r = boto_s3_list();
    r.target = "/bucket?list-type=2&prefix=a%2Fb%20d&delimiter=%2F&encoding-type=url";
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  {
    http::Request r = boto_s3_list();
    r.target += "&extra=1";
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  {
    http::Request r = boto_s3_get_with_token();
    r.target = "/bucket/dir/y.txt";
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  {
    // An escaped character is not the character it escapes... unless it
    // decodes to the same key: S3 reads "%2F" in a path as "/".
    http::Request r = boto_s3_get_with_token();
    r.target = "/bucket/dir/x%2Etxt";
    EXPECT_TRUE(verify_at(r, kBotoSecret, true, now).ok());
    r.target = "/bucket/dir%2Fx.txt";
    EXPECT_TRUE(verify_at(r, kBotoSecret, true, now).ok());
    r.target = "/bucket/dir/x%252Etxt";
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  {
    http::Request r = boto_s3_get_with_token();
    r.method = "DELETE";
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  {
    http::Request r = boto_s3_get_with_token();
    r.headers.set("Host", "elsewhere:4566");
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  {
    // The signed hash still matches the header, but not the body.
    http::Request r = boto_s3_put();
    r.body = http::Body(std::string("HELLO"));
    Status s = verify_at(r, kBotoSecret, true, now);
    expect_code(s, "XAmzContentSHA256Mismatch", 400);
  }
  {
    http::Request r = boto_sts_post();
    r.body = http::Body(std::string("Action=GetCallerIdentity&Version=2011-06-16"));
    expect_code(verify_at(r, kBotoSecret, false, now), "SignatureDoesNotMatch", 403);
  }
  {
    http::Request r = boto_lambda_get();
    r.target = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aother";
    expect_code(verify_at(r, kBotoSecret, false, now), "SignatureDoesNotMatch", 403);
  }
  {
    http::Request r = boto_s3_presigned_get();
    r.target.replace(r.target.find("v%201"), 5, "v%202");
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  {
    http::Request r = boto_s3_presigned_put_with_token();
    r.target.replace(r.target.find("TOKEN"), 5, "TOKEX");
    expect_code(verify_at(r, kBotoSecret, true, now), "SignatureDoesNotMatch", 403);
  }
  // Unsigned headers and the body of an UNSIGNED-PAYLOAD presigned request
  // may change freely.
  {
    http::Request r = boto_s3_get_with_token();
    r.headers.set("User-Agent", "something else");
    EXPECT_TRUE(verify_at(r, kBotoSecret, true, now).ok());
    http::Request p = boto_s3_presigned_put_with_token();
    p.body = http::Body(std::string("other payload"));
    EXPECT_TRUE(verify_at(p, kBotoSecret, true, now).ok());
  }
}

TEST(SigV4Verify, S3PathEncodingVariants) {
  // A client that escapes characters RFC 3986 leaves alone (or leaves some
  // reserved ones raw) and signs the canonical form is accepted, and so is
  // one that signs the path exactly as it sent it.
  const auto now = at(kBotoDate);
  Headers base = {{"Host", "localhost:4566"},
                  {"X-Amz-Date", kBotoDate},
                  {"X-Amz-Content-SHA256", std::string(kUnsignedPayload)}};
  auto sign = [&](const std::string& target, bool as_sent) {
    http::Request r = make_request("GET", target, base);
    r.headers.add("Authorization",
                  "AWS4-HMAC-SHA256 Credential=AK/20260115/us-east-1/s3/aws4_request, "
                  "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0");
    SignatureInfo info = parse_ok(r, true);
    std::string sig;
    if (as_sent) {
      // canonical_request() re-encodes, so the as-sent form is built by hand.
      std::string cr =
          "GET\n" + std::string(r.path()) +
          "\n\nhost:localhost:4566\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:" + kBotoDate +
          "\n\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD";
      sig = text::hex_encode(
          crypto::hmac_sha256(signing_key("s", "20260115", "us-east-1", "s3"), string_to_sign(info, cr)));
    } else {
      sig = compute_signature(r, info, "s", kUnsignedPayload, false);
    }
    r.headers.set("Authorization",
                  "AWS4-HMAC-SHA256 Credential=AK/20260115/us-east-1/s3/aws4_request, "
                  "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
                      sig);
    return r;
  };
  EXPECT_TRUE(verify_at(sign("/b/it's!~(x)", false), "s", true, now).ok());
  EXPECT_TRUE(verify_at(sign("/b/%7Ea%21", false), "s", true, now).ok());
  EXPECT_TRUE(verify_at(sign("/b/it's!(x)", true), "s", true, now).ok());
  // Canonical form of an over-escaped path.
  http::Request r = sign("/b/%7Ea%21", false);
  EXPECT_EQ(canonical_request(r, parse_ok(r, true), kUnsignedPayload, false).substr(0, 14),
            "GET\n/b/~a%21\n\n");
}

TEST(SigV4Verify, QueryCanonicalization) {
  const auto now = at(kSuiteDate);
  http::Request r =
      make_request("GET", "/?b=2&a&c=x%2fy&a=1&%41=z&sp=a+b", {{"Host", "h"}, {"X-Amz-Date", kSuiteDate}});
  r.headers.add(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/svc/aws4_request, SignedHeaders=host;x-amz-date, "
      "Signature=00");
  SignatureInfo info = parse_ok(r, false);
  // Valueless names become "name=", escapes are normalized to upper case and
  // unreserved characters unescaped, '+' is a literal plus, and equal names
  // sort by value.
  EXPECT_EQ(
      canonical_request(r, info, "H", true),
      "GET\n/\nA=z&a=&a=1&b=2&c=x%2Fy&sp=a%2Bb\nhost:h\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\nH");
  std::string sig = compute_signature(r, info, "secret", sha256_hex(""), true);
  r.headers.set(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/svc/aws4_request, SignedHeaders=host;x-amz-date, "
      "Signature=" +
          sig);
  EXPECT_TRUE(verify_at(r, "secret", false, now).ok());
}

TEST(SigV4Verify, ClockSkew) {
  http::Request r = suite_request(suite_cases()[0]);
  // Within the window on both sides, inclusive.
  EXPECT_TRUE(verify_at(r, kSuiteSecret, false, at(kSuiteDate) + minutes(15)).ok());
  EXPECT_TRUE(verify_at(r, kSuiteSecret, false, at(kSuiteDate) - minutes(15)).ok());

  Status late = verify_at(r, kSuiteSecret, false, at("20150830T130100Z"));
  expect_code(late, "SignatureDoesNotMatch", 400);
  EXPECT_EQ(late.error().message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T130100Z - 15 "
            "min.)");

  Status early = verify_at(r, kSuiteSecret, false, at("20150830T120000Z"));
  expect_code(early, "SignatureDoesNotMatch", 400);
  EXPECT_EQ(
      early.error().message,
      "Signature not yet current: 20150830T123600Z is still later than 20150830T121500Z (20150830T120000Z + "
      "15 min.)");

  Status s3 = verify_at(doc_get_object(), kDocSecret, true, at(kDocDate) + minutes(16));
  expect_code(s3, "RequestTimeTooSkewed", 403);
  EXPECT_EQ(s3.error().message, "The difference between the request time and the current time is too large.");
  EXPECT_EQ(s3.error().fields["RequestTime"], kDocDate);

  // A custom window.
  VerifyOptions options;
  options.now = at(kSuiteDate) + minutes(6);
  options.max_skew = minutes(5);
  Status custom = verify(r, parse_ok(r, false), kSuiteSecret, options);
  ASSERT_FALSE(custom.ok());
  EXPECT_NE(custom.error().message.find("(20150830T124200Z - 5 min.)"), std::string::npos);
}

TEST(SigV4Verify, NonS3PresignedExpiry) {
  http::Request r = boto_sts_presigned();
  EXPECT_TRUE(verify_at(r, kBotoSecret, false, at(kBotoDate) + seconds(60)).ok());
  expect_code(verify_at(r, kBotoSecret, false, at(kBotoDate) + seconds(61)), "AccessDenied", 403);
}

// A key nuage has no secret for: the HMAC is not checked, time and expiry are.
TEST(SigV4Verify, UncheckedSignatureStillChecksTime) {
  http::Request r = suite_request(suite_cases()[0]);
  VerifyOptions options;
  options.check_signature = false;
  options.now = at(kSuiteDate);
  EXPECT_TRUE(verify(r, parse_ok(r, false), "any other secret", options).ok());
  options.now = at("20150830T130100Z");
  expect_code(verify(r, parse_ok(r, false), "any other secret", options), "SignatureDoesNotMatch", 400);
  http::Request presigned = boto_sts_presigned();
  options.now = at(kBotoDate) + seconds(61);
  expect_code(verify(presigned, parse_ok(presigned, false), "", options), "AccessDenied", 403);
}

TEST(SigV4Verify, S3PayloadHashValues) {
  const auto now = at(kBotoDate);
  http::Request r = boto_s3_list();
  r.headers.set("X-Amz-Content-SHA256", "bogus");
  expect_code(verify_at(r, kBotoSecret, true, now), "InvalidArgument", 400);

  // UNSIGNED-PAYLOAD: the body is not hashed, whatever it is.
  Headers h = {{"Host", "localhost:4566"},
               {"X-Amz-Date", kBotoDate},
               {"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AK/20260115/us-east-1/s3/aws4_request, "
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0"}};
  http::Request u = make_request("PUT", "/b/k", h, "anything");
  SignatureInfo info = parse_ok(u, true);
  std::string sig = compute_signature(u, info, "s", kUnsignedPayload, false);
  u.headers.set("Authorization",
                "AWS4-HMAC-SHA256 Credential=AK/20260115/us-east-1/s3/aws4_request, "
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
                    sig);
  EXPECT_TRUE(verify_at(u, "s", true, now).ok());
  // Upper-case hex signatures are the same signature.
  std::string upper = sig;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  u.headers.set("Authorization",
                "AWS4-HMAC-SHA256 Credential=AK/20260115/us-east-1/s3/aws4_request, "
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
                    upper);
  EXPECT_TRUE(verify_at(u, "s", true, now).ok());
}

TEST(SigV4Verify, S3PresignedWithPayloadHashInQuery) {
  const auto now = at(kBotoDate);
  const std::string body = "exact payload";
  const std::string target =
      "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&"
      "X-Amz-Date=20260115T101500Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Content-Sha256=" +
      sha256_hex(body);
  http::Request r = make_request("PUT", target + "&X-Amz-Signature=0", {{"Host", "h"}}, body);
  SignatureInfo info = parse_ok(r, true);
  EXPECT_EQ(info.payload_hash, sha256_hex(body));
  // The signature itself is left out of the canonical query.
  EXPECT_EQ(canonical_request(r, info, info.payload_hash, false).find("X-Amz-Signature"), std::string::npos);
  r.target = target + "&X-Amz-Signature=" + compute_signature(r, info, "s", info.payload_hash, false);
  EXPECT_TRUE(verify_at(r, "s", true, now).ok());
  r.body = http::Body(std::string("other payload"));
  expect_code(verify_at(r, "s", true, now), "XAmzContentSHA256Mismatch", 400);
}

// ---------------------------------------------------------------------------
// parse_signature: shapes and errors.

TEST(SigV4Parse, AnonymousRequestsHaveNoSignature) {
  EXPECT_FALSE(parse_signature(make_request("GET", "/b/k", {{"Host", "h"}}), true).has_value());
  EXPECT_FALSE(
      parse_signature(make_request("GET", "/b/k?X-Amz-Meta=1&x=y", {{"Host", "h"}}), false).has_value());
}

TEST(SigV4Parse, SpacingVariants) {
  for (const char* header :
       {"AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request,SignedHeaders=host;x-amz-date,"
        "Signature=abc",
        "AWS4-HMAC-SHA256   Credential=AK/20150830/us-east-1/iam/aws4_request ,  "
        "SignedHeaders=host;x-amz-date , "
        "Signature=abc ",
        "  AWS4-HMAC-SHA256 Signature=abc, Credential=AK/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=Host;X-Amz-Date"}) {
    SCOPED_TRACE(header);
    http::Request r =
        make_request("GET", "/", {{"Host", "h"}, {"X-Amz-Date", kSuiteDate}, {"Authorization", header}});
    SignatureInfo info = parse_ok(r, false);
    EXPECT_EQ(info.access_key, "AK");
    EXPECT_EQ(info.date, "20150830");
    EXPECT_EQ(info.region, "us-east-1");
    EXPECT_EQ(info.service, "iam");
    EXPECT_EQ(info.signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
    EXPECT_EQ(info.signature, "abc");
    EXPECT_FALSE(info.presigned);
  }
}

http::Request with_auth(std::string header, Headers extra = {{"X-Amz-Date", kSuiteDate}}) {
  Headers h = {{"Host", "h"}};
  for (auto& e : extra) h.push_back(e);
  h.emplace_back("Authorization", std::move(header));
  return make_request("GET", "/", h);
}

TEST(SigV4Parse, HeaderErrorsOutsideS3) {
  AwsError v2 = parse_error(with_auth("AWS AKID:c2lnbmF0dXJl"), false);
  EXPECT_EQ(v2.code, "IncompleteSignature");
  EXPECT_EQ(v2.status, 400);

  AwsError missing = parse_error(
      with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=host"),
      false);
  EXPECT_EQ(missing.code, "IncompleteSignature");
  EXPECT_EQ(missing.message,
            "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 "
            "Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=host");

  AwsError cred = parse_error(
      with_auth(
          "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/aws4_request, SignedHeaders=host, Signature=a"),
      false);
  EXPECT_EQ(cred.code, "IncompleteSignature");
  EXPECT_EQ(
      cred.message,
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
      "'AK/20150830/us-east-1/aws4_request'");

  AwsError term = parse_error(with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws5_request, "
                                        "SignedHeaders=host, Signature=a"),
                              false);
  EXPECT_EQ(term.code, "IncompleteSignature");

  AwsError no_eq =
      parse_error(with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, "
                            "SignedHeaders=host, Signature"),
                  false);
  EXPECT_EQ(no_eq.code, "IncompleteSignature");

  AwsError no_date =
      parse_error(with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, "
                            "SignedHeaders=host, Signature=a",
                            {}),
                  false);
  EXPECT_EQ(no_date.code, "IncompleteSignature");
  EXPECT_NE(no_date.message.find("requires existence of either a 'X-Amz-Date' or a 'Date' header"),
            std::string::npos);

  AwsError bad_date =
      parse_error(with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, "
                            "SignedHeaders=host, Signature=a",
                            {{"X-Amz-Date", "2015-08-30T12:36:00Z"}}),
                  false);
  EXPECT_EQ(bad_date.code, "IncompleteSignature");

  AwsError scope =
      parse_error(with_auth("AWS4-HMAC-SHA256 Credential=AK/20150831/us-east-1/iam/aws4_request, "
                            "SignedHeaders=host, Signature=a"),
                  false);
  EXPECT_EQ(scope.code, "SignatureDoesNotMatch");
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(scope.message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            "'20150831' != "
            "'20150830', from '20150830T123600Z'.");

  AwsError host = parse_error(
      with_auth(
          "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, "
          "Signature=a"),
      false);
  EXPECT_EQ(host.code, "IncompleteSignature");
}

TEST(SigV4Parse, HeaderErrorsInS3) {
  AwsError v2 = parse_error(with_auth("AWS AKID:c2lnbmF0dXJl"), true);
  EXPECT_EQ(v2.code, "InvalidRequest");
  EXPECT_EQ(v2.message,
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");

  AwsError bearer = parse_error(with_auth("Bearer xyz"), true);
  EXPECT_EQ(bearer.code, "InvalidArgument");

  AwsError missing = parse_error(
      with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host"),
      true);
  EXPECT_EQ(missing.code, "AuthorizationHeaderMalformed");
  EXPECT_EQ(missing.status, 400);

  AwsError cred = parse_error(
      with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/s3/aws4_request, SignedHeaders=host, Signature=a"),
      true);
  EXPECT_EQ(cred.code, "AuthorizationHeaderMalformed");
  EXPECT_EQ(cred.message,
            "The authorization header is malformed; the Credential is mal-formed; expecting "
            "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");

  AwsError no_date =
      parse_error(with_auth("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, "
                            "SignedHeaders=host, Signature=a",
                            {}),
                  true);
  EXPECT_EQ(no_date.code, "AccessDenied");
  EXPECT_EQ(no_date.status, 403);
  EXPECT_EQ(no_date.message, "AWS authentication requires a valid Date or x-amz-date header");

  AwsError scope = parse_error(with_auth("AWS4-HMAC-SHA256 Credential=AK/20150831/us-east-1/s3/aws4_request, "
                                         "SignedHeaders=host, Signature=a"),
                               true);
  EXPECT_EQ(scope.code, "AuthorizationHeaderMalformed");
}

TEST(SigV4Parse, PresignedErrors) {
  const std::string base =
      "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-"
      "Amz-"
      "Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
  auto req = [](std::string target) { return make_request("GET", std::move(target), {{"Host", "h"}}); };

  AwsError no_expires = parse_error(req(base), true);
  EXPECT_EQ(no_expires.code, "AuthorizationQueryParametersError");
  EXPECT_EQ(no_expires.status, 400);
  // Outside S3 the expiry is optional.
  EXPECT_TRUE(parse_signature(req(base), false)->ok());

  for (const char* bad : {"604801", "0", "-5", "soon"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_error(req(base + "&X-Amz-Expires=" + bad), true).code,
              "AuthorizationQueryParametersError");
  }
  EXPECT_TRUE(parse_signature(req(base + "&X-Amz-Expires=604800"), true)->ok());

  std::string no_sig = base.substr(0, base.find("&X-Amz-Signature")) + "&X-Amz-Expires=60";
  EXPECT_EQ(parse_error(req(no_sig), true).code, "AuthorizationQueryParametersError");
  AwsError outside = parse_error(req(no_sig), false);
  EXPECT_EQ(outside.code, "IncompleteSignature");
  EXPECT_EQ(
      outside.message,
      "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.");

  std::string algo = base + "&X-Amz-Expires=60";
  algo.replace(algo.find("AWS4-HMAC-SHA256"), 16, "AWS4-HMAC-SHA512");
  EXPECT_EQ(parse_error(req(algo), true).code, "AuthorizationQueryParametersError");

  std::string date = base + "&X-Amz-Expires=60";
  date.replace(date.find("20130524T000000Z"), 16, "2013-05-24");
  EXPECT_EQ(parse_error(req(date), true).code, "AuthorizationQueryParametersError");

  // Both an Authorization header and a query signature.
  http::Request both = req(base + "&X-Amz-Expires=60");
  both.headers.add("Authorization",
                   "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, "
                   "SignedHeaders=host, Signature=abc");
  both.headers.add("X-Amz-Date", "20130524T000000Z");
  EXPECT_EQ(parse_error(both, true).code, "InvalidArgument");

  // An unreadable query signature is an error, not an anonymous request.
  EXPECT_EQ(parse_error(req("/k?X-Amz-Credential=AK%2F2013&X-Amz-Signature=%zz"), true).code,
            "AuthorizationQueryParametersError");
  EXPECT_EQ(parse_error(req("/k?X-Amz-Credential=AK%2F2013&X-Amz-Signature=%zz"), false).code,
            "IncompleteSignature");

  // SigV2 query authentication needs all three parameters.
  EXPECT_EQ(parse_error(req("/k?AWSAccessKeyId=AK&Signature=abc%3D"), true).code, "AccessDenied");
}

// S3 SigV2 presigned URLs (boto3's default for S3): HMAC-SHA1 over verb,
// Content-MD5, Content-Type, Expires and the resource.
TEST(SigV2Query, VerifiesExpiresAndTampering) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  // base64(HMAC-SHA1(secret, "GET\n\n\n1141889120\n/johnsmith/photos/puppy.jpg"))
  const std::string good =
      "/johnsmith/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&"
      "Signature=fScKGHCDI0NY5E7CYp9Vc8VKMbY%3D";
  auto req = [](std::string target) { return make_request("GET", std::move(target), {{"Host", "h"}}); };
  auto before = timefmt::from_epoch_seconds(1141889000);
  EXPECT_TRUE(verify_at(req(good), secret, true, before).ok());
  Status expired = verify_at(req(good), secret, true, timefmt::from_epoch_seconds(1141889121));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "AccessDenied");
  EXPECT_EQ(expired.error().message, "Request has expired");
  std::string tampered = good;
  tampered.replace(tampered.find("puppy"), 5, "kitty");
  Status bad = verify_at(req(tampered), secret, true, before);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "SignatureDoesNotMatch");
}

}  // namespace
}  // namespace nuage::auth
