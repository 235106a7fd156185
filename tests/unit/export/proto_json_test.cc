// The direct JSON printer against protobuf's own (the reference): the same bytes for every event
// shape, every escaped code point and every awkward number.
#include "sensor/export/json/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/export/event_encoder.h"

namespace bw::exporter::json {
namespace {

namespace pb = beaconwatch::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string reference_json(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &out, options).ok());
  return out;
}

std::string direct_json(const Message& message) {
  std::string out;
  EXPECT_TRUE(append_proto_json(message, out));
  return out;
}

std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

TEST(ProtoJson, EveryEscapedCodePointMatchesProtobuf) {
  // 512 consecutive code points per string, over all of Unicode but the surrogates.
  pb::Event event;
  for (std::uint32_t first = 0; first <= 0x10ffff; first += 512) {
    std::string text;
    for (std::uint32_t cp = first; cp < first + 512 && cp <= 0x10ffff; ++cp) {
      if (cp < 0xd800 || cp > 0xdfff) text += utf8(cp);
    }
    event.set_sensor_id(text);
    ASSERT_EQ(direct_json(event), reference_json(event)) << "block at U+" << std::hex << first;
  }
}

TEST(ProtoJson, AwkwardNumbersMatchProtobuf) {
  pb::Event event;
  event.set_sequence(std::numeric_limits<std::uint64_t>::max());
  event.set_timestamp_ns(std::numeric_limits<std::int64_t>::min() + 1);
  auto* beacon = event.mutable_beacon();
  for (const float value :
       {0.1f, 4.5f, 1e-7f, 3.4028235e38f, 1.0f / 3, -0.0f, 1e6f, 1e21f, 2.5e-3f, 123456789.f,
        std::numeric_limits<float>::denorm_min(), 3e-40f, std::numeric_limits<float>::min(),
        std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
        -std::numeric_limits<float>::infinity()}) {
    beacon->set_score(value);
    beacon->set_threshold(-value);
    EXPECT_EQ(direct_json(event), reference_json(event)) << value;
  }
  pb::Event health;
  for (const double value :
       {0.1, 1.0 / 3, 1e-300, 1e300, -0.0, 123456789012.5, 1e16,
        std::numeric_limits<double>::denorm_min(), 2.5e-310, std::numeric_limits<double>::max(),
        std::numeric_limits<double>::quiet_NaN()}) {
    health.mutable_health()->set_uptime_s(value);
    EXPECT_EQ(direct_json(health), reference_json(health)) << value;
  }
}

// Fills every field of `message` (one member per oneof, chosen by the generator) with values
// picked to be awkward: extremes, zeros (left out when not in a oneof), unknown enum numbers,
// strings with quotes, controls and escaped code points, empty nested messages.
void fill(Message& message, std::mt19937& random, int depth) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  const std::vector<std::string> texts = {
      "",      "plain",  "quote\" back\\slash", "<tag>&amp;", "tab\tnew\nline\r\x01\x1f\x7f",
      "héllo", "\u2028", "\xef\xbb\xbf bom",    "😀 astral",   "\u00ad\u200b\ufeff"};
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (const auto* oneof = field->containing_oneof()) {
      const int chosen = static_cast<int>(pick(static_cast<std::size_t>(oneof->field_count())));
      if (oneof->field(chosen) != field) continue;
    }
    const int count = field->is_repeated() ? static_cast<int>(pick(4)) : 1;
    for (int k = 0; k < count; ++k) {
      const bool repeated = field->is_repeated();
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32: {
          const std::int32_t v[] = {0, -1, std::numeric_limits<std::int32_t>::min(), 443};
          const auto value = v[pick(4)];
          repeated ? reflection->AddInt32(&message, field, value)
                   : reflection->SetInt32(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT32: {
          const std::uint32_t v[] = {0, 1, std::numeric_limits<std::uint32_t>::max(), 65535};
          const auto value = v[pick(4)];
          repeated ? reflection->AddUInt32(&message, field, value)
                   : reflection->SetUInt32(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT64: {
          const std::int64_t v[] = {0, -1, std::numeric_limits<std::int64_t>::min(),
                                    1741681814746727000};
          const auto value = v[pick(4)];
          repeated ? reflection->AddInt64(&message, field, value)
                   : reflection->SetInt64(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT64: {
          const std::uint64_t v[] = {0, 1, std::numeric_limits<std::uint64_t>::max(), 40};
          const auto value = v[pick(4)];
          repeated ? reflection->AddUInt64(&message, field, value)
                   : reflection->SetUInt64(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_FLOAT: {
          const float v[] = {0.0f, -0.0f, 2.5f, 1.0f / 3, std::numeric_limits<float>::infinity()};
          const auto value = v[pick(5)];
          repeated ? reflection->AddFloat(&message, field, value)
                   : reflection->SetFloat(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_DOUBLE: {
          const double v[] = {0.0, 12345.678, 1.0 / 3, -1e-9};
          const auto value = v[pick(4)];
          repeated ? reflection->AddDouble(&message, field, value)
                   : reflection->SetDouble(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL: {
          const bool value = pick(2) == 1;
          repeated ? reflection->AddBool(&message, field, value)
                   : reflection->SetBool(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* type = field->enum_type();
          // Mostly a declared value; sometimes a number the schema does not know.
          const int value =
              pick(5) == 0 ? 77
                           : type->value(static_cast<int>(
                                             pick(static_cast<std::size_t>(type->value_count()))))
                                 ->number();
          repeated ? reflection->AddEnumValue(&message, field, value)
                   : reflection->SetEnumValue(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string& value = texts[pick(texts.size())];
          repeated ? reflection->AddString(&message, field, value)
                   : reflection->SetString(&message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          Message* child = repeated ? reflection->AddMessage(&message, field)
                                    : reflection->MutableMessage(&message, field);
          if (depth < 5 && pick(4) != 0) fill(*child, random, depth + 1);
          break;
        }
      }
    }
  }
}

TEST(ProtoJson, EveryEventShapeMatchesProtobuf) {
  std::mt19937 random(2021);
  for (int round = 0; round < 3000; ++round) {
    pb::Event event;
    fill(event, random, 0);
    ASSERT_EQ(direct_json(event), reference_json(event)) << "round " << round;
  }
}

TEST(ProtoJson, TextThatIsNotUtf8IsLeftToProtobuf) {
  pb::Event event;
  event.set_sensor_id(std::string("bad \xff byte"));
  std::string out;
  EXPECT_FALSE(append_proto_json(event, out));
  // The event writer then prints it through protobuf, so a line still comes out.
  std::string line;
  EXPECT_EQ(event_to_json_line(event, line),
            google::protobuf::util::MessageToJsonString(event, &out, {}).ok());
}

}  // namespace
}  // namespace bw::exporter::json
