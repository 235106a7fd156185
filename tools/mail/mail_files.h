// Reading journaled mail from files: one message per .eml file, or many in an mbox file, streamed
// in fixed chunks so a multi-gigabyte mailbox never sits in memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sensor/common/bytes.h"
#include "sensor/extract/smtp/mail_records.h"
#include "sensor/extract/smtp/smtp_counters.h"

namespace bw::mail {

enum class MailFormat : std::uint8_t { kAuto, kEml, kMbox };

// "eml", "mbox"; kAuto for anything else.
MailFormat parse_mail_format(std::string_view name);
// An mbox file starts with a "From " line; anything else is taken for a single message.
MailFormat detect_mail_format(ByteSpan first_bytes);

// Reads `path` and reports its messages' URLs to sink. Returns false, with a one-line reason in
// `error`, when the file cannot be opened or read.
bool read_mail_file(const std::string& path, MailFormat format, extract::smtp::MailSink& sink,
                    extract::smtp::SmtpCounters& counters, std::string& error);

}  // namespace bw::mail
