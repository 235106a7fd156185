// Maps HTTP header fields onto the request and response records, and collects the fields that
// decide how the body is framed.
#pragma once

#include <cstdint>
#include <string_view>

#include "sensor/extract/http/http_syntax.h"
#include "sensor/extract/records.h"

namespace bw::extract::http {

struct HttpCounters;

// Record fields a header can fill; an obs-fold continuation line extends the last one filled.
enum class FieldId : std::uint8_t {
  kNone,
  kHost,
  kUserAgent,
  kReferer,
  kAccept,
  kSecFetchDest,
  kSecFetchMode,
  kSecFetchSite,
  kSecFetchUser,
  kContentType,
  kCacheControl,
  kPragma,
  kExpires,
  kLocation,
};

// What a header block says about the body that follows it.
struct BodyFields {
  bool content_length_present = false;
  bool content_length_valid = true;
  std::uint64_t content_length = 0;
  bool transfer_encoding_present = false;
  bool chunked = false;        // the final transfer coding is chunked
  bool content_coded = false;  // Content-Encoding other than identity: the body is not the image
};

// Each returns the record field the header filled (kNone for framing headers, unknown headers
// and ignored duplicates).
FieldId apply_field(const HeaderField& field, HttpRequest& request, BodyFields& body,
                    HttpCounters& counters);
FieldId apply_field(const HeaderField& field, HttpResponse& response, BodyFields& body,
                    HttpCounters& counters);
void continue_field(FieldId id, std::string_view continuation, HttpRequest& request);
void continue_field(FieldId id, std::string_view continuation, HttpResponse& response);

// The Content-Length a record reports: -1 when absent or unusable.
std::int64_t reported_content_length(const BodyFields& body);

}  // namespace bw::extract::http
