#include "controlplane/source/k8s/kube_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace portico::cp::k8s {
namespace {

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("portico-kubeconfig-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

constexpr const char* kTwoContexts = R"(
apiVersion: v1
kind: Config
clusters:
  - name: lab
    cluster: {server: "https://192.0.2.10:6443/", certificate-authority: ca.crt}
  - name: prod
    cluster: {server: "https://198.51.100.1:6443", certificate-authority-data: "cGVt"}
users:
  - name: robot
    user: {token: abc}
  - name: cert
    user: {client-certificate: certs/c.crt, client-key: /abs/c.key}
contexts:
  - name: lab
    context: {cluster: lab, user: cert}
  - name: prod
    context: {cluster: prod, user: robot, namespace: portico-system}
current-context: prod
)";

TEST_F(KubeConfigTest, CurrentContextPicksClusterUserAndNamespace) {
  Problem p;
  const auto cfg = loadKubeConfig(write("config", kTwoContexts), p);
  ASSERT_TRUE(cfg) << p.toString();
  EXPECT_EQ(cfg->server, "https://198.51.100.1:6443");
  EXPECT_EQ(cfg->caPem, "pem");
  EXPECT_EQ(cfg->token, "abc");
  EXPECT_EQ(cfg->ns, "portico-system");
}

TEST_F(KubeConfigTest, RelativePathsAreTakenFromTheFilesFolder) {
  std::string text = kTwoContexts;
  text.replace(text.find("current-context: prod"), 21, "current-context: lab");
  Problem p;
  const auto cfg = loadKubeConfig(write("config", text), p);
  ASSERT_TRUE(cfg) << p.toString();
  EXPECT_EQ(cfg->server, "https://192.0.2.10:6443") << "the trailing slash is dropped";
  EXPECT_EQ(cfg->caFile, (dir_ / "ca.crt").string());
  EXPECT_EQ(cfg->clientCertFile, (dir_ / "certs/c.crt").string());
  EXPECT_EQ(cfg->clientKeyFile, "/abs/c.key");
  EXPECT_EQ(cfg->ns, "default");
}

TEST_F(KubeConfigTest, ExecUsersAreRefusedWithAReason) {
  Problem p;
  const auto cfg = loadKubeConfig(write("config", R"(
clusters: [{name: c, cluster: {server: "https://192.0.2.1"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)"),
                                  p);
  EXPECT_FALSE(cfg);
  EXPECT_EQ(p.field, "users[u].exec");
  EXPECT_NE(p.message.find("runs a program"), std::string::npos);
}

TEST_F(KubeConfigTest, ProblemsNameTheField) {
  Problem p;
  EXPECT_FALSE(loadKubeConfig(write("a", "clusters: []\n"), p));
  EXPECT_EQ(p.field, "current-context");
  EXPECT_FALSE(loadKubeConfig(write("b", "current-context: gone\ncontexts: []\n"), p));
  EXPECT_EQ(p.field, "contexts");
  EXPECT_FALSE(loadKubeConfig(write("c", R"(
clusters: [{name: c, cluster: {server: "http://192.0.2.1"}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)"),
                              p));
  EXPECT_EQ(p.field, "clusters[c].server");
  EXPECT_FALSE(loadKubeConfig((dir_ / "missing").string(), p));
  EXPECT_NE(p.message.find("cannot be read"), std::string::npos);
}

TEST_F(KubeConfigTest, InClusterUsesTheServiceAccount) {
  write("token", "t0ken\n");
  write("namespace", "portico-system\n");
  setenv("KUBERNETES_SERVICE_HOST", "2001:db8::1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  Problem p;
  const auto cfg = inClusterConfig(p, dir_.string());
  ASSERT_TRUE(cfg) << p.toString();
  EXPECT_EQ(cfg->server, "https://[2001:db8::1]:443");
  EXPECT_EQ(cfg->tokenFile, (dir_ / "token").string());
  EXPECT_EQ(cfg->caFile, (dir_ / "ca.crt").string());
  EXPECT_EQ(cfg->ns, "portico-system");
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_FALSE(inClusterConfig(p, dir_.string()));
  EXPECT_NE(p.message.find("not running in a pod"), std::string::npos);
}

}  // namespace
}  // namespace portico::cp::k8s
