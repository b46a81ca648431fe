#include "protocol/protocol.h"

namespace nuage::protocol {

const Protocol& query_protocol();
const Protocol& ec2_protocol();
const Protocol& json_protocol();
const Protocol& rest_json_protocol();
const Protocol& rest_xml_protocol();
const Protocol& cbor_protocol();

const Protocol* find_protocol(std::string_view name) {
  if (name == "query") return &query_protocol();
  if (name == "ec2") return &ec2_protocol();
  if (name == "json") return &json_protocol();
  if (name == "rest-json") return &rest_json_protocol();
  if (name == "rest-xml") return &rest_xml_protocol();
  if (name == "smithy-rpc-v2-cbor") return &cbor_protocol();
  return nullptr;
}

}  // namespace nuage::protocol
