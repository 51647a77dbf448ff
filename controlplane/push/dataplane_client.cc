#include "controlplane/push/dataplane_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <random>

namespace portico::cp {

namespace pb = portico::dataplane::v1;

namespace {
constexpr auto kCheckEvery = std::chrono::seconds(1);
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
constexpr auto kPushDeadline = std::chrono::seconds(10);
}  // namespace

DataplaneClient::DataplaneClient(std::string target, std::shared_ptr<grpc::ChannelCredentials> credentials, Log log)
    : target_(std::move(target)),
      log_(std::move(log)),
      stub_(pb::Dataplane::NewStub(grpc::CreateChannel(target_, std::move(credentials)))),
      thread_([this] { run(); }) {}

DataplaneClient::~DataplaneClient() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DataplaneClient::setState(std::shared_ptr<const pb::DesiredState> state) {
  {
    std::lock_guard lock(mutex_);
    latest_ = std::move(state);
  }
  wake_.notify_all();
}

bool DataplaneClient::settle(const grpc::Status& st, const pb::PushReply& reply, uint64_t version,
                             const std::string& how) {
  if (!st.ok()) {
    // Said once when it goes away, and once if it was never reached (a wrong address or
    // certificate must not go unexplained).
    if (reachable_ || !settled_) log_(target_ + ": unreachable (" + st.error_message() + "); retrying");
    reachable_ = false;
    settled_ = true;
    return false;
  }
  reachable_ = true;
  if (reply.accepted()) {
    acked_.store(version);
    log_(target_ + ": serves version " + std::to_string(version) + how);
  } else {
    nacked_ = version;
    log_(target_ + ": rejected version " + std::to_string(version) + ": " + reply.error());
  }
  settled_ = true;
  return true;
}

bool DataplaneClient::pushDelta(const pb::DesiredState& state, const StateIndex& index, bool& answered) {
  if (!ackedIndex_ || acked_.load() == 0) return false;
  auto delta = deltaBetween(*ackedIndex_, state, index);
  // Past half the hosts a delta costs the dataplane about what the whole state does.
  if (!delta || static_cast<std::size_t>(delta->changes_size()) * 2 > index.hosts.size() + 1) return false;
  delta->set_version(state.version());
  delta->set_base_version(acked_.load());
  pb::PushReply reply;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kPushDeadline);
  const grpc::Status st = stub_->PushDelta(&ctx, *delta, &reply);
  if (st.ok() && !reply.accepted()) {
    // Most likely the dataplane serves something else than we think (another control
    // plane pushed, or it restarted): the whole state settles it.
    log_(target_ + ": delta for version " + std::to_string(state.version()) + " refused (" + reply.error() +
         "); pushing the whole state");
    return false;
  }
  answered = settle(st, reply, state.version(),
                    " (delta: " + std::to_string(delta->changes_size()) + " virtual hosts)");
  return true;
}

bool DataplaneClient::push(const pb::DesiredState& state) {
  // Indexed before the push only when a delta may be sent; a whole push (the first one
  // above all) is indexed after its ACK, off the path to it.
  std::optional<StateIndex> index;
  if (ackedIndex_) index = indexOf(state);
  bool answered = false;
  if (!index || !pushDelta(state, *index, answered)) {
    pb::PushReply reply;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kPushDeadline);
    answered = settle(stub_->Push(&ctx, state, &reply), reply, state.version(), "");
  }
  // After a NACK the dataplane still serves the version indexed before.
  if (acked_.load() == state.version()) ackedIndex_ = index ? std::move(*index) : indexOf(state);
  return answered;
}

bool DataplaneClient::checkHealth() {
  pb::DesiredState served;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  pb::GetStateRequest request;
  request.set_version_only(true);
  const grpc::Status st = stub_->GetState(&ctx, request, &served);
  if (!st.ok()) {
    if (reachable_) log_(target_ + ": not answering (" + st.error_message() + ")");
    reachable_ = false;
    return false;
  }
  reachable_ = true;
  if (acked_.load() != 0 && served.version() != acked_.load()) {
    log_(target_ + ": serves version " + std::to_string(served.version()) + " (restarted?); pushing the state again");
    acked_.store(0);
    nacked_ = 0;
    ackedIndex_.reset();
    return true;
  }
  return false;
}

void DataplaneClient::run() {
  std::mt19937 rng(std::random_device{}());
  auto backoff = kFirstBackoff;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    const std::shared_ptr<const pb::DesiredState> state = latest_;
    lock.unlock();
    bool wantWait = true;
    const uint64_t version = state ? state->version() : 0;
    if (version != 0 && version != acked_.load() && version != nacked_) {
      if (push(*state)) {
        backoff = kFirstBackoff;
        wantWait = false;
      } else {
        // Jitter keeps many control planes from retrying in step.
        const auto jittered = std::chrono::milliseconds(
            std::uniform_int_distribution<long>(backoff.count() / 2, backoff.count())(rng));
        lock.lock();
        wake_.wait_for(lock, jittered, [this] { return stop_; });
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
    } else {
      wantWait = !checkHealth();  // a restarted dataplane is resynced at once
    }
    lock.lock();
    if (wantWait) {
      wake_.wait_for(lock, kCheckEvery, [&] { return stop_ || latest_ != state; });
    }
  }
}

}  // namespace portico::cp
