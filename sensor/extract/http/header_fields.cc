#include "sensor/extract/http/header_fields.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "sensor/extract/http/http_parser.h"

namespace bw::extract::http {
namespace {

struct FieldSpec {
  std::string_view name;  // lower case
  FieldId id;
  bool list_valued;  // repeated lines are one comma-separated list (RFC 9110 5.3)
};

constexpr FieldSpec kRequestFields[] = {
    {"host", FieldId::kHost, false},
    {"user-agent", FieldId::kUserAgent, false},
    {"referer", FieldId::kReferer, false},
    {"accept", FieldId::kAccept, true},
    {"sec-fetch-dest", FieldId::kSecFetchDest, false},
    {"sec-fetch-mode", FieldId::kSecFetchMode, false},
    {"sec-fetch-site", FieldId::kSecFetchSite, false},
    {"sec-fetch-user", FieldId::kSecFetchUser, false},
};

constexpr FieldSpec kResponseFields[] = {
    {"content-type", FieldId::kContentType, false},
    {"cache-control", FieldId::kCacheControl, true},
    {"pragma", FieldId::kPragma, true},
    {"expires", FieldId::kExpires, false},
    {"location", FieldId::kLocation, false},
};

template <typename Fn>
void with_field(HttpRequest& r, FieldId id, Fn&& fn) {
  switch (id) {
    case FieldId::kHost:
      return fn(r.host);
    case FieldId::kUserAgent:
      return fn(r.user_agent);
    case FieldId::kReferer:
      return fn(r.referer);
    case FieldId::kAccept:
      return fn(r.accept);
    case FieldId::kSecFetchDest:
      return fn(r.sec_fetch_dest);
    case FieldId::kSecFetchMode:
      return fn(r.sec_fetch_mode);
    case FieldId::kSecFetchSite:
      return fn(r.sec_fetch_site);
    case FieldId::kSecFetchUser:
      return fn(r.sec_fetch_user);
    default:
      return;
  }
}

template <typename Fn>
void with_field(HttpResponse& r, FieldId id, Fn&& fn) {
  switch (id) {
    case FieldId::kContentType:
      return fn(r.content_type);
    case FieldId::kCacheControl:
      return fn(r.cache_control);
    case FieldId::kPragma:
      return fn(r.pragma);
    case FieldId::kExpires:
      return fn(r.expires);
    case FieldId::kLocation:
      return fn(r.location);
    default:
      return;
  }
}

template <typename Record, std::size_t N>
FieldId apply_named_field(const FieldSpec (&specs)[N], const HeaderField& field, Record& record,
                          HttpCounters& counters) {
  for (const FieldSpec& spec : specs) {
    if (!iequals(spec.name, field.name)) continue;
    FieldId filled = spec.id;
    with_field(record, spec.id, [&](auto& text) {
      if (text.empty()) {
        text.assign(field.value);
      } else if (spec.list_valued) {
        text.append(", ");
        text.append(field.value);
      } else {
        // A second Host or Location is ambiguous (a smuggling tell): keep the first.
        ++counters.duplicate_header;
        filled = FieldId::kNone;
      }
    });
    return filled;
  }
  return FieldId::kNone;
}

template <typename Record>
void continue_named_field(FieldId id, std::string_view continuation, Record& record) {
  with_field(record, id, [&](auto& text) {
    text.push_back(' ');  // obs-fold is replaced by a single space (RFC 9112 5.2)
    text.append(trim_whitespace(continuation));
  });
}

void apply_content_length(std::string_view value, BodyFields& body, HttpCounters& counters) {
  const std::optional<std::uint64_t> length = parse_content_length(value);
  const bool conflicting = body.content_length_present && length && *length != body.content_length;
  if (!length || conflicting) {
    if (body.content_length_valid) ++counters.content_length_invalid;
    body.content_length_valid = false;
  } else {
    body.content_length = *length;
  }
  body.content_length_present = true;
}

// Framing fields both directions share. Returns whether the field was one of them.
bool apply_framing_field(const HeaderField& field, BodyFields& body, HttpCounters& counters) {
  if (iequals(field.name, "content-length")) {
    apply_content_length(field.value, body, counters);
    return true;
  }
  if (iequals(field.name, "transfer-encoding")) {
    // Repeated lines extend one list, so the last line's last coding is the final one.
    body.transfer_encoding_present = true;
    body.chunked = final_coding_is_chunked(field.value);
    return true;
  }
  return false;
}

}  // namespace

FieldId apply_field(const HeaderField& field, HttpRequest& request, BodyFields& body,
                    HttpCounters& counters) {
  if (apply_framing_field(field, body, counters)) return FieldId::kNone;
  if (iequals(field.name, "cookie")) {
    request.cookie_sent = true;
    return FieldId::kNone;
  }
  return apply_named_field(kRequestFields, field, request, counters);
}

FieldId apply_field(const HeaderField& field, HttpResponse& response, BodyFields& body,
                    HttpCounters& counters) {
  if (apply_framing_field(field, body, counters)) return FieldId::kNone;
  if (iequals(field.name, "set-cookie")) {
    response.set_cookie = true;
    return FieldId::kNone;
  }
  if (iequals(field.name, "content-encoding")) {
    body.content_coded = body.content_coded || has_content_coding(field.value);
    return FieldId::kNone;
  }
  return apply_named_field(kResponseFields, field, response, counters);
}

void continue_field(FieldId id, std::string_view continuation, HttpRequest& request) {
  continue_named_field(id, continuation, request);
}

void continue_field(FieldId id, std::string_view continuation, HttpResponse& response) {
  continue_named_field(id, continuation, response);
}

std::int64_t reported_content_length(const BodyFields& body) {
  if (!body.content_length_present || !body.content_length_valid) return -1;
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(body.content_length, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace bw::extract::http
