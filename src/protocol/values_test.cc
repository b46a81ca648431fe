// The conversions shared by the protocols (values.h) and the XML and JSON
// codecs, on shapes of the real models.
#include "protocol/values.h"

#include <gtest/gtest.h>

#include <cmath>

#include "protocol/json_codec.h"
#include "protocol/protocol_test_util.h"
#include "protocol/xml_codec.h"

namespace nuage::protocol {
namespace {

using namespace nuage::protocol::testing;

model::Shape scalar(model::Type type, std::string timestamp_format = "") {
  model::Shape s;
  s.type = type;
  s.timestamp_format = std::move(timestamp_format);
  return s;
}

Value from_text(model::Type type, std::string_view text) {
  auto v = scalar_from_text(scalar(type), text, "Field", "Bad");
  EXPECT_TRUE(v.ok()) << text;
  return v ? *v : Value();
}

bool rejected(model::Type type, std::string_view text) {
  auto v = scalar_from_text(scalar(type), text, "Field", "Bad");
  if (v) return false;
  EXPECT_EQ(v.error().code, "Bad");
  EXPECT_EQ(v.error().status, 400);
  EXPECT_NE(v.error().message.find("Field"), std::string::npos);
  return true;
}

TEST(Values, ScalarsFromText) {
  using model::Type;
  EXPECT_EQ(from_text(Type::kString, " keep spaces "), " keep spaces ");
  EXPECT_EQ(from_text(Type::kBoolean, "true"), true);
  EXPECT_EQ(from_text(Type::kBoolean, "False"), false);
  EXPECT_EQ(from_text(Type::kInteger, "-42"), -42);
  EXPECT_EQ(from_text(Type::kInteger, "2147483647"), 2147483647);
  EXPECT_EQ(from_text(Type::kLong, "9007199254740993"), int64_t{9007199254740993});
  EXPECT_EQ(from_text(Type::kDouble, "1.5e3"), 1500.0);
  EXPECT_EQ(from_text(Type::kFloat, "-0.25"), -0.25);
  EXPECT_EQ(from_text(Type::kTimestamp, "2026-11-21T13:17:53Z"), 1795267073.0);
  EXPECT_EQ(from_text(Type::kTimestamp, "Sat, 21 Nov 2026 13:17:53 GMT"), 1795267073.0);
  EXPECT_EQ(from_text(Type::kTimestamp, "1795267073"), 1795267073.0);
  EXPECT_EQ(from_text(Type::kBlob, "aGk="), blob("hi"));
}

TEST(Values, BadScalarsFromText) {
  using model::Type;
  EXPECT_TRUE(rejected(Type::kBoolean, "yes"));
  EXPECT_TRUE(rejected(Type::kBoolean, ""));
  EXPECT_TRUE(rejected(Type::kInteger, ""));
  EXPECT_TRUE(rejected(Type::kInteger, "12abc"));
  EXPECT_TRUE(rejected(Type::kInteger, "1.0"));
  EXPECT_TRUE(rejected(Type::kInteger, "2147483648"));
  EXPECT_TRUE(rejected(Type::kInteger, "-2147483649"));
  EXPECT_TRUE(rejected(Type::kLong, "99999999999999999999"));
  EXPECT_TRUE(rejected(Type::kDouble, ""));
  EXPECT_TRUE(rejected(Type::kDouble, "1.5x"));
  EXPECT_TRUE(rejected(Type::kTimestamp, "tomorrow"));
  EXPECT_TRUE(rejected(Type::kBlob, "***"));
}

TEST(Values, ScalarsToText) {
  using model::Type;
  EXPECT_EQ(scalar_to_text(scalar(Type::kBoolean), true, "iso8601"), "true");
  EXPECT_EQ(scalar_to_text(scalar(Type::kBoolean), false, "iso8601"), "false");
  EXPECT_EQ(scalar_to_text(scalar(Type::kInteger), 42, "iso8601"), "42");
  EXPECT_EQ(scalar_to_text(scalar(Type::kString), "s&<", "iso8601"), "s&<");
  EXPECT_EQ(scalar_to_text(scalar(Type::kString), nullptr, "iso8601"), "");
  EXPECT_EQ(scalar_to_text(scalar(Type::kDouble), 1.5, "iso8601"), "1.5");
  EXPECT_EQ(scalar_to_text(scalar(Type::kDouble), std::nan(""), "iso8601"), "NaN");
  EXPECT_EQ(scalar_to_text(scalar(Type::kDouble), -HUGE_VAL, "iso8601"), "-Infinity");
  EXPECT_EQ(scalar_to_text(scalar(Type::kBlob), blob("hi"), "iso8601"), "aGk=");
  EXPECT_EQ(scalar_to_text(scalar(Type::kBlob), "hi", "iso8601"), "aGk=");  // a string of bytes
  // Timestamps: the location's default format unless the shape names one.
  model::Shape ts = scalar(Type::kTimestamp);
  EXPECT_EQ(scalar_to_text(ts, 1795267073, "iso8601"), "2026-11-21T13:17:53Z");
  EXPECT_EQ(scalar_to_text(ts, 1795267073.25, "iso8601"), "2026-11-21T13:17:53.250Z");
  EXPECT_EQ(scalar_to_text(ts, 1795267073, "rfc822"), "Sat, 21 Nov 2026 13:17:53 GMT");
  EXPECT_EQ(scalar_to_text(ts, 1795267073, "unixTimestamp"), "1795267073");
  EXPECT_EQ(scalar_to_text(ts, 1795267073.5, "unixTimestamp"), "1795267073.500");
  EXPECT_EQ(scalar_to_text(ts, "2026-11-21T13:17:53Z", "rfc822"), "Sat, 21 Nov 2026 13:17:53 GMT");
  EXPECT_EQ(scalar_to_text(scalar(Type::kTimestamp, "unixTimestamp"), 1795267073, "iso8601"), "1795267073");
  EXPECT_EQ(scalar_to_text(scalar(Type::kTimestamp, "rfc822"), 0, "iso8601"), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(Values, TimestampsAndBlobs) {
  EXPECT_EQ(timestamp_seconds(Value(12.5)), 12.5);
  EXPECT_EQ(timestamp_seconds(Value("1970-01-01T00:00:10Z")), 10.0);
  EXPECT_FALSE(timestamp_seconds(Value("soon")));
  EXPECT_FALSE(timestamp_seconds(Value(true)));
  EXPECT_FALSE(timestamp_seconds(Value()));
  std::string bytes("\x00\x01\xff", 3);
  EXPECT_EQ(blob_bytes(make_blob(bytes)), bytes);
  EXPECT_EQ(blob_bytes(Value(bytes)), bytes);
  EXPECT_EQ(blob_bytes(Value(5)), "");
  EXPECT_TRUE(make_blob("").is_binary());
}

TEST(Values, WireNamesAndFlattening) {
  const model::Service& s3 = service("s3");
  const model::Shape* list_out = s3.find_shape("ListObjectsV2Output");
  ASSERT_NE(list_out, nullptr);
  const model::Member* contents = list_out->find_member("Contents");
  EXPECT_EQ(wire_name(*contents), "Contents");
  EXPECT_TRUE(is_flattened(*contents));  // the shape is flattened
  const model::Member* delete_objects = s3.find_shape("Delete")->find_member("Objects");
  EXPECT_EQ(wire_name(*delete_objects), "Object");  // the reference's locationName
  const model::Shape* buckets = s3.find_shape("ListBucketsOutput");
  EXPECT_FALSE(is_flattened(*buckets->find_member("Buckets")));
}

// --- XML codec --------------------------------------------------------------

TEST(XmlCodec, AttributesAndNamespaces) {
  // S3 ACL grantees carry xsi:type, an attribute in the XMLSchema-instance namespace.
  const model::Service& s3 = service("s3");
  const model::Shape& acl = *s3.find_operation("GetObjectAcl")->output.shape;
  Value v = {{"Owner", {{"ID", "o"}}},
             {"Grants", {{{"Grantee", {{"Type", "CanonicalUser"}, {"ID", "o"}}}, {"Permission", "FULL_CONTROL"}}}}};
  xml::Writer out;
  out.open("AccessControlPolicy");
  xml::write_members(out, acl, v);
  std::string text = out.finish();
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(text.c_str())) << text;
  pugi::xml_node root = doc.document_element();
  pugi::xml_node grantee = doc.select_node("/AccessControlPolicy/AccessControlList/Grant/Grantee").node();
  ASSERT_TRUE(grantee) << text;
  EXPECT_STREQ(grantee.attribute("xsi:type").value(), "CanonicalUser");
  // The prefix must be declared, or namespace-aware parsers (botocore's
  // ElementTree) reject the whole document with "unbound prefix".
  EXPECT_STREQ(grantee.attribute("xmlns:xsi").value(), "http://www.w3.org/2001/XMLSchema-instance") << text;

  // And read back.
  auto back = xml::read(root, acl, "MalformedXML");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["Grants"][0]["Grantee"]["Type"], "CanonicalUser");
  EXPECT_EQ((*back)["Grants"][0]["Permission"], "FULL_CONTROL");
  EXPECT_EQ((*back)["Owner"]["ID"], "o");
}

TEST(XmlCodec, ReadIgnoresNamespacePrefixesAndUnknownElements) {
  const model::Service& s3 = service("s3");
  const model::Shape& cfg = *s3.find_shape("VersioningConfiguration");
  pugi::xml_document doc;
  std::string body =
      "<s3:VersioningConfiguration xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<s3:Status>Suspended</s3:Status><Unknown>x</Unknown></s3:VersioningConfiguration>";
  ASSERT_TRUE(doc.load_string(body.c_str()));
  auto v = xml::read(doc.document_element(), cfg, "MalformedXML");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (Value{{"Status", "Suspended"}}));
}

TEST(XmlCodec, EscapesText) {
  const model::Service& iam = service("iam");
  const model::Shape& role = *iam.find_shape("Role");
  xml::Writer out;
  out.open("Role");
  xml::write_members(out, role, Value{{"Description", "a<b>&\"c\"]]>\r\n"}});
  std::string text = out.finish();
  EXPECT_EQ(text.find("<b>"), std::string::npos);
  auto again = parse_xml(text);
  // A CR survives the reader's end-of-line normalization as a reference.
  EXPECT_EQ(xpath_text(again, "/Role/Description"), "a<b>&\"c\"]]>\r\n");
}

// --- JSON codec -------------------------------------------------------------

TEST(JsonCodec, RoundTripWithLocationNames) {
  // Lambda's JSON members use their member names; DynamoDB's attribute values
  // hold blobs and nested maps.
  const model::Service& ddb = service("dynamodb");
  const model::Shape& put = *ddb.find_operation("PutItem")->input.shape;
  Value wire = {{"TableName", "t"},
                {"Item",
                 {{"pk", {{"S", "a"}}},
                  {"bin", {{"B", "AP8="}}},
                  {"set", {{"BS", {"AQ==", "Ag=="}}}},
                  {"nested", {{"M", {{"n", {{"N", "1.50"}}}}}}},
                  {"flag", {{"BOOL", true}}},
                  {"nothing", {{"NULL", true}}}}}};
  auto value = json::from_wire(wire, put, "SerializationException");
  ASSERT_TRUE(value.ok()) << value.error().message;
  EXPECT_EQ((*value)["Item"]["bin"]["B"], blob(std::string("\x00\xff", 2)));
  EXPECT_EQ((*value)["Item"]["set"]["BS"][1], blob("\x02"));
  EXPECT_EQ((*value)["Item"]["nested"]["M"]["n"]["N"], "1.50");  // numbers travel as strings
  EXPECT_EQ(json::to_wire(*value, put), wire);
}

TEST(JsonCodec, TypeErrorsNameThePath) {
  const model::Service& ddb = service("dynamodb");
  const model::Shape& put = *ddb.find_operation("PutItem")->input.shape;
  auto v = json::from_wire(Value{{"TableName", "t"}, {"Item", {{"pk", {{"BOOL", "yes"}}}}}}, put, "SerializationException");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "SerializationException");
  EXPECT_NE(v.error().message.find("Item.pk.BOOL"), std::string::npos) << v.error().message;
  v = json::from_wire(Value{{"TableName", "t"}, {"Item", {{"pk", {{"B", "%%%"}}}}}}, put, "SerializationException");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("Item.pk.B"), std::string::npos) << v.error().message;
}

TEST(JsonCodec, SpecialFloatsAndTimestampFormats) {
  const model::Service& cw = service("cloudwatch");
  const model::Shape& datum = *cw.find_shape("MetricDatum");
  auto v = json::from_wire(Value{{"MetricName", "m"}, {"Value", "NaN"}, {"Values", {"Infinity", "-Infinity", 2}}},
                           datum, "SerializationException");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(std::isnan((*v)["Value"].get<double>()));
  EXPECT_TRUE(std::isinf((*v)["Values"][0].get<double>()));
  EXPECT_FALSE(json::from_wire(Value{{"Value", "1.5"}}, datum, "X").ok());  // other strings are not numbers

  model::Shape iso = scalar(model::Type::kTimestamp, "iso8601");
  EXPECT_EQ(json::to_wire(1795267073, iso), "2026-11-21T13:17:53Z");
  model::Shape plain = scalar(model::Type::kTimestamp);
  EXPECT_EQ(json::to_wire(1795267073, plain), 1795267073.0);
}

}  // namespace
}  // namespace nuage::protocol
