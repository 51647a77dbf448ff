// The HTTPS listener's OpenSSL context, driven by an OpenSSL client over a memory BIO
// pair: the certificate a client's signature algorithms choose, ALPN, protocol versions,
// and session tickets that outlive the context (a push rebuilds it), cross between
// appliances given the same seed, and rotate.

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "dataplane/tls/server_context.h"
#include "dataplane/tls/ticket_keys.h"
#include "tests/common/tls_peer.h"

namespace portico::dp::tls {
namespace {

using test::copySession;
using test::selfSigned;
using test::TlsPair;

const snapshot::CertificateSpec& ecdsa() {
  static const auto c = selfSigned("shop-ecdsa", "EC", "shop.example.com");
  return c;
}
const snapshot::CertificateSpec& rsa() {
  static const auto c = selfSigned("shop-rsa", "RSA", "shop.example.com");
  return c;
}

struct Outcome {
  bool done = false;
  bool reused = false;
  std::string alpn;
  int version = 0;
  int keyType = 0;  // the server certificate's key
  SSL_SESSION* session = nullptr;  // the ticket the client got (owned by the caller)
};

struct ClientOptions {
  int maxVersion = TLS1_3_VERSION;
  const char* sigalgs = nullptr;  // e.g. "RSA-PSS+SHA256"
  std::string alpn = std::string("\x08http/1.1", 9);
  SSL_SESSION* resume = nullptr;
};

// One handshake between an OpenSSL client and a server session of `server`, then one
// application record each way (TLS 1.3 tickets come after the handshake).
Outcome handshake(const ServerContext& server, const ClientOptions& o = {}) {
  TlsPair pair(server.get(), o.maxVersion);
  if (o.sigalgs != nullptr) SSL_set1_sigalgs_list(pair.client, o.sigalgs);
  if (!o.alpn.empty()) {
    SSL_set_alpn_protos(pair.client, reinterpret_cast<const unsigned char*>(o.alpn.data()),
                        static_cast<unsigned>(o.alpn.size()));
  }
  if (o.resume != nullptr) SSL_set_session(pair.client, o.resume);
  Outcome out;
  if (!pair.handshake()) return out;
  char buffer[16];
  std::size_t n = 0;
  SSL_write_ex(pair.server, "hello", 5, &n);
  SSL_read_ex(pair.client, buffer, sizeof buffer, &n);  // also takes the tickets in
  out.done = true;
  out.reused = SSL_session_reused(pair.client) == 1;
  const unsigned char* alpn = nullptr;
  unsigned alpnLength = 0;
  SSL_get0_alpn_selected(pair.client, &alpn, &alpnLength);
  out.alpn.assign(reinterpret_cast<const char*>(alpn), alpnLength);
  out.version = SSL_version(pair.client);
  if (X509* peer = SSL_get1_peer_certificate(pair.client)) {
    out.keyType = EVP_PKEY_get_base_id(X509_get0_pubkey(peer));
    X509_free(peer);
  }
  out.session = SSL_get1_session(pair.client);
  return out;
}

std::shared_ptr<const TicketKeys> keysFrom(char fill, uint32_t rotationS = 3600) {
  auto keys = TicketKeys::fromSeed(std::vector<uint8_t>(48, static_cast<uint8_t>(fill)), rotationS);
  EXPECT_TRUE(keys);
  return *keys;
}

std::shared_ptr<const ServerContext> context(std::shared_ptr<const TicketKeys> keys,
                                             std::vector<snapshot::CertificateSpec> certificates = {ecdsa()}) {
  auto c = ServerContext::build(certificates, "listener shop", std::move(keys));
  EXPECT_TRUE(c) << (c ? "" : c.error().toString());
  return *c;
}

TEST(ServerContext, ServesTls13AndTls12WithHttp11) {
  const auto server = context(keysFrom('a'));
  const Outcome v13 = handshake(*server);
  ASSERT_TRUE(v13.done);
  EXPECT_EQ(v13.version, TLS1_3_VERSION);
  EXPECT_EQ(v13.alpn, "http/1.1");
  SSL_SESSION_free(v13.session);
  const Outcome v12 = handshake(*server, {.maxVersion = TLS1_2_VERSION});
  ASSERT_TRUE(v12.done);
  EXPECT_EQ(v12.version, TLS1_2_VERSION);
  SSL_SESSION_free(v12.session);
}

TEST(ServerContext, ChoosesAes128GcmAndRefusesSuitesWithoutForwardSecrecyOrAead) {
  const auto server = context(keysFrom('a'), {rsa(), ecdsa()});
  TlsPair v13(server->get());
  ASSERT_TRUE(v13.handshake());
  EXPECT_STREQ(SSL_get_cipher_name(v13.server), "TLS_AES_128_GCM_SHA256");
  TlsPair v12(server->get(), TLS1_2_VERSION);
  ASSERT_TRUE(v12.handshake());
  EXPECT_STREQ(SSL_get_cipher_name(v12.server), "ECDHE-ECDSA-AES128-GCM-SHA256");
  TlsPair cbc(server->get(), TLS1_2_VERSION);
  SSL_set_cipher_list(cbc.client, "ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256");
  EXPECT_FALSE(cbc.handshake()) << "CBC, and RSA key exchange, are not offered";
}

TEST(ServerContext, RefusesAClientThatOffersOnlyH2) {
  const Outcome h2 = handshake(*context(keysFrom('a')), {.alpn = std::string("\x02h2", 3)});
  EXPECT_FALSE(h2.done) << "no_application_protocol, not a silent http/1.1";
}

TEST(ServerContext, ChoosesTheCertificateTheClientsSignatureAlgorithmsAccept) {
  const auto server = context(keysFrom('a'), {rsa(), ecdsa()});
  const Outcome toEcdsa = handshake(*server, {.sigalgs = "ECDSA+SHA256"});
  ASSERT_TRUE(toEcdsa.done);
  EXPECT_EQ(toEcdsa.keyType, EVP_PKEY_EC);
  const Outcome toRsa = handshake(*server, {.sigalgs = "RSA-PSS+SHA256:RSA+SHA256"});
  ASSERT_TRUE(toRsa.done);
  EXPECT_EQ(toRsa.keyType, EVP_PKEY_RSA);
  SSL_SESSION_free(toEcdsa.session);
  SSL_SESSION_free(toRsa.session);
}

TEST(ServerContext, RefusesAKeyThatDoesNotMatchItsCertificate) {
  snapshot::CertificateSpec mixed = ecdsa();
  mixed.keyPem = rsa().keyPem;
  auto c = ServerContext::build({mixed}, "listener shop", keysFrom('a'));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().toString().find("listener shop certificate shop-ecdsa"), std::string::npos) << c.error().toString();
}

// A push builds a new context for every HTTPS listener: a ticket from the old one resumes
// on the new one, in both protocol versions.
TEST(SessionTickets, OutliveTheContextThatIssuedThem) {
  const auto keys = keysFrom('a');
  for (const int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    const Outcome first = handshake(*context(keys), {.maxVersion = version});
    ASSERT_TRUE(first.done && first.session != nullptr);
    EXPECT_FALSE(first.reused);
    EXPECT_TRUE(SSL_SESSION_has_ticket(first.session)) << "version " << std::hex << version;
    const Outcome again = handshake(*context(keys), {.maxVersion = version, .resume = first.session});
    ASSERT_TRUE(again.done);
    EXPECT_TRUE(again.reused) << "version " << std::hex << version;
    SSL_SESSION_free(first.session);
    SSL_SESSION_free(again.session);
  }
}

// A TLS 1.3 client uses a ticket once: each resumption must bring the next ticket.
std::string ticketOf(const SSL_SESSION* session) {
  const unsigned char* ticket = nullptr;
  std::size_t length = 0;
  SSL_SESSION_get0_ticket(session, &ticket, &length);
  return {reinterpret_cast<const char*>(ticket), length};
}

TEST(SessionTickets, EachTls13ResumptionBringsAFreshTicket) {
  const auto server = context(keysFrom('a'));
  Outcome last = handshake(*server);
  ASSERT_TRUE(last.done);
  for (int i = 0; i < 3; ++i) {
    const std::string used = ticketOf(last.session);
    SSL_SESSION* saved = copySession(last.session);
    const Outcome again = handshake(*server, {.resume = saved});
    SSL_SESSION_free(saved);
    ASSERT_TRUE(again.done);
    EXPECT_TRUE(again.reused) << "resumption " << i + 1;
    EXPECT_TRUE(ticketOf(again.session) != used) << "a new ticket, not the used one";
    SSL_SESSION_free(last.session);
    last = again;
  }
  SSL_SESSION_free(last.session);
}

TEST(SessionTickets, CrossBetweenAppliancesOnlyWithTheSameSeed) {
  const Outcome first = handshake(*context(keysFrom('a')));
  ASSERT_TRUE(first.done);
  const Outcome pair = handshake(*context(keysFrom('a')), {.resume = first.session});
  EXPECT_TRUE(pair.reused) << "the other appliance of a pair, same seed file";
  const Outcome stranger = handshake(*context(keysFrom('b')), {.resume = first.session});
  ASSERT_TRUE(stranger.done) << "an unknown ticket falls back to a full handshake";
  EXPECT_FALSE(stranger.reused);
  for (auto* s : {first.session, pair.session, stranger.session}) SSL_SESSION_free(s);
}

TEST(SessionTickets, AreAcceptedForTwoPeriodsAfterTheOneThatIssuedThem) {
  const auto keys = keysFrom('a', 3600);
  const auto server = context(keys);
  const uint64_t start = 1'800'000'000;  // the start of period 500 000
  keys->setClockForTest(start);
  const Outcome first = handshake(*server, {.maxVersion = TLS1_2_VERSION});
  ASSERT_TRUE(first.done);
  for (const uint64_t later : {start + 3599, start + 3600, start + 2 * 3600 + 3599}) {
    keys->setClockForTest(later);
    SSL_SESSION* saved = copySession(first.session);
    const Outcome again = handshake(*server, {.maxVersion = TLS1_2_VERSION, .resume = saved});
    EXPECT_TRUE(again.reused) << later - start << " s later";
    SSL_SESSION_free(again.session);
    SSL_SESSION_free(saved);
  }
  keys->setClockForTest(start + 3 * 3600);
  SSL_SESSION* saved = copySession(first.session);
  const Outcome expired = handshake(*server, {.maxVersion = TLS1_2_VERSION, .resume = saved});
  SSL_SESSION_free(saved);
  ASSERT_TRUE(expired.done);
  EXPECT_FALSE(expired.reused) << "three periods on, its key is gone";
  SSL_SESSION_free(expired.session);
  SSL_SESSION_free(first.session);
}

// TLS 1.2 resumes without a new ticket unless the server asks: a ticket sealed by the
// current key is kept, one sealed by an older key comes back renewed, and the renewed one
// lives on after the first would have expired.
TEST(SessionTickets, ATls12TicketOfAnOlderKeyComesBackRenewed) {
  const auto keys = keysFrom('a', 3600);
  const auto server = context(keys);
  const uint64_t start = 1'800'000'000;  // the start of period 500 000
  keys->setClockForTest(start);
  const ClientOptions tls12{.maxVersion = TLS1_2_VERSION};
  const Outcome first = handshake(*server, tls12);
  ASSERT_TRUE(first.done);
  const std::string issued = ticketOf(first.session);

  keys->setClockForTest(start + 60);
  SSL_SESSION* saved = copySession(first.session);
  const Outcome sameKey = handshake(*server, {.maxVersion = TLS1_2_VERSION, .resume = saved});
  SSL_SESSION_free(saved);
  EXPECT_TRUE(sameKey.reused);
  EXPECT_EQ(ticketOf(sameKey.session), issued) << "the current key's ticket is not renewed";

  keys->setClockForTest(start + 3600 + 60);
  saved = copySession(first.session);
  const Outcome olderKey = handshake(*server, {.maxVersion = TLS1_2_VERSION, .resume = saved});
  SSL_SESSION_free(saved);
  EXPECT_TRUE(olderKey.reused);
  const std::string renewed = ticketOf(olderKey.session);
  EXPECT_TRUE(!renewed.empty() && renewed != issued) << "an older key's ticket comes back renewed";

  keys->setClockForTest(start + 3 * 3600 + 60);
  saved = copySession(olderKey.session);
  const Outcome later = handshake(*server, {.maxVersion = TLS1_2_VERSION, .resume = saved});
  SSL_SESSION_free(saved);
  EXPECT_TRUE(later.reused) << "the renewed ticket outlives the first one's three periods";
  for (auto* s : {first.session, sameKey.session, olderKey.session, later.session}) SSL_SESSION_free(s);
}

TEST(TicketKeys, AreTheSameForTheSameSeedAndPeriodOnly) {
  const auto a = keysFrom('a'), alsoA = keysFrom('a'), b = keysFrom('b');
  EXPECT_EQ(a->keyFor(7).name, alsoA->keyFor(7).name);
  EXPECT_EQ(a->keyFor(7).aes, alsoA->keyFor(7).aes);
  EXPECT_NE(a->keyFor(7).name, a->keyFor(8).name);
  EXPECT_NE(a->keyFor(7).aes, b->keyFor(7).aes);
  EXPECT_NE(a->keyFor(7).aes, a->keyFor(7).hmac);
}

TEST(TicketKeys, RefuseAShortSeedAndAMissingFile) {
  auto shortSeed = TicketKeys::fromSeed(std::vector<uint8_t>(16, 1), 3600);
  ASSERT_FALSE(shortSeed);
  EXPECT_NE(shortSeed.error().what.find("at least 32 bytes (it has 16)"), std::string::npos);
  auto missing = TicketKeys::fromFile("/nonexistent/ticket.seed", 3600);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().where, "/nonexistent/ticket.seed");
  const std::string path = testing::TempDir() + "ticket.seed";
  std::ofstream(path, std::ios::binary) << std::string(48, 'x');
  auto fromFile = TicketKeys::fromFile(path, 3600);
  ASSERT_TRUE(fromFile);
  EXPECT_EQ((*fromFile)->keyFor(3).aes, keysFrom('x')->keyFor(3).aes);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace portico::dp::tls
