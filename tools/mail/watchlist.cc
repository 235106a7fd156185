#include "tools/mail/watchlist.h"

namespace bw::mail {

std::string tsv_field(std::string_view text) {
  std::string field(text);
  for (char& c : field) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return field;
}

std::string watchlist_row(const extract::smtp::MailMessage& message,
                          const extract::smtp::MailUrl& url) {
  std::string recipients;
  for (const extract::smtp::Address& address : message.recipients) {
    if (!recipients.empty()) recipients += ',';
    recipients += address.view();
  }
  std::string row;
  for (const std::string_view field :
       {url.url.view(), url.host.view(), extract::smtp::url_kind_name(url.kind),
        message.message_id.view(), std::string_view(recipients), message.subject.view(),
        message.date.view()}) {
    if (!row.empty()) row += '\t';
    row += tsv_field(field);
  }
  row += '\n';
  return row;
}

void WatchlistWriter::on_mail_url(const extract::smtp::MailMessage& message,
                                  const extract::smtp::MailUrl& url) {
  out_ << watchlist_row(message, url);
  ++rows_;
}

void WatchlistWriter::on_mail_message_end(const extract::smtp::MailMessage& /*message*/) {
  ++messages_;
}

}  // namespace bw::mail
