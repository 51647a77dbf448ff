#pragma once

// CUBIC congestion control (RFC 9438), in bytes. Chosen because it is what Linux runs by
// default: the peers and the forwarding this endpoint is compared with use it, so over a
// lossy or long path the appliance's side recovers and grows its window as they would
// (beta 0.7 and the cubic growth keep more of the window after a loss than NewReno's 0.5).
// Slow start counts acknowledged bytes (RFC 3465); below the Reno-friendly estimate the
// window follows that estimate. The caller says when a congestion event starts (fast
// recovery entered once per window), when the retransmission timer fires, and when a
// recovery turned out to be spurious (undo).

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace portico::dp::tcp {

class Cubic {
 public:
  static constexpr double kC = 0.4;
  static constexpr double kBeta = 0.7;

  void init(uint32_t mss, uint32_t initialSegments) {
    mss_ = mss;
    cwnd_ = mss * initialSegments;
    ssthresh_ = 0xffffffffu;
    wMax_ = 0;
    epochUs_ = 0;
  }

  uint32_t cwnd() const { return cwnd_; }
  uint32_t ssthresh() const { return ssthresh_; }
  bool inSlowStart() const { return cwnd_ < ssthresh_; }

  // Bytes newly acknowledged while not in recovery. `flight` is what was outstanding before
  // this ACK: a window the sender does not fill is not grown (RFC 7661's spirit).
  void onAck(uint32_t acked, uint32_t flight, uint64_t nowUs, uint32_t srttUs) {
    if (flight + 3 * mss_ < cwnd_) return;
    if (inSlowStart()) {
      cwnd_ += acked;
      return;
    }
    if (epochUs_ == 0) startEpoch(nowUs);
    const double t = static_cast<double>(nowUs - epochUs_ + srttUs) / 1e6;
    const double segs = static_cast<double>(cwnd_) / mss_;
    const double target = kC * std::pow(t - k_, 3) + wMaxSegs();
    // The Reno-friendly estimate grows by alpha segments per window of acknowledged bytes.
    renoSegs_ += 3 * (1 - kBeta) / (1 + kBeta) * static_cast<double>(acked) / cwnd_;
    double next;
    if (target < renoSegs_) {
      next = renoSegs_;
    } else {
      const double capped = std::min(target, 1.5 * segs);
      next = segs + std::max(0.0, capped - segs) / segs * (static_cast<double>(acked) / mss_);
    }
    cwnd_ = std::max<uint32_t>(cwnd_, static_cast<uint32_t>(next * mss_));
  }

  // A loss detected by duplicate ACKs or SACK: the window the recovery aims for.
  void onCongestion(uint32_t flight) {
    saveForUndo();
    const uint32_t w = std::max(cwnd_, flight);
    // Fast convergence: a window that stopped below the last maximum leaves room sooner.
    wMax_ = w < wMax_ ? static_cast<uint32_t>(w * (1 + kBeta) / 2) : w;
    ssthresh_ = std::max<uint32_t>(static_cast<uint32_t>(w * kBeta), 2 * mss_);
    cwnd_ = ssthresh_;
    epochUs_ = 0;
  }

  // The retransmission timer fired: one segment, and slow start up to the reduced threshold.
  void onTimeout(uint32_t flight) {
    saveForUndo();
    const uint32_t w = std::max(cwnd_, flight);
    wMax_ = w;
    ssthresh_ = std::max<uint32_t>(static_cast<uint32_t>(w * kBeta), 2 * mss_);
    cwnd_ = mss_;
    epochUs_ = 0;
  }

  // Every retransmission of the episode proved needless (DSACK): back to where it was.
  void undo() {
    cwnd_ = std::max(cwnd_, undoCwnd_);
    ssthresh_ = std::max(ssthresh_, undoSsthresh_);
    wMax_ = undoWMax_;
    epochUs_ = 0;
  }

  // Recovery may send more than cwnd allows for a moment (RFC 6675 keeps pipe below cwnd;
  // the window itself is set on entry), so nothing to do when it ends.

 private:
  double wMaxSegs() const { return static_cast<double>(wMax_) / mss_; }
  void startEpoch(uint64_t nowUs) {
    epochUs_ = nowUs;
    const double segs = static_cast<double>(cwnd_) / mss_;
    if (wMaxSegs() > segs) {
      k_ = std::cbrt((wMaxSegs() - segs) / kC);
    } else {
      k_ = 0;
    }
    renoSegs_ = segs;
  }
  void saveForUndo() {
    undoCwnd_ = cwnd_;
    undoSsthresh_ = ssthresh_;
    undoWMax_ = wMax_;
  }

  uint32_t mss_ = 1460;
  uint32_t cwnd_ = 14'600;
  uint32_t ssthresh_ = 0xffffffffu;
  uint32_t wMax_ = 0;
  uint64_t epochUs_ = 0;
  double k_ = 0;
  double renoSegs_ = 0;
  uint32_t undoCwnd_ = 0, undoSsthresh_ = 0, undoWMax_ = 0;
};

}  // namespace portico::dp::tcp
