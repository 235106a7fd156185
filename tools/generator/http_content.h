// HTTP/1.1 messages as mail clients, browsers and servers write them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sensor/common/time.h"
#include "tools/generator/byte_writer.h"
#include "tools/generator/rng.h"

namespace bw::gen {

enum class MailClient : std::uint8_t { kOutlook, kAppleMail, kThunderbird };
enum class Browser : std::uint8_t { kChrome, kFirefox, kSafari, kEdge };
// How a campaign encodes the recipient in the pixel URL.
enum class TokenStyle : std::uint8_t { kHex32, kUuid, kBase64UrlEmail, kNumericSigned };

struct HttpMessage {
  std::string start_line;  // "GET / HTTP/1.1" or "HTTP/1.1 200 OK"
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;
  // Non-empty: the body is sent with Transfer-Encoding: chunked in chunks of these sizes.
  std::vector<std::size_t> chunk_sizes;

  void add(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  const std::string* header(std::string_view name) const;
};

// Wire form; Content-Length or Transfer-Encoding is added from the body unless present.
Bytes serialize(const HttpMessage& message);
// Offset of the blank line ending the header block, for splitting headers across segments.
std::size_t header_block_length(const HttpMessage& message);

std::string mail_client_user_agent(MailClient client, Rng& rng);
std::string browser_user_agent(Browser browser);
std::string make_token(TokenStyle style, Rng& rng, std::string_view email);
std::string base64url(ByteSpan data);
// IMF-fixdate (RFC 9110 5.6.7), e.g. "Tue, 11 Mar 2025 09:00:00 GMT".
std::string http_date(TimestampNs ts);

// A pixel fetch as the given mail client sends it: image Accept, no Referer, no Cookie.
HttpMessage pixel_request(MailClient client, std::string_view host, std::string_view uri, Rng& rng);
// The tracking server's answer: an image with caching disabled.
HttpMessage pixel_response(std::uint16_t status, ByteSpan image, std::string_view content_type,
                           TimestampNs ts);
HttpMessage redirect_response(std::string_view location, TimestampNs ts);

// A browser request; `referer` and `cookie` are left out when empty.
HttpMessage browser_request(Browser browser, std::string_view host, std::string_view uri,
                            std::string_view accept, std::string_view referer,
                            std::string_view cookie);
HttpMessage content_response(std::string_view content_type, Bytes body, TimestampNs ts,
                             bool set_cookie, Rng& rng);

// Plausible text bodies for page loads.
Bytes html_page(Rng& rng, std::string_view title, const std::vector<std::string>& assets);
Bytes text_asset(Rng& rng, std::string_view kind, std::size_t size);

}  // namespace bw::gen
