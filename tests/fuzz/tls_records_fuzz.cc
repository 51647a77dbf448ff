// The TLS input path of an HTTPS listener (its ServerContext, as the workers use it) on
// hostile bytes. The first byte picks the case:
//   - even: the rest is the whole client stream: random bytes never complete a handshake
//     and never yield plaintext;
//   - odd: a real client finishes a handshake and sends a known message, and the rest
//     says where its records are cut short and which bytes flip on the way: the server
//     either reads a prefix of the message, byte for byte, or refuses the stream. It
//     never reads bytes that were not sent.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/tls/server_context.h"
#include "tests/common/tls_peer.h"
#include "tests/fuzz/fuzz_target.h"

using portico::fuzz::check;

namespace {

const portico::dp::tls::ServerContext& server() {
  static const auto context = [] {
    auto c = portico::dp::tls::ServerContext::build({portico::test::selfSigned("fuzz", "EC", "shop.example.com")},
                                                    "fuzz listener");
    if (!c) portico::fuzz::fail("the server context builds");
    return *c;
  }();
  return *context;
}

// Drains what `from` wrote towards its peer.
std::vector<uint8_t> pending(SSL* from) {
  BIO* b = SSL_get_wbio(from);
  std::vector<uint8_t> out(BIO_ctrl_pending(b));
  if (!out.empty()) BIO_read(b, out.data(), static_cast<int>(out.size()));
  return out;
}

void randomStream(const uint8_t* data, size_t size) {
  SSL* ssl = SSL_new(server().get());
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_accept_state(ssl);
  BIO_write(in, data, static_cast<int>(size));
  BIO_set_mem_eof_return(in, 0);
  check(SSL_do_handshake(ssl) != 1, "random bytes never complete a handshake");
  uint8_t plain[256];
  size_t got = 0;
  check(SSL_read_ex(ssl, plain, sizeof plain, &got) != 1, "random bytes never yield plaintext");
  SSL_free(ssl);
  ERR_clear_error();
}

void damagedRecords(const uint8_t* data, size_t size) {
  static const char kMessage[] = "GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n";
  portico::test::TlsPair pair(server().get(), data[0] & 2 ? TLS1_2_VERSION : TLS1_3_VERSION);
  if (!pair.handshake()) portico::fuzz::fail("a real client completes its handshake");
  size_t written = 0;
  for (int i = 0; i < 3; ++i) SSL_write_ex(pair.client, kMessage, sizeof kMessage - 1, &written);
  // The client's records, taken off the pair and damaged as the input says.
  std::vector<uint8_t> records = pending(pair.client);
  size_t cut = records.size();
  if (size >= 3) cut = (static_cast<size_t>(data[1]) << 8 | data[2]) % (records.size() + 1);
  records.resize(cut);
  for (size_t i = 3; i + 2 < size; i += 3) {
    if (records.empty()) break;
    const size_t at = (static_cast<size_t>(data[i]) << 8 | data[i + 1]) % records.size();
    records[at] ^= data[i + 2];
  }
  SSL* srv = pair.server;
  BIO* from = BIO_new(BIO_s_mem());
  BIO_write(from, records.data(), static_cast<int>(records.size()));
  BIO_set_mem_eof_return(from, 0);
  BIO_up_ref(SSL_get_wbio(srv));
  SSL_set_bio(srv, from, SSL_get_wbio(srv));
  std::vector<uint8_t> plain;
  uint8_t buffer[512];
  size_t got = 0;
  while (SSL_read_ex(srv, buffer, sizeof buffer, &got) == 1) plain.insert(plain.end(), buffer, buffer + got);
  ERR_clear_error();
  std::string sent;
  for (int i = 0; i < 3; ++i) sent += kMessage;
  check(plain.size() <= sent.size(), "no more plaintext than was sent");
  check(plain.empty() || std::memcmp(plain.data(), sent.data(), plain.size()) == 0, "what is read is what was sent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 20'000) return 0;
  if ((data[0] & 1) == 0) {
    randomStream(data + 1, size - 1);
  } else {
    damagedRecords(data, size);
  }
  return 0;
}
