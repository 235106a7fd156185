// The watchlist file: one row per URL found in a message, for the sensor to match later HTTP
// fetches against (a tracking pixel loading reveals when, where and by whom a message was read).
//
// Format (version 1): UTF-8 text, LF line ends. Lines starting with "#" are comments; the file
// starts with two, the second naming the columns. Every other line is one row of seven
// TAB-separated fields:
//   url         absolute http or https URL as written in the message (entities, transfer
//               encodings and line wrapping undone), at most 2048 bytes
//   host        the URL's host, lower case, without user info or port
//   kind        img (fetched on display: <img src>, background=), link (fetched on a click:
//               <a href>, URLs in plain text) or css (fetched on display from style sheets)
//   message_id  the Message-ID header, angle brackets included; may be empty
//   recipients  the recipients' addresses joined with ","; may be empty
//   subject     the Subject header, RFC 2047 words decoded
//   date        the Date header as written
// Fields never hold TAB, CR or LF: those and the other control characters are written as spaces.
// The same URL appears once per message that carries it.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "sensor/extract/smtp/mail_records.h"

namespace bw::mail {

inline constexpr std::string_view kWatchlistHeader =
    "# bw-mail-watchlist v1\n"
    "# url\thost\tkind\tmessage_id\trecipients\tsubject\tdate\n";

// text with control characters (TAB, CR and LF included) replaced by spaces.
std::string tsv_field(std::string_view text);

// One watchlist row, LF included.
std::string watchlist_row(const extract::smtp::MailMessage& message,
                          const extract::smtp::MailUrl& url);

// Writes rows as URLs are reported; counts messages and rows.
class WatchlistWriter final : public extract::smtp::MailSink {
 public:
  explicit WatchlistWriter(std::ostream& out) : out_(out) {}
  void write_header() { out_ << kWatchlistHeader; }
  void on_mail_url(const extract::smtp::MailMessage& message,
                   const extract::smtp::MailUrl& url) override;
  void on_mail_message_end(const extract::smtp::MailMessage& message) override;
  std::uint64_t rows() const { return rows_; }
  std::uint64_t messages() const { return messages_; }

 private:
  std::ostream& out_;
  std::uint64_t rows_ = 0;
  std::uint64_t messages_ = 0;
};

}  // namespace bw::mail
