// Fuzzes the SigV4 parser and verifier (header and presigned forms) and the
// aws-chunked decoder with arbitrary input.
#include <cstdint>
#include <string>

#include "auth/chunked.h"
#include "auth/sigv4.h"
#include "http/message.h"

using namespace nuage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t cut = input.find('\n');
  std::string first = input.substr(0, cut);
  std::string rest = cut == std::string::npos ? "" : input.substr(cut + 1);
  bool s3 = data[0] & 1;

  http::Request req;
  req.method = "GET";
  if (data[0] & 2) {
    req.target = "/bucket/key?" + first;
  } else {
    req.target = "/";
    req.headers.add("authorization", first);
    req.headers.add("x-amz-date", "20130524T000000Z");
  }
  req.headers.add("host", "127.0.0.1:4566");
  req.headers.add("x-amz-content-sha256", data[0] & 4 ? "UNSIGNED-PAYLOAD" : rest.substr(0, 64));
  req.body = http::Body(rest);
  if (auto info = auth::parse_signature(req, s3); info && info->ok()) {
    auth::VerifyOptions options;
    options.s3 = s3;
    (void)auth::verify(req, info->value(), "secret", options);
  }

  auth::ChunkSigning signing;
  signing.signed_chunks = data[0] & 8;
  signing.signing_key = std::string(32, 'k');
  signing.amz_date = "20130524T000000Z";
  signing.scope = "20130524/us-east-1/s3/aws4_request";
  signing.seed_signature = std::string(64, '0');
  size_t total = 0;
  auth::ChunkedDecoder decoder(signing, [&](std::string_view chunk) { total += chunk.size(); });
  // Feed in two pieces to exercise partial lines.
  size_t half = input.size() / 2;
  if (decoder.feed(std::string_view(input).substr(0, half)).ok()) {
    if (decoder.feed(std::string_view(input).substr(half)).ok()) (void)decoder.finish();
  }
  return 0;
}
