#include "sensor/export/json/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <array>
#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sensor/common/utf8.h"

namespace bw::exporter::json {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Code points above ASCII that protobuf writes as \u escapes: C1 controls and the invisible
// format characters (soft hyphen, bidi and zero-width marks, BOM, interlinear annotation, musical
// and language tags). Taken from libprotobuf 3.21's output over every code point; the test
// `EveryEscapedCodePointMatchesProtobuf` checks the table against the library in use.
struct CodePointRange {
  std::uint32_t first;
  std::uint32_t last;
};
constexpr std::array<CodePointRange, 15> kEscapedRanges = {{
    {0x80, 0x9f},
    {0xad, 0xad},
    {0x600, 0x603},
    {0x6dd, 0x6dd},
    {0x70f, 0x70f},
    {0x17b4, 0x17b5},
    {0x200b, 0x200f},
    {0x2028, 0x202e},
    {0x2060, 0x2064},
    {0x206a, 0x206f},
    {0xfeff, 0xfeff},
    {0xfff9, 0xfffb},
    {0x1d173, 0x1d17a},
    {0xe0001, 0xe0001},
    {0xe0020, 0xe007f},
}};

bool escaped_above_ascii(std::uint32_t code_point) {
  for (const CodePointRange& range : kEscapedRanges) {
    if (code_point < range.first) return false;
    if (code_point <= range.last) return true;
  }
  return false;
}

// ASCII bytes copied as they are; everything else takes the slow path.
constexpr std::array<bool, 128> kPlainAscii = [] {
  std::array<bool, 128> plain{};
  for (int c = 0x20; c < 0x7f; ++c)
    plain[c] = true;
  for (const char c : {'"', '\\', '<', '>'})
    plain[static_cast<unsigned char>(c)] = false;
  return plain;
}();

void append_u_escape(std::uint32_t unit, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char text[6] = {'\\',
                        'u',
                        kHex[(unit >> 12) & 0xf],
                        kHex[(unit >> 8) & 0xf],
                        kHex[(unit >> 4) & 0xf],
                        kHex[unit & 0xf]};
  out.append(text, sizeof text);
}

bool append_string(const std::string& s, std::string& out) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      std::size_t run = i;
      while (run < s.size() && static_cast<unsigned char>(s[run]) < 0x80 &&
             kPlainAscii[static_cast<unsigned char>(s[run])]) {
        ++run;
      }
      out.append(s, i, run - i);
      if (run > i) {
        i = run;
        continue;
      }
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          append_u_escape(c, out);  // other controls, '<', '>', DEL
          break;
      }
      ++i;
      continue;
    }
    std::uint32_t code_point = 0;
    const std::size_t length = utf8_decode(s, i, code_point);
    if (length == 0) return false;  // proto3 strings are UTF-8; anything else is not ours to print
    if (!escaped_above_ascii(code_point)) {
      out.append(s, i, length);
    } else if (code_point <= 0xffff) {
      append_u_escape(code_point, out);
    } else {
      const std::uint32_t offset = code_point - 0x10000;
      append_u_escape(0xd800 + (offset >> 10), out);
      append_u_escape(0xdc00 + (offset & 0x3ff), out);
    }
    i += length;
  }
  out.push_back('"');
  return true;
}

void append_bytes(const std::string& bytes, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  std::size_t i = 0;
  const auto at = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    const char quad[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                          kAlphabet[v & 63]};
    out.append(quad, 4);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest != 0) {
    const std::uint32_t v = (at(i) << 16) | (rest == 2 ? at(i + 1) << 8 : 0u);
    const char quad[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63],
                          rest == 2 ? kAlphabet[(v >> 6) & 63] : '=', '='};
    out.append(quad, 4);
  }
  out.push_back('"');
}

template <typename Integer>
void append_integer(Integer value, bool quoted, std::string& out) {
  char text[24];
  const auto result = std::to_chars(text, text + sizeof text, value);
  if (quoted) out.push_back('"');
  out.append(text, result.ptr);
  if (quoted) out.push_back('"');
}

// Shortest of the two precisions protobuf tries that reads back as the same value; NaN and
// infinities as the quoted names the JSON mapping gives them.
template <typename Real>
void append_real(Real value, std::string& out) {
  if (std::isnan(value)) {
    out.append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  constexpr bool kFloat = sizeof(Real) == sizeof(float);
  constexpr int kShort = kFloat ? FLT_DIG : DBL_DIG;
  constexpr int kLong = kFloat ? FLT_DIG + 3 : DBL_DIG + 2;
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", kShort, static_cast<double>(value));
  bool reads_back = false;
  if constexpr (kFloat) {
    // protobuf reads floats back with a range check: a subnormal counts as not reading back.
    errno = 0;
    const float read = std::strtof(text, nullptr);
    reads_back = errno != ERANGE && read == value;
  } else {
    reads_back = std::strtod(text, nullptr) == value;
  }
  if (!reads_back) std::snprintf(text, sizeof text, "%.*g", kLong, static_cast<double>(value));
  out.append(text);
}

bool append_message(const Message& message, std::string& out, std::size_t depth);

bool append_value(const Message& message, const Reflection& reflection,
                  const FieldDescriptor& field, int index, std::string& out, std::size_t depth) {
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      append_integer(repeated ? reflection.GetRepeatedInt32(message, &field, index)
                              : reflection.GetInt32(message, &field),
                     false, out);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      append_integer(repeated ? reflection.GetRepeatedUInt32(message, &field, index)
                              : reflection.GetUInt32(message, &field),
                     false, out);
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      append_integer(repeated ? reflection.GetRepeatedInt64(message, &field, index)
                              : reflection.GetInt64(message, &field),
                     true, out);
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      append_integer(repeated ? reflection.GetRepeatedUInt64(message, &field, index)
                              : reflection.GetUInt64(message, &field),
                     true, out);
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      append_real(repeated ? reflection.GetRepeatedFloat(message, &field, index)
                           : reflection.GetFloat(message, &field),
                  out);
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      append_real(repeated ? reflection.GetRepeatedDouble(message, &field, index)
                           : reflection.GetDouble(message, &field),
                  out);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out.append((repeated ? reflection.GetRepeatedBool(message, &field, index)
                           : reflection.GetBool(message, &field))
                     ? "true"
                     : "false");
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated ? reflection.GetRepeatedEnumValue(message, &field, index)
                                  : reflection.GetEnumValue(message, &field);
      const auto* value = field.enum_type()->FindValueByNumber(number);
      if (value == nullptr) {
        append_integer(number, false, out);  // an open enum's unknown value
      } else {
        out.push_back('"');
        out.append(value->name());
        out.push_back('"');
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;  // filled only for string representations held elsewhere (cords)
      const std::string& text =
          repeated ? reflection.GetRepeatedStringReference(message, &field, index, &scratch)
                   : reflection.GetStringReference(message, &field, &scratch);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        append_bytes(text, out);
        return true;
      }
      return append_string(text, out);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return append_message(repeated ? reflection.GetRepeatedMessage(message, &field, index)
                                     : reflection.GetMessage(message, &field),
                            out, depth + 1);
  }
  return false;
}

bool append_message(const Message& message, std::string& out, std::size_t depth) {
  const Descriptor* descriptor = message.GetDescriptor();
  if (descriptor->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return false;
  const Reflection& reflection = *message.GetReflection();
  // One field list per nesting level, kept across calls: no allocation once warm.
  thread_local std::vector<std::vector<const FieldDescriptor*>> lists;
  if (lists.size() <= depth) lists.resize(depth + 1);
  std::vector<const FieldDescriptor*>& fields = lists[depth];
  fields.clear();
  reflection.ListFields(message, &fields);  // set fields, by field number: the wire order
  out.push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (field->is_map()) return false;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(field->name());
    out.append("\":");
    if (field->is_repeated()) {
      out.push_back('[');
      const int count = reflection.FieldSize(message, field);
      for (int i = 0; i < count; ++i) {
        if (i != 0) out.push_back(',');
        if (!append_value(message, reflection, *field, i, out, depth)) return false;
      }
      out.push_back(']');
    } else if (!append_value(message, reflection, *field, -1, out, depth)) {
      return false;
    }
  }
  out.push_back('}');
  return true;
}

}  // namespace

bool append_proto_json(const Message& message, std::string& out) {
  return append_message(message, out, 0);
}

bool message_to_json(const Message& message, std::string& out) {
  out.clear();
  if (append_proto_json(message, out)) return true;
  out.clear();
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  return google::protobuf::util::MessageToJsonString(message, &out, options).ok();
}

}  // namespace bw::exporter::json
