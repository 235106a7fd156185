#include "tools/mail/mail_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "sensor/extract/smtp/mbox_splitter.h"
#include "sensor/extract/smtp/mime_walker.h"

namespace bw::mail {
namespace {

using extract::smtp::MailSink;
using extract::smtp::SmtpCounters;

constexpr std::size_t kChunkBytes = 64 * 1024;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Feeds each chunk to consume(bytes), which returns how much it used; the rest is presented again
// in front of the next chunk. end(rest) gets what was left when the file ended.
template <typename Consume, typename End>
bool stream_file(std::FILE* file, std::vector<std::uint8_t>& pending, Consume&& consume,
                 End&& end) {
  std::vector<std::uint8_t> chunk(kChunkBytes);
  for (bool more = !pending.empty(); more;) {
    const std::size_t used = consume(ByteSpan(pending.data(), pending.size()));
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file);
    pending.insert(pending.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    more = n > 0;
  }
  if (std::ferror(file)) return false;
  end(ByteSpan(pending.data(), pending.size()));
  return true;
}

bool read_eml(std::FILE* file, std::vector<std::uint8_t>& pending, MailSink& sink,
              SmtpCounters& counters) {
  const auto walker = std::make_unique<extract::smtp::MimeWalker>();
  walker->begin(0);
  return stream_file(
      file, pending,
      [&](ByteSpan bytes) {
        walker->feed(bytes, sink, counters);
        return bytes.size();
      },
      [&](ByteSpan) { walker->end(/*complete=*/true, sink, counters); });
}

bool read_mbox(std::FILE* file, std::vector<std::uint8_t>& pending, MailSink& sink,
               SmtpCounters& counters) {
  const auto splitter = std::make_unique<extract::smtp::MboxSplitter>();
  return stream_file(
      file, pending, [&](ByteSpan bytes) { return splitter->on_bytes(bytes, sink, counters); },
      [&](ByteSpan rest) { splitter->finish(rest, sink, counters); });
}

}  // namespace

MailFormat parse_mail_format(std::string_view name) {
  if (name == "eml") return MailFormat::kEml;
  if (name == "mbox") return MailFormat::kMbox;
  return MailFormat::kAuto;
}

MailFormat detect_mail_format(ByteSpan first_bytes) {
  return as_chars(first_bytes).starts_with("From ") ? MailFormat::kMbox : MailFormat::kEml;
}

bool read_mail_file(const std::string& path, MailFormat format, MailSink& sink,
                    SmtpCounters& counters, std::string& error) {
  const File file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  // The first bytes decide the format; they stay pending for the parser.
  std::vector<std::uint8_t> pending(5);
  pending.resize(std::fread(pending.data(), 1, pending.size(), file.get()));
  if (format == MailFormat::kAuto) {
    format = detect_mail_format(ByteSpan(pending.data(), pending.size()));
  }
  const bool ok = format == MailFormat::kMbox ? read_mbox(file.get(), pending, sink, counters)
                                              : read_eml(file.get(), pending, sink, counters);
  if (!ok || std::ferror(file.get())) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace bw::mail
