// The REST protocols with the real models: rest-json (Lambda) and rest-xml
// (S3). Requests are written as botocore sends them.
#include <gtest/gtest.h>

#include "protocol/protocol_test_util.h"

namespace nuage::protocol {
namespace {

using namespace nuage::protocol::testing;

class RestJsonTest : public ::testing::Test {
 protected:
  const Protocol& rest = protocol_of("rest-json");
  const model::Service& lambda = service("lambda");
};

class RestXmlTest : public ::testing::Test {
 protected:
  const Protocol& rest = protocol_of("rest-xml");
  const model::Service& s3 = service("s3");
  std::string op(const char* method, const char* target, const HeaderList& headers = {}) {
    return identified(rest, s3, make_request(method, target, "", headers));
  }
};

// --- rest-json: Lambda ------------------------------------------------------

TEST_F(RestJsonTest, RoutesByMethodAndPath) {
  auto op = [&](const char* method, const char* target) {
    return identified(rest, lambda, make_request(method, target));
  };
  EXPECT_EQ(op("GET", "/2015-03-31/functions"), "ListFunctions");
  EXPECT_EQ(op("GET", "/2015-03-31/functions/"), "ListFunctions");  // botocore's trailing slash
  EXPECT_EQ(op("POST", "/2015-03-31/functions"), "CreateFunction");
  EXPECT_EQ(op("GET", "/2015-03-31/functions/f"), "GetFunction");
  EXPECT_EQ(op("DELETE", "/2015-03-31/functions/f"), "DeleteFunction");
  EXPECT_EQ(op("GET", "/2015-03-31/functions/f/configuration"), "GetFunctionConfiguration");
  EXPECT_EQ(op("POST", "/2015-03-31/functions/f/invocations"), "Invoke");
  EXPECT_EQ(op("PUT", "/2017-10-31/functions/f/concurrency"), "PutFunctionConcurrency");
  EXPECT_EQ(op("GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af"), "ListTags");
}

TEST_F(RestJsonTest, NoRouteIs404) {
  for (auto [method, target] : {std::pair{"GET", "/2015-03-31/nothing"}, std::pair{"PATCH", "/2015-03-31/functions/f"},
                                std::pair{"GET", "/2015-03-31/functions/f/invocations/extra"},
                                std::pair{"GET", "/"}, std::pair{"POST", "/2015-03-31/functions/%zz/invocations"}}) {
    auto r = rest.identify(lambda, make_request(method, target));
    ASSERT_FALSE(r.ok()) << method << " " << target;
    EXPECT_EQ(r.error().code, "UnknownOperationException");
    EXPECT_EQ(r.error().status, 404);
  }
}

TEST_F(RestJsonTest, InvokeBindsUriQueryHeadersAndBlobPayload) {
  std::string payload("{\"k\":\"\xC3\xA9\"}\x00\xff", 12);
  Value v = parse_ok(rest, lambda,
                     make_request("POST",
                                  "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Amy-fn"
                                  "/invocations?Qualifier=prod",
                                  payload,
                                  {{"X-Amz-Invocation-Type", "Event"},
                                   {"x-amz-log-type", "Tail"},
                                   {"X-Amz-Client-Context", "eyJhIjoxfQ=="},
                                   {"Content-Type", "application/octet-stream"}}));
  EXPECT_EQ(v, (Value{{"FunctionName", "arn:aws:lambda:us-east-1:000000000000:function:my-fn"},
                      {"Qualifier", "prod"},
                      {"InvocationType", "Event"},
                      {"LogType", "Tail"},
                      {"ClientContext", "eyJhIjoxfQ=="},
                      {"Payload", blob(payload)}}));
  // The raw bytes, not base64: a rest-json blob payload is the body itself.
  v = parse_ok(rest, lambda, make_request("POST", "/2015-03-31/functions/f/invocations", ""));
  EXPECT_EQ(v["Payload"], blob(""));
}

TEST_F(RestJsonTest, QueryStringIntegers) {
  Value v = parse_ok(rest, lambda, make_request("GET", "/2015-03-31/functions/?MaxItems=10&Marker=abc%2Fdef&FunctionVersion=ALL"));
  EXPECT_EQ(v, (Value{{"MaxItems", 10}, {"Marker", "abc/def"}, {"FunctionVersion", "ALL"}}));
  EXPECT_TRUE(v["MaxItems"].is_number_integer());
  AwsError e = parse_error(rest, lambda, make_request("GET", "/2015-03-31/functions/?MaxItems=ten"));
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.message.find("MaxItems"), std::string::npos);
}

TEST_F(RestJsonTest, JsonBodyMembers) {
  Value v = parse_ok(rest, lambda,
                     make_request("POST", "/2015-03-31/functions",
                                  R"({"FunctionName":"f","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/r",
                                      "Handler":"app.handler","Code":{"ZipFile":"UEsDBA=="},"Timeout":30,"Publish":true,
                                      "Environment":{"Variables":{"A1":"1","B2":""}},"Architectures":["arm64"]})",
                                  {{"Content-Type", "application/json"}}));
  EXPECT_EQ(v["FunctionName"], "f");
  EXPECT_EQ(v["Code"]["ZipFile"], blob("PK\x03\x04"));  // base64 inside JSON bodies
  EXPECT_EQ(v["Timeout"], 30);
  EXPECT_EQ(v["Publish"], true);
  EXPECT_EQ(v["Environment"]["Variables"], (Value{{"A1", "1"}, {"B2", ""}}));
  EXPECT_EQ(v["Architectures"], (Value{"arm64"}));

  AwsError e = parse_error(rest, lambda,
                           make_request("POST", "/2015-03-31/functions", R"({"FunctionName":"f","Timeout":"30"})"));
  EXPECT_EQ(e.code, "SerializationException");
  e = parse_error(rest, lambda, make_request("POST", "/2015-03-31/functions", "{not json"));
  EXPECT_EQ(e.code, "SerializationException");
  EXPECT_EQ(e.status, 400);
  // Required body members.
  e = parse_error(rest, lambda, make_request("POST", "/2017-03-31/tags/arn", R"({})"));
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_NE(e.message.find("'tags'"), std::string::npos) << e.message;
}

TEST_F(RestJsonTest, SerializesStatusCodeHeadersAndBlobPayload) {
  const model::Operation& invoke = operation(lambda, "Invoke");
  Output out;
  out.value = {{"StatusCode", 202},
               {"FunctionError", "Unhandled"},
               {"ExecutedVersion", "$LATEST"},
               {"LogResult", "bG9n"},
               {"Payload", blob("{\"ok\":true}")}};
  http::Response res = rest.serialize(lambda, invoke, out, "req-1");
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.headers.get("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(res.headers.get("x-amz-executed-version"), "$LATEST");
  EXPECT_EQ(res.headers.get("X-Amz-Log-Result"), "bG9n");
  EXPECT_EQ(res.headers.get("x-amzn-RequestId"), "req-1");
  EXPECT_EQ(res.body, "{\"ok\":true}");
  EXPECT_FALSE(res.headers.get("content-type").empty());

  // Streamed bytes take the place of the payload member.
  Output streamed;
  streamed.value = {{"StatusCode", 200}};
  streamed.stream_bytes = "raw";
  EXPECT_EQ(rest.serialize(lambda, invoke, streamed, "r").body, "raw");
}

TEST_F(RestJsonTest, SerializesJsonBodyAndResponseCode) {
  Output out;
  out.value = {{"FunctionName", "f"}, {"Timeout", 30}, {"CodeSize", 1234}, {"Description", nullptr}};
  http::Response res = rest.serialize(lambda, operation(lambda, "CreateFunction"), out, "r");
  EXPECT_EQ(res.status, 201);  // the operation's responseCode
  EXPECT_EQ(res.headers.get("content-type"), "application/json");
  EXPECT_EQ(Value::parse(res.body), (Value{{"FunctionName", "f"}, {"Timeout", 30}, {"CodeSize", 1234}}));

  // No output shape, 204: no body.
  res = rest.serialize(lambda, operation(lambda, "TagResource"), Output{}, "r");
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.body, "");
}

TEST_F(RestJsonTest, SerializesErrors) {
  AwsError e{"ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f", 404,
             Value{{"Type", "User"}}};
  http::Response res = rest.serialize_error(lambda, e, "req-2");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.headers.get("x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(res.headers.get("x-amzn-RequestId"), "req-2");
  EXPECT_EQ(res.headers.get("content-type"), "application/json");
  Value body = Value::parse(res.body);
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["message"], e.message);
  res = rest.serialize_error(lambda, internal_error("x"), "r");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(Value::parse(res.body)["Type"], "Service");
}

// --- rest-xml: S3 -----------------------------------------------------------

TEST_F(RestXmlTest, GreedyKeyLabelsDecodeEncodedCharacters) {
  Value v = parse_ok(rest, s3, make_request("GET", "/my-bucket/dir/sub%20dir/a%2Bb+c%25d%C3%A9%3F.txt"));
  EXPECT_EQ(v["Bucket"], "my-bucket");
  EXPECT_EQ(v["Key"], "dir/sub dir/a+b+c%d\xC3\xA9?.txt");  // '+' stays '+' in paths
  v = parse_ok(rest, s3, make_request("GET", "/b/%2Fleading"));
  EXPECT_EQ(v["Key"], "/leading");
  v = parse_ok(rest, s3, make_request("GET", "/b/a//b/"));
  EXPECT_EQ(v["Key"], "a//b/");  // empty segments and the trailing slash are part of the key
  v = parse_ok(rest, s3, make_request("GET", "/b/dir%2Fencoded%2Fslashes"));
  EXPECT_EQ(v["Key"], "dir/encoded/slashes");
  v = parse_ok(rest, s3, make_request("GET", "/b/k?versionId=3HL4kqtJ&partNumber=2"));
  EXPECT_EQ(v["VersionId"], "3HL4kqtJ");
  EXPECT_EQ(v["PartNumber"], 2);
}

TEST_F(RestXmlTest, QueryLiteralsTakePrecedence) {
  EXPECT_EQ(op("GET", "/"), "ListBuckets");
  EXPECT_EQ(op("GET", "/b"), "ListObjects");
  EXPECT_EQ(op("GET", "/b/"), "ListObjects");
  EXPECT_EQ(op("GET", "/b?list-type=2"), "ListObjectsV2");
  EXPECT_EQ(op("GET", "/b?prefix=a&list-type=2"), "ListObjectsV2");
  EXPECT_EQ(op("GET", "/b?versioning"), "GetBucketVersioning");
  EXPECT_EQ(op("GET", "/b?versioning="), "GetBucketVersioning");
  EXPECT_EQ(op("PUT", "/b?versioning"), "PutBucketVersioning");
  EXPECT_EQ(op("PUT", "/b"), "CreateBucket");
  EXPECT_EQ(op("DELETE", "/b"), "DeleteBucket");
  EXPECT_EQ(op("HEAD", "/b"), "HeadBucket");
  EXPECT_EQ(op("GET", "/b?location"), "GetBucketLocation");
  EXPECT_EQ(op("GET", "/b?uploads"), "ListMultipartUploads");
  EXPECT_EQ(op("POST", "/b?delete"), "DeleteObjects");
  EXPECT_EQ(op("GET", "/b/k"), "GetObject");
  EXPECT_EQ(op("HEAD", "/b/k"), "HeadObject");
  EXPECT_EQ(op("PUT", "/b/k?tagging"), "PutObjectTagging");
  EXPECT_EQ(op("GET", "/b/k?tagging"), "GetObjectTagging");
  EXPECT_EQ(op("GET", "/b/k?acl"), "GetObjectAcl");
  EXPECT_EQ(op("POST", "/b/k?uploads"), "CreateMultipartUpload");
  // A query literal of another operation in the key's position is just a key.
  EXPECT_EQ(op("GET", "/b/versioning"), "GetObject");
}

// Operations that share method and URI differ by their required query
// parameters and headers (UploadPart is a PUT to the object's URI with
// ?partNumber&uploadId; CopyObject one with x-amz-copy-source).
TEST_F(RestXmlTest, SharedUrisDifferByRequiredQueryAndHeaders) {
  EXPECT_EQ(op("PUT", "/b/k"), "PutObject");
  EXPECT_EQ(op("PUT", "/b/k", {{"x-amz-copy-source", "/src/k"}}), "CopyObject");
  EXPECT_EQ(op("PUT", "/b/k?partNumber=1&uploadId=u"), "UploadPart");
  EXPECT_EQ(op("PUT", "/b/k?partNumber=1&uploadId=u", {{"x-amz-copy-source", "/src/k"}}), "UploadPartCopy");
  EXPECT_EQ(op("GET", "/b/k?uploadId=u"), "ListParts");
  EXPECT_EQ(op("DELETE", "/b/k"), "DeleteObject");
  EXPECT_EQ(op("DELETE", "/b/k?uploadId=u"), "AbortMultipartUpload");
  EXPECT_EQ(op("POST", "/b/k?uploadId=u"), "CompleteMultipartUpload");
  EXPECT_EQ(op("GET", "/b?analytics"), "ListBucketAnalyticsConfigurations");
  EXPECT_EQ(op("GET", "/b?analytics&id=a"), "GetBucketAnalyticsConfiguration");
  // Deprecated operations never shadow their replacements.
  EXPECT_EQ(op("GET", "/b?lifecycle"), "GetBucketLifecycleConfiguration");
  EXPECT_EQ(op("PUT", "/b?lifecycle"), "PutBucketLifecycleConfiguration");
  EXPECT_EQ(op("GET", "/b?notification"), "GetBucketNotificationConfiguration");
  EXPECT_EQ(op("PUT", "/b?notification"), "PutBucketNotificationConfiguration");
}

TEST_F(RestXmlTest, NoRouteIsMethodNotAllowed) {
  auto r = rest.identify(s3, make_request("PATCH", "/b/k"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MethodNotAllowed");
  EXPECT_EQ(r.error().status, 405);
  EXPECT_EQ(r.error().fields["Method"], "PATCH");
}

TEST_F(RestXmlTest, HeadersAndMetadataMap) {
  Value v = parse_ok(rest, s3,
                     make_request("PUT", "/b/photos/cat.jpg", "bytes",
                                  {{"Content-Type", "image/jpeg"},
                                   {"Content-Length", "5"},
                                   {"X-Amz-Meta-Color", "tabby"},
                                   {"x-amz-meta-owner-name", "Ana \xC3\xA9"},
                                   {"x-amz-storage-class", "STANDARD_IA"},
                                   {"x-amz-server-side-encryption-bucket-key-enabled", "true"},
                                   {"x-amz-object-lock-retain-until-date", "2026-11-21T13:17:53Z"},
                                   {"x-amz-tagging", "a=1&b=2"},
                                   {"x-amz-date", "20261121T131753Z"}}));
  EXPECT_EQ(v["Bucket"], "b");
  EXPECT_EQ(v["Key"], "photos/cat.jpg");
  EXPECT_EQ(v["ContentType"], "image/jpeg");
  EXPECT_EQ(v["ContentLength"], 5);
  EXPECT_EQ(v["Metadata"], (Value{{"color", "tabby"}, {"owner-name", "Ana \xC3\xA9"}}));
  EXPECT_EQ(v["StorageClass"], "STANDARD_IA");
  EXPECT_EQ(v["BucketKeyEnabled"], true);
  EXPECT_DOUBLE_EQ(v["ObjectLockRetainUntilDate"].get<double>(), 1795267073);
  EXPECT_EQ(v["Tagging"], "a=1&b=2");
  EXPECT_FALSE(v.contains("Body"));  // streaming payloads stay in the request body

  AwsError e = parse_error(rest, s3, make_request("PUT", "/b/k", "", {{"Content-Length", "five"}}));
  EXPECT_EQ(e.code, "InvalidArgument");
  EXPECT_EQ(e.status, 400);
  // HTTP-date headers.
  v = parse_ok(rest, s3, make_request("GET", "/b/k", "", {{"If-Modified-Since", "Sat, 21 Nov 2026 13:17:53 GMT"}}));
  EXPECT_DOUBLE_EQ(v["IfModifiedSince"].get<double>(), 1795267073);
}

TEST_F(RestXmlTest, XmlPayload) {
  Value v = parse_ok(rest, s3,
                     make_request("PUT", "/b?versioning",
                                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                                  "<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>"));
  EXPECT_EQ(v["VersioningConfiguration"], (Value{{"Status", "Enabled"}, {"MFADelete", "Disabled"}}));

  // Flattened lists (<Object> repeated) and booleans.
  v = parse_ok(rest, s3,
               make_request("POST", "/b?delete",
                            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a</Key></Object>"
                            "<Object><Key>b &amp; c</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>"));
  EXPECT_EQ(v["Delete"], (Value{{"Objects", {{{"Key", "a"}}, {{"Key", "b & c"}, {"VersionId", "v1"}}}},
                                {"Quiet", true}}));
  // Wrapped lists.
  v = parse_ok(rest, s3,
               make_request("PUT", "/b/k?tagging",
                            "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
                            "<Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>"));
  EXPECT_EQ(v["Tagging"]["TagSet"], (Value{{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", ""}}}));
}

TEST_F(RestXmlTest, MalformedXml) {
  for (const char* body : {"<Delete><Object>", "not xml", "<Delete></Wrong>",
                           "<Delete><Object><Key>a</Key></Object><Quiet>maybe</Quiet></Delete>"}) {
    AwsError e = parse_error(rest, s3, make_request("POST", "/b?delete", body));
    EXPECT_EQ(e.code, "MalformedXML") << body;
    EXPECT_EQ(e.status, 400);
  }
}

TEST_F(RestXmlTest, SerializesHeadersAndXmlBody) {
  Output out;
  out.value = {{"ContentLength", 11},
               {"ContentType", "text/plain"},
               {"ETag", "\"abc\""},
               {"LastModified", 1795267073},
               {"Metadata", {{"color", "tabby"}}},
               {"DeleteMarker", false},
               {"VersionId", nullptr}};
  http::Response res = rest.serialize(s3, operation(s3, "HeadObject"), out, "req-1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Length"), "11");
  EXPECT_EQ(res.headers.get("Content-Type"), "text/plain");
  EXPECT_EQ(res.headers.get("ETag"), "\"abc\"");
  EXPECT_EQ(res.headers.get("Last-Modified"), "Sat, 21 Nov 2026 13:17:53 GMT");
  EXPECT_EQ(res.headers.get("x-amz-meta-color"), "tabby");
  EXPECT_EQ(res.headers.get("x-amz-delete-marker"), "false");
  EXPECT_FALSE(res.headers.contains("x-amz-version-id"));
  EXPECT_EQ(res.headers.get("x-amz-request-id"), "req-1");
  EXPECT_FALSE(res.headers.get("x-amz-id-2").empty());
  EXPECT_EQ(res.body, "");

  out.value = {{"Name", "b"},
               {"KeyCount", 2},
               {"MaxKeys", 1000},
               {"IsTruncated", false},
               {"Contents",
                {{{"Key", "a&b"}, {"Size", 5}, {"LastModified", 1795267073.5}, {"ETag", "\"e\""}},
                 {{"Key", "c"}, {"Size", 0}, {"LastModified", 0}}}},
               {"CommonPrefixes", {{{"Prefix", "dir/"}}}}};
  res = rest.serialize(s3, operation(s3, "ListObjectsV2"), out, "r");
  EXPECT_EQ(res.headers.get("content-type"), "application/xml");
  auto doc = parse_xml(res.body);
  auto root = doc.document_element();
  EXPECT_STREQ(root.attribute("xmlns").value(), "http://s3.amazonaws.com/doc/2006-03-01/");
  EXPECT_STREQ(root.child("Name").child_value(), "b");
  EXPECT_STREQ(root.child("IsTruncated").child_value(), "false");
  EXPECT_STREQ(root.child("KeyCount").child_value(), "2");
  // Flattened: <Contents> repeated directly under the root.
  auto contents = root.children("Contents");
  ASSERT_EQ(std::distance(contents.begin(), contents.end()), 2);
  EXPECT_STREQ(root.child("Contents").child("Key").child_value(), "a&b");
  EXPECT_STREQ(root.child("Contents").child("LastModified").child_value(), "2026-11-21T13:17:53.500Z");
  EXPECT_STREQ(root.child("Contents").next_sibling("Contents").child("LastModified").child_value(),
               "1970-01-01T00:00:00Z");
  EXPECT_STREQ(root.child("CommonPrefixes").child("Prefix").child_value(), "dir/");
}

TEST_F(RestXmlTest, SerializesWrappedListsAndEmptyAnswers) {
  Output out;
  out.value = {{"Buckets", {{{"Name", "a"}, {"CreationDate", 0}}, {{"Name", "b"}, {"CreationDate", 0}}}},
               {"Owner", {{"ID", "id"}, {"DisplayName", "me"}}}};
  auto doc = parse_xml(rest.serialize(s3, operation(s3, "ListBuckets"), out, "r").body);
  EXPECT_EQ(xpath_text(doc, "/*/Buckets/Bucket[2]/Name"), "b");
  EXPECT_EQ(xpath_text(doc, "/*/Owner/ID"), "id");

  http::Response res = rest.serialize(s3, operation(s3, "DeleteObject"), Output{}, "r");
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.body, "");
  res = rest.serialize(s3, operation(s3, "PutBucketVersioning"), Output{}, "r");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "");

  // A streamed object body.
  Output get;
  get.value = {{"ContentLength", 3}};
  get.stream_bytes = "abc";
  res = rest.serialize(s3, operation(s3, "GetObject"), get, "r");
  EXPECT_EQ(res.body, "abc");
  EXPECT_EQ(res.headers.get("Content-Length"), "3");
}

TEST_F(RestXmlTest, SerializesErrorDocument) {
  AwsError e{"NoSuchKey", "The specified key does not exist.", 404, Value{{"Key", "a/b"}}};
  http::Response res = rest.serialize_error(s3, e, "req-2");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.headers.get("content-type"), "application/xml");
  EXPECT_EQ(res.headers.get("x-amz-request-id"), "req-2");
  auto doc = parse_xml(res.body);
  EXPECT_EQ(xpath_text(doc, "/Error/Code"), "NoSuchKey");
  EXPECT_EQ(xpath_text(doc, "/Error/Message"), "The specified key does not exist.");
  EXPECT_EQ(xpath_text(doc, "/Error/Key"), "a/b");
  EXPECT_EQ(xpath_text(doc, "/Error/RequestId"), "req-2");
}

}  // namespace
}  // namespace nuage::protocol
