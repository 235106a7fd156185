// bw-pcap-floor FILE: reads every packet of a capture with libpcap and does nothing else. Its rate
// is the ceiling any replay of the same file can reach on this machine.
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>

namespace {

struct Totals {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

void count_packet(u_char* user, const pcap_pkthdr* header, const u_char*) {
  auto* totals = reinterpret_cast<Totals*>(user);
  ++totals->packets;
  totals->bytes += header->caplen;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bw-pcap-floor FILE\n");
    return 2;
  }
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_open_offline(argv[1], error);
  if (handle == nullptr) {
    std::fprintf(stderr, "bw-pcap-floor: %s\n", error);
    return 1;
  }
  Totals totals;
  const int status = pcap_loop(handle, -1, count_packet, reinterpret_cast<u_char*>(&totals));
  if (status == PCAP_ERROR) {
    std::fprintf(stderr, "bw-pcap-floor: %s\n", pcap_geterr(handle));
    pcap_close(handle);
    return 1;
  }
  pcap_close(handle);
  std::printf("packets %llu bytes %llu\n", static_cast<unsigned long long>(totals.packets),
              static_cast<unsigned long long>(totals.bytes));
  return 0;
}
