// protobuf's canonical JSON mapping, printed straight from a message.
//
// The text is byte for byte what google::protobuf::util::MessageToJsonString prints with
// preserve_proto_field_names and no whitespace: fields in field-number order, defaults left out,
// 64-bit integers quoted, enums by name, floats in the shortest form that reads back exactly,
// and strings escaped as protobuf escapes them (control and invisible format characters as
// \uXXXX). Tests hold it to that on every event kind, on every escaped code point and in a fuzz
// target. protobuf's own printer serialises the message to binary and converts that through a
// type resolver, about 7x the cost of the binary encoding; this walks the message once.
//
// Covers what event.proto uses: scalars, strings, enums, nested and repeated messages and bytes.
// Maps and well-known types (Timestamp, Any, wrappers) have JSON forms of their own and are
// refused (false), so a schema change that adds one fails the tests rather than printing
// something protobuf would not.
#pragma once

#include <string>

namespace google::protobuf {
class Message;
}

namespace bw::exporter::json {

// Appends `message` as one JSON object to `out`; false (with `out` unspecified) for a message
// using a map or a well-known type.
bool append_proto_json(const google::protobuf::Message& message, std::string& out);

// Replaces `out` with the JSON of `message`: the direct printer, or protobuf's own for what the
// direct one leaves to it. False only if protobuf's printer fails too.
bool message_to_json(const google::protobuf::Message& message, std::string& out);

}  // namespace bw::exporter::json
