// What the mail extractors report: for each inbound message, the URLs its text carries, with the
// message's identity and recipients, so that a later HTTP fetch of one of them (a tracking pixel
// loading, a link being followed) can be tied to the message and to whom it was sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sensor/common/fixed_string.h"
#include "sensor/common/time.h"

namespace bw::extract::smtp {

// kImage: fetched by the mail client on display (<img src>, background=); kLink: fetched when the
// reader clicks (<a href>, URLs in plain text); kCss: fetched on display from style sheets.
enum class UrlKind : std::uint8_t { kImage, kLink, kCss };
std::string_view url_kind_name(UrlKind kind);  // "img", "link", "css"

inline constexpr std::size_t kMaxRecipients = 16;
inline constexpr std::size_t kMaxUrlLength = 2048;
using Address = FixedString<256>;

struct MailUrl {
  FixedString<kMaxUrlLength> url;  // as written, entity and transfer decoding undone
  FixedString<256> host;           // lower case, without user info or port
  UrlKind kind = UrlKind::kLink;
};

struct MailMessage {
  FixedString<256> message_id;  // as in the header, angle brackets included
  FixedString<256> from;        // header fields below are unfolded, RFC 2047 words decoded (UTF-8)
  FixedString<512> to;
  FixedString<512> subject;
  FixedString<64> date;
  FixedString<256> envelope_from;  // SMTP MAIL FROM or the mbox "From " line; empty otherwise
  // SMTP RCPT TO addresses the server did not refuse; without an envelope, the Delivered-To or
  // X-Original-To header addresses, else the To and Cc addresses.
  FixedVector<Address, kMaxRecipients> recipients;
  bool recipients_from_envelope = false;
  bool complete = false;        // its end was seen (end of DATA, BDAT LAST, end of file)
  TimestampNs ts = 0;           // when the message started (DATA or first BDAT command)
  std::uint64_t size = 0;       // message bytes, after dot-unstuffing
  std::uint32_t url_count = 0;  // URLs reported so far
};

// URLs are reported while the message streams past, each distinct URL once per message; the end
// of the message (complete or cut short) is reported once.
class MailSink {
 public:
  virtual void on_mail_url(const MailMessage& message, const MailUrl& url) = 0;
  virtual void on_mail_message_end(const MailMessage& message) = 0;

 protected:
  ~MailSink() = default;
};

}  // namespace bw::extract::smtp
