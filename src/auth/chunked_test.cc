#include "auth/chunked.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/sigv4.h"

namespace nuage::auth {
namespace {

// The S3 documentation's streaming examples ("Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks" and its
// trailer variant): 65536 + 1024 bytes of 'a', AKIAIOSFODNN7EXAMPLE,
// 20130524T000000Z, us-east-1/s3.
constexpr const char* kChunkedExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

ChunkSigning doc_signing(std::string seed) {
  ChunkSigning s;
  s.signed_chunks = true;
  s.signing_key = signing_key(kChunkedExampleSecret, "20130524", "us-east-1", "s3");
  s.amz_date = "20130524T000000Z";
  s.scope = "20130524/us-east-1/s3/aws4_request";
  s.seed_signature = std::move(seed);
  return s;
}

const char* kSeed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
const char* kSig1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
const char* kSig2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
const char* kSig3 = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

std::string doc_body(const char* s1 = kSig1, const char* s2 = kSig2, const char* s3 = kSig3,
                     const std::string& trailer = "") {
  std::string b;
  b += std::string("10000;chunk-signature=") + s1 + "\r\n";
  b += std::string(65536, 'a');
  b += std::string("\r\n400;chunk-signature=") + s2 + "\r\n";
  b += std::string(1024, 'a');
  b += std::string("\r\n0;chunk-signature=") + s3 + "\r\n";
  b += trailer;
  b += "\r\n";
  return b;
}

struct Decoded {
  Status status;
  std::string output;
  std::map<std::string, std::string> trailers;
  uint64_t size = 0;
};

// Feeds `body` in pieces of `step` bytes (0: all at once), then finishes.
Decoded decode(const ChunkSigning& signing, std::string_view body, size_t step = 0) {
  Decoded d;
  ChunkedDecoder decoder(signing, [&](std::string_view bytes) { d.output.append(bytes); });
  if (step == 0) step = body.size() ? body.size() : 1;
  for (size_t i = 0; i < body.size(); i += step) {
    d.status = decoder.feed(body.substr(i, step));
    if (!d.status.ok()) return d;
  }
  d.status = decoder.finish();
  d.trailers = decoder.trailers();
  d.size = decoder.decoded_size();
  return d;
}

void expect_error(const Decoded& d, const std::string& code, int status) {
  ASSERT_FALSE(d.status.ok()) << "expected " << code;
  EXPECT_EQ(d.status.error().code, code) << d.status.error().message;
  EXPECT_EQ(d.status.error().status, status);
}

TEST(ChunkedSigned, DecodesTheDocumentedUpload) {
  std::string body = doc_body();
  EXPECT_EQ(body.size(), 66824u);  // the example's Content-Length
  Decoded d = decode(doc_signing(kSeed), body);
  ASSERT_TRUE(d.status.ok()) << d.status.error().code << ": " << d.status.error().message;
  EXPECT_EQ(d.output, std::string(66560, 'a'));
  EXPECT_EQ(d.size, 66560u);
  EXPECT_TRUE(d.trailers.empty());
}

TEST(ChunkedSigned, SplitFeedingGivesTheSameResult) {
  std::string body = doc_body();
  for (size_t step : {1, 2, 7, 64, 4095, 65536, 65600}) {
    SCOPED_TRACE(step);
    Decoded d = decode(doc_signing(kSeed), body, step);
    ASSERT_TRUE(d.status.ok()) << d.status.error().message;
    EXPECT_EQ(d.output, std::string(66560, 'a'));
  }
}

TEST(ChunkedSigned, UppercaseSignaturesAreAccepted) {
  std::string upper = kSig2;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(decode(doc_signing(kSeed), doc_body(kSig1, upper.c_str())).status.ok());
}

TEST(ChunkedSigned, RejectsBadSignatures) {
  // A flipped data byte in the second chunk.
  std::string body = doc_body();
  body[body.find("400;") + 90 + 100] = 'b';
  expect_error(decode(doc_signing(kSeed), body), "SignatureDoesNotMatch", 403);
  // The chain: a valid chunk signature under a different seed fails.
  expect_error(decode(doc_signing(kSig3), doc_body()), "SignatureDoesNotMatch", 403);
  // The zero-length final chunk is signed too.
  expect_error(decode(doc_signing(kSeed), doc_body(kSig1, kSig2, kSig2)), "SignatureDoesNotMatch", 403);
  // Chunks cannot be reordered.
  expect_error(decode(doc_signing(kSeed), doc_body(kSig2, kSig1, kSig3)), "SignatureDoesNotMatch", 403);
  // A signed stream needs a signature on every chunk.
  std::string unsigned_chunk = "3\r\nabc\r\n0;chunk-signature=" + std::string(kSig3) + "\r\n\r\n";
  expect_error(decode(doc_signing(kSeed), unsigned_chunk), "InvalidRequest", 400);
}

TEST(ChunkedSigned, ErrorsAreSticky) {
  ChunkedDecoder decoder(doc_signing(kSig3), [](std::string_view) {});
  std::string body = doc_body();
  Status first = decoder.feed(body);
  ASSERT_FALSE(first.ok());
  Status again = decoder.feed("0\r\n\r\n");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "SignatureDoesNotMatch");
  EXPECT_FALSE(decoder.finish().ok());
}

// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, the documentation's example.
constexpr const char* kTrailerSeed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
constexpr const char* kTSig1 = "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2";
constexpr const char* kTSig2 = "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7";
constexpr const char* kTSig3 = "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992";
constexpr const char* kTrailerSig = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";

TEST(ChunkedSignedTrailer, DecodesTheDocumentedUpload) {
  std::string trailer =
      std::string("x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:") + kTrailerSig + "\r\n";
  for (size_t step : {0, 1, 13}) {
    SCOPED_TRACE(step);
    Decoded d = decode(doc_signing(kTrailerSeed), doc_body(kTSig1, kTSig2, kTSig3, trailer), step);
    ASSERT_TRUE(d.status.ok()) << d.status.error().code << ": " << d.status.error().message;
    EXPECT_EQ(d.output, std::string(66560, 'a'));
    ASSERT_EQ(d.trailers.size(), 1u);
    EXPECT_EQ(d.trailers["x-amz-checksum-crc32c"], "sOO8/Q==");
  }
}

TEST(ChunkedSignedTrailer, RejectsForgedTrailers) {
  std::string forged =
      std::string("x-amz-checksum-crc32c:AAAAAA==\r\nx-amz-trailer-signature:") + kTrailerSig + "\r\n";
  expect_error(decode(doc_signing(kTrailerSeed), doc_body(kTSig1, kTSig2, kTSig3, forged)),
               "SignatureDoesNotMatch", 403);
  // A trailer nobody signed.
  expect_error(decode(doc_signing(kTrailerSeed),
                      doc_body(kTSig1, kTSig2, kTSig3, "x-amz-checksum-crc32c:sOO8/Q==\r\n")),
               "SignatureDoesNotMatch", 403);
  // A trailer slipped in after the signature.
  std::string late = std::string("x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:") + kTrailerSig +
                     "\r\nx-amz-checksum-sha1:abc=\r\n";
  expect_error(decode(doc_signing(kTrailerSeed), doc_body(kTSig1, kTSig2, kTSig3, late)), "InvalidRequest",
               400);
}

// STREAMING-UNSIGNED-PAYLOAD-TRAILER, framed the way botocore's
// AwsChunkedWrapper frames it: "<hex>\r\n<data>\r\n" per chunk, then
// "0\r\n<name>:<b64>\r\n\r\n" (or "0\r\n\r\n" without a checksum).
TEST(ChunkedUnsigned, TrailerChecksum) {
  ChunkSigning none;
  std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  for (size_t step : {0, 1, 3}) {
    SCOPED_TRACE(step);
    Decoded d = decode(none, body, step);
    ASSERT_TRUE(d.status.ok()) << d.status.error().message;
    EXPECT_EQ(d.output, "hello world");
    EXPECT_EQ(d.size, 11u);
    EXPECT_EQ(d.trailers["x-amz-checksum-crc32"], "DUoRhQ==");
  }
}

TEST(ChunkedUnsigned, Variants) {
  ChunkSigning none;
  Decoded plain = decode(none, "5\r\nhello\r\n0\r\n\r\n");
  ASSERT_TRUE(plain.status.ok());
  EXPECT_EQ(plain.output, "hello");
  EXPECT_TRUE(plain.trailers.empty());

  Decoded empty = decode(none, "0\r\n\r\n");
  ASSERT_TRUE(empty.status.ok());
  EXPECT_EQ(empty.output, "");

  // Upper-case hex, trailer names lower-cased and values trimmed.
  Decoded hex = decode(none, "A\r\n0123456789\r\n0\r\nX-Amz-Checksum-SHA256 :  abc= \r\n\r\n");
  ASSERT_TRUE(hex.status.ok());
  EXPECT_EQ(hex.output, "0123456789");
  EXPECT_EQ(hex.trailers["x-amz-checksum-sha256"], "abc=");

  // Chunk extensions are ignored when chunks are not signed.
  Decoded ext = decode(none, "3;chunk-signature=00\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(ext.status.ok());
  EXPECT_EQ(ext.output, "abc");

  // The closing empty line may be missing once the trailers are complete.
  Decoded lax = decode(none, "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n");
  ASSERT_TRUE(lax.status.ok());
  EXPECT_EQ(lax.trailers["x-amz-checksum-crc32"], "NSRBwg==");
}

TEST(ChunkedFraming, MalformedInputIsRejected) {
  ChunkSigning none;
  expect_error(decode(none, "zz\r\nabc\r\n0\r\n\r\n"), "InvalidRequest", 400);
  expect_error(decode(none, "\r\nabc\r\n0\r\n\r\n"), "InvalidRequest", 400);
  expect_error(decode(none, "3\r\nabcX\r\n0\r\n\r\n"), "InvalidRequest", 400);
  expect_error(decode(none, "11111111111111111\r\n"), "InvalidRequest", 400);  // more than 64 bits
  expect_error(decode(none, "3\r\nabc\r\n0\r\nno-colon\r\n\r\n"), "InvalidRequest", 400);
  expect_error(decode(none, "3\r\nabc\r\n0\r\n\r\nextra"), "InvalidRequest", 400);
  // An endless size line is cut off without waiting for its end.
  Decoded longline = decode(none, std::string(5000, '0'));
  expect_error(longline, "InvalidRequest", 400);
  // So are endless trailers.
  std::string trailers = "0\r\n";
  for (int i = 0; i < 1000; ++i)
    trailers += "x-amz-meta-" + std::to_string(i) + ":" + std::string(20, 'v') + "\r\n";
  expect_error(decode(none, trailers), "InvalidRequest", 400);
}

TEST(ChunkedFraming, TruncatedBodiesFailAtFinish) {
  ChunkSigning none;
  expect_error(decode(none, ""), "IncompleteBody", 400);
  expect_error(decode(none, "5\r\nhello\r\n"), "IncompleteBody", 400);
  expect_error(decode(none, "5\r\nhel"), "IncompleteBody", 400);
  expect_error(decode(none, "5\r\nhello"), "IncompleteBody", 400);
  expect_error(decode(none, "5\r\nhello\r\n0"), "IncompleteBody", 400);
  expect_error(decode(none, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhC"), "IncompleteBody", 400);
  // A signed stream cut before its final chunk.
  std::string body = doc_body();
  expect_error(decode(doc_signing(kSeed), body.substr(0, body.find("0;chunk-signature"))), "IncompleteBody",
               400);

  // A huge announced chunk is not buffered: data streams straight through.
  size_t seen = 0;
  ChunkedDecoder decoder(ChunkSigning{}, [&](std::string_view b) { seen += b.size(); });
  ASSERT_TRUE(decoder.feed("fffffffffff\r\n").ok());
  ASSERT_TRUE(decoder.feed(std::string(100000, 'x')).ok());
  EXPECT_EQ(seen, 100000u);
  EXPECT_EQ(decoder.finish().error().code, "IncompleteBody");
}

}  // namespace
}  // namespace nuage::auth
