#pragma once

#include <cstdint>
#include <string_view>

namespace portico::dp {

// The one list of reasons a worker drops a frame. Each entry becomes an enum value and a
// counter name; add a reason here and it is counted, printed and exported everywhere.
#define PORTICO_DROP_REASONS(X)                                                    \
  X(kEthTruncated, "eth_truncated")                                                \
  X(kVlanTruncated, "vlan_truncated")                                              \
  X(kVlanTooDeep, "vlan_too_deep")                                                 \
  X(kArpTruncated, "arp_truncated")                                                \
  X(kArpBadFormat, "arp_bad_format")                                               \
  X(kIpv4Truncated, "ipv4_truncated")                                              \
  X(kIpv4BadVersion, "ipv4_bad_version")                                           \
  X(kIpv4BadIhl, "ipv4_bad_ihl")                                                   \
  X(kIpv4BadTotalLength, "ipv4_bad_total_length")                                  \
  X(kIpv4BadOptions, "ipv4_bad_options")                                           \
  X(kIpv4BadChecksum, "ipv4_bad_checksum")                                         \
  X(kIpv6Truncated, "ipv6_truncated")                                              \
  X(kIpv6BadVersion, "ipv6_bad_version")                                           \
  X(kIpv6BadPayloadLength, "ipv6_bad_payload_length")                              \
  X(kIpv6ExtTruncated, "ipv6_ext_truncated")                                       \
  X(kIpv6ExtChainTooLong, "ipv6_ext_chain_too_long")                               \
  X(kIcmpTruncated, "icmp_truncated")                                              \
  X(kIcmp6Truncated, "icmp6_truncated")                                            \
  X(kTcpTruncated, "tcp_truncated")                                                \
  X(kTcpBadDataOffset, "tcp_bad_data_offset")                                      \
  X(kUdpTruncated, "udp_truncated")                                                \
  X(kUdpBadLength, "udp_bad_length")                                               \
  X(kNdBadFormat, "nd_bad_format")                                                 \
  X(kIcmpBadChecksum, "icmp_bad_checksum")                                         \
  X(kUnsupportedEthertype, "unsupported_ethertype")                                \
  X(kNotForUs, "not_for_us")                                                       \
  X(kNoServiceOnVip, "no_service_on_vip")                                          \
  X(kNoHostPath, "no_host_path")                                                   \
  X(kHostRateLimited, "host_rate_limited")                                         \
  X(kHostRingFull, "host_ring_full")                                               \
  X(kReplyTooLarge, "reply_too_large")                                             \
  X(kChainedMbuf, "chained_mbuf")                                                  \
  X(kVlanNotForwarded, "vlan_not_forwarded")                                       \
  X(kNoFlow, "no_flow")                                                            \
  X(kNoBackend, "no_backend")                                                      \
  X(kBackendRemoved, "backend_removed")                                            \
  X(kNoSnatAddress, "no_snat_address")                                             \
  X(kSnatPortsExhausted, "snat_ports_exhausted")                                   \
  X(kNeighborUnresolved, "neighbor_unresolved")                                    \
  X(kTtlExpired, "ttl_expired")                                                    \
  X(kFragmentUnknown, "fragment_unknown")                                          \
  X(kIcmpErrorUnknown, "icmp_error_unknown")                                       \
  X(kTxFull, "tx_full")                                                            \
  X(kHandoffFull, "handoff_full")                                                  \
  X(kCtrlRxFull, "ctrl_rx_full")                                                   \
  X(kCtrlTxFull, "ctrl_tx_full")                                                   \
  X(kL7BadCookie, "l7_bad_cookie")                                                 \
  X(kL7ConnectionsFull, "l7_connections_full")                                     \
  X(kL7BuffersFull, "l7_buffers_full")                                             \
  X(kL7OutOfWindow, "l7_out_of_window")                                            \
  X(kL7TooManyGaps, "l7_too_many_gaps")                                            \
  X(kL7BadRequestLine, "l7_bad_request_line")                                      \
  X(kL7BadVersion, "l7_bad_version")                                               \
  X(kL7BadHeader, "l7_bad_header")                                                 \
  X(kL7TooManyHeaders, "l7_too_many_headers")                                      \
  X(kL7DuplicateHost, "l7_duplicate_host")                                         \
  X(kL7MissingHost, "l7_missing_host")                                             \
  X(kL7BadHost, "l7_bad_host")                                                     \
  X(kL7HeadTooLarge, "l7_head_too_large")                                          \
  X(kL7BadTlsRecord, "l7_bad_tls_record")                                          \
  X(kL7BadClientHello, "l7_bad_client_hello")                                      \
  X(kL7NoRoute, "l7_no_route")                                                     \
  X(kL7ClosedEarly, "l7_closed_early")                                             \
  X(kL7BackendTimeout, "l7_backend_timeout")                                       \
  X(kL7AnswerTimeout, "l7_answer_timeout")                                         \
  X(kL7HeadTimeout, "l7_head_timeout")                                             \
  X(kTcpOutOfOrderFull, "tcp_out_of_order_full")                                   \
  X(kTcpPoolEmpty, "tcp_pool_empty")                                               \
  X(kHttpBadFraming, "http_bad_framing")                                           \
  X(kHttpBadResponse, "http_bad_response")                                         \
  X(kHttpResponseTimeout, "http_response_timeout")                               \
  X(kHttpRequestTimeout, "http_request_timeout")                                 \
  X(kL7FiltersNeedProxy, "l7_filters_need_proxy")                                 \
  X(kTlsHandshakeFailed, "tls_handshake_failed")                                   \
  X(kTlsHandshakeTimeout, "tls_handshake_timeout")                                 \
  X(kTlsBadRecord, "tls_bad_record")

enum class DropReason : uint8_t {
#define PORTICO_DROP_ENUM(id, name) id,
  PORTICO_DROP_REASONS(PORTICO_DROP_ENUM)
#undef PORTICO_DROP_ENUM
  kCount
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

constexpr std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
#define PORTICO_DROP_NAME(id, name) \
  case DropReason::id:              \
    return name;
    PORTICO_DROP_REASONS(PORTICO_DROP_NAME)
#undef PORTICO_DROP_NAME
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

}  // namespace portico::dp
