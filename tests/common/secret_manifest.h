#pragma once

// Secrets of type kubernetes.io/tls for control-plane tests, from the certificate and
// keys in tests/unit/controlplane/translate/testdata/ (a wildcard certificate, its key,
// and a key of another certificate).

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace portico::test {

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string base64(const std::string& text) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(text[i]) << 16;
    if (i + 1 < text.size()) v |= static_cast<uint8_t>(text[i + 1]) << 8;
    if (i + 2 < text.size()) v |= static_cast<uint8_t>(text[i + 2]);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < text.size() ? k[(v >> 6) & 63] : '=';
    out += i + 2 < text.size() ? k[v & 63] : '=';
  }
  return out;
}

inline std::string testdata(const std::string& name) {
  return readFile(PORTICO_SOURCE_ROOT "/tests/unit/controlplane/translate/testdata/" + name);
}

// A YAML document (with its leading ---) of Secret NS/NAME holding the wildcard
// certificate and the key in testdata file `key`.
inline std::string secretManifest(const std::string& ns, const std::string& name, const std::string& key = "wildcard.key") {
  return "---\napiVersion: v1\nkind: Secret\nmetadata: {name: " + name + ", namespace: " + ns +
         "}\ntype: kubernetes.io/tls\ndata: {tls.crt: " + base64(testdata("wildcard.crt")) +
         ", tls.key: " + base64(testdata(key)) + "}\n";
}

}  // namespace portico::test
