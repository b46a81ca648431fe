// AWS Signature Version 4: parsing and verification of signed requests.
//
// Covers the three ways a request carries a signature: the Authorization
// header, a presigned query string (X-Amz-Algorithm ... X-Amz-Signature),
// and — for the payload — `UNSIGNED-PAYLOAD`, a plain SHA-256, or the
// aws-chunked streaming forms (see chunked.h). The canonical request follows
// AWS's rules, including S3's single URI-encoding of the path versus the
// double encoding every other service uses.
//
// Thread-safety: pure functions over values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "http/message.h"

namespace nuage::auth {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

// What a request says about its own signature, before any key is looked up.
struct SignatureInfo {
  bool presigned = false;          // signature in the query string
  std::string access_key;
  std::string date;                // credential scope date, YYYYMMDD
  std::string region;              // credential scope region
  std::string service;             // credential scope service (signing name)
  std::vector<std::string> signed_headers;  // lower-case, as listed
  std::string signature;           // hex
  std::string amz_date;            // X-Amz-Date (or Date header), as sent
  std::chrono::system_clock::time_point request_time;  // parsed amz_date
  std::optional<long> expires_seconds;  // presigned only: X-Amz-Expires
  std::string session_token;       // X-Amz-Security-Token, if any
  std::string payload_hash;        // x-amz-content-sha256 as sent ("" if absent)
  // S3 only: a SigV2 presigned URL (AWSAccessKeyId, Signature, Expires),
  // what boto3's generate_presigned_url makes for S3 by default. `signature`
  // is then base64, and `sigv2_expires` the epoch second it expires at.
  bool sigv2 = false;
  long long sigv2_expires = 0;

  std::string scope() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// Extracts the signature information. Returns:
//  - nullopt when the request is not SigV4-signed at all (anonymous);
//  - an AwsError for a malformed Authorization header / query
//    (code "IncompleteSignature" / "AuthorizationHeaderMalformed" /
//    "AuthorizationQueryParametersError" as the service would say).
// `s3` selects S3's wording of the errors.
std::optional<Result<SignatureInfo>> parse_signature(const http::Request& request, bool s3);

// The canonical request for `request`, per the SigV4 spec. `payload_hash` is
// the hex SHA-256 of the body or one of the special values above.
// `double_encode_path`: true for every service but S3.
std::string canonical_request(const http::Request& request, const SignatureInfo& info,
                              std::string_view payload_hash, bool double_encode_path);

std::string string_to_sign(const SignatureInfo& info, std::string_view canonical_request);

// kSigning = HMAC chain over date, region, service, "aws4_request".
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

// Computes the expected signature (hex) of `request` with `secret`.
std::string compute_signature(const http::Request& request, const SignatureInfo& info,
                              std::string_view secret, std::string_view payload_hash,
                              bool double_encode_path);

struct VerifyOptions {
  bool s3 = false;  // S3 rules: single path encoding, S3 error codes
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();  // real time
  std::chrono::seconds max_skew{15 * 60};
  // false for a key nuage has no secret for: everything but the HMAC itself
  // (time, expiry, payload hash markers, the body's SHA-256) is still checked.
  bool check_signature = true;
};

// Verifies signature, time skew (header form: RequestTimeTooSkewed) and
// expiry (presigned: AccessDenied "Request has expired"). The payload hash
// used is the x-amz-content-sha256 header when present, else the SHA-256 of
// the body (read from memory or the spooled file).
// On mismatch: SignatureDoesNotMatch (403) with AWS's message.
Status verify(const http::Request& request, const SignatureInfo& info, std::string_view secret,
              const VerifyOptions& options);

}  // namespace nuage::auth
